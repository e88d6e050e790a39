"""The Integrations page's webhooks, drawn where the page names them: the page belongs to the
person's account, which sits below the webhooks and does not import them."""

from django import template

from webhooks.access import can_register_webhooks, webhook_engagements
from webhooks.forms import WebhookForm
from webhooks.models import Webhook
from webhooks.owing import WEBHOOK_EVENTS

register = template.Library()


@register.inclusion_tag("webhooks/_webhook_section.html", takes_context=True)
def webhook_section(context):
    """The person's webhooks and the form to register one; nothing for those who may not."""
    request = context["request"]
    if not can_register_webhooks(request.user):
        return {"shown": False}
    form = context.get("webhook_form") or WebhookForm(
        engagements=webhook_engagements(request.user).order_by("customer"),
        initial={"engagement": request.GET.get("engagement")},
    )
    return {
        "shown": True,
        "form": form,
        "csrf_token": context.get("csrf_token"),
        "webhooks": Webhook.objects.filter(owner=request.user).select_related("engagement"),
        "event_types": sorted(WEBHOOK_EVENTS.values()),
    }
