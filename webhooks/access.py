"""Who may register webhooks, and which webhooks an engagement's events go to: the rules of
engagements/access.py, applied to webhooks."""

from django.contrib.auth.models import Permission
from django.db.models import Exists, OuterRef, Q
from django.http import Http404
from django.utils.translation import gettext as _

from engagements.access import get_engagement_for_user
from engagements.models import Engagement, Membership, Role
from webhooks.models import Webhook


def can_register_webhooks(user) -> bool:
    """Staff, and managers of at least one engagement."""
    return user.is_authenticated and (
        user.is_staff or Membership.objects.filter(user=user, role=Role.MANAGER).exists()
    )


def webhook_engagements(user):
    """The engagements a user may register a webhook for, one by one."""
    if user.is_staff:
        return Engagement.objects.all()
    return Engagement.objects.filter(
        Exists(Membership.objects.filter(engagement=OuterRef("pk"), user=user, role=Role.MANAGER))
    )


def get_engagement_for_webhook(user, pk) -> Engagement:
    """The engagement, if the user may register a webhook for it: 404 for those who may not
    see it, 403 for those who only read it (viewers, leads)."""
    access = get_engagement_for_user(user, pk)
    access.require(user.is_staff or access.is_manager)
    return access.engagement


def get_webhook_for_user(user, pk) -> Webhook:
    """One of the user's own webhooks; 404 for anyone else's."""
    webhook = Webhook.objects.filter(pk=pk, owner=user).select_related("engagement").first()
    if webhook is None:
        raise Http404(_("Webhook not found."))
    return webhook


def webhooks_seeing(engagement_id: int):
    """The webhooks an event of the engagement goes to: those registered for it or for every
    engagement their owner sees, whose active owner still sees it (the rule of
    visible_engagements, in SQL)."""
    lead = Permission.objects.filter(
        codename="view_all_engagements", content_type__app_label="engagements"
    ).filter(Q(user=OuterRef("owner")) | Q(group__user=OuterRef("owner")))
    member = Membership.objects.filter(engagement_id=engagement_id, user=OuterRef("owner"))
    return Webhook.objects.filter(
        Q(engagement_id=engagement_id) | Q(engagement__isnull=True),
        Q(owner__is_staff=True) | Q(owner__is_superuser=True) | Exists(member) | Exists(lead),
        owner__is_active=True,
    )
