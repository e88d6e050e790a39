"""Registering webhooks and reading their deliveries."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.views import integrations_context
from webhooks import services as webhook_services
from webhooks.access import (
    can_register_webhooks,
    get_engagement_for_webhook,
    get_webhook_for_user,
    webhook_engagements,
)
from webhooks.forms import WebhookForm

RECENT_DELIVERIES = 100


@login_required
def webhooks(request):
    """Registers a webhook; the list and the form live on the Integrations page, where the old
    address leads (its query, the engagement to preselect, kept)."""
    if request.method != "POST":
        query = f"?{request.GET.urlencode()}" if request.GET else ""
        return redirect(f"{reverse('integrations')}{query}#webhooks")
    if not can_register_webhooks(request.user):
        raise PermissionDenied(_("Only staff and engagement managers register webhooks."))
    form = WebhookForm(
        request.POST, engagements=webhook_engagements(request.user).order_by("customer")
    )
    if form.is_valid():
        pk = form.cleaned_data["engagement"]
        engagement = get_engagement_for_webhook(request.user, pk) if pk else None
        try:
            webhook = webhook_services.webhook_register(
                owner=request.user,
                url=form.cleaned_data["url"],
                secret=form.cleaned_data["secret"],
                engagement=engagement,
                kind=form.cleaned_data["kind"],
                language=form.cleaned_data["language"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Webhook registered."))
            return redirect("webhook-detail", webhook_pk=webhook.pk)
    return render(
        request,
        "accounts/integrations.html",
        {**integrations_context(request), "webhook_form": form},
    )


@login_required
def webhook_detail(request, webhook_pk):
    webhook = get_webhook_for_user(request.user, webhook_pk)
    deliveries = list(webhook.deliveries.all()[:RECENT_DELIVERIES])
    return render(
        request,
        "engagements/webhook_detail.html",
        {"webhook": webhook, "deliveries": deliveries},
    )


@login_required
@require_POST
def webhook_delete(request, webhook_pk):
    webhook_services.webhook_delete(webhook=get_webhook_for_user(request.user, webhook_pk))
    messages.success(request, _("Webhook removed: nothing more is sent to it."))
    return redirect(f"{reverse('integrations')}#webhooks")
