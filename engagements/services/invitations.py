"""Accepting an invitation with a Microsoft work account: the invited address's account is
bound to the (tenant, object id) that signed in, when the tenant is the one that speaks for the
member's party. Roles come from the membership; signing in grants nothing by itself."""

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.entra import Identity
from accounts.sign_in import identity_bind
from engagements.journal import engagement_changed, event_record
from engagements.models import Engagement, EventKind, Membership, Role
from engagements.services.engagements import engagement_update
from responsibilities.models import Party
from trail.chain import actor_name

_SALT = "engagements.invitation"
# As long as Django's password links: an invitation older than this asks for a new one.
INVITATION_DAYS = 14


def invitation_token(membership: Membership) -> str:
    return signing.dumps({"membership": membership.pk}, salt=_SALT)


def invitation_membership(token: str) -> Membership | None:
    """The membership a token invites to, while it is young enough and the member is still one."""
    try:
        data = signing.loads(token, salt=_SALT, max_age=INVITATION_DAYS * 24 * 3600)
    except signing.BadSignature:
        return None
    return (
        Membership.objects.select_related("engagement", "user")
        .filter(pk=data.get("membership"))
        .first()
    )


def _refuse_wrong_tenant(membership: Membership, expected: str, identity: Identity):
    raise ValidationError(
        _(
            "This invitation is for %(party)s, who signs in from the Microsoft Entra ID tenant "
            "%(expected)s; you signed in from tenant %(tenant)s. Sign in with your %(party)s "
            "work account."
        )
        % {
            "party": Party(membership.party).label,
            "expected": expected,
            "tenant": identity.tenant_id,
        }
    )


@transaction.atomic
def invitation_accept_with_microsoft(*, membership: Membership, identity: Identity) -> Membership:
    """Bind the invited account to `identity`; the customer's first manager to do so sets the
    engagement's customer tenant. Refused with a message that says what was expected."""
    engagement = Engagement.objects.select_for_update().get(pk=membership.engagement_id)
    user = membership.user
    tenant_set = False
    if membership.party == Party.MICROSOFT:
        if identity.tenant_id not in settings.MICROSOFT_TENANT_IDS:
            _refuse_wrong_tenant(membership, ", ".join(settings.MICROSOFT_TENANT_IDS), identity)
    elif engagement.customer_tenant_id:
        if identity.tenant_id != engagement.customer_tenant_id:
            _refuse_wrong_tenant(membership, engagement.customer_tenant_id, identity)
    elif membership.role == Role.MANAGER:
        engagement.customer_tenant_id, tenant_set = identity.tenant_id, True
    else:
        raise ValidationError(
            _(
                "The customer's Microsoft Entra ID tenant is not known yet: a customer manager "
                "accepts their invitation first."
            )
        )
    if identity.email != user.email.lower():
        # The tenant is the right one; the address must be the invited one too, so a link
        # forwarded to a colleague does not bind the colleague to this account.
        raise ValidationError(
            _("This invitation was sent to %(invited)s; you signed in as %(email)s.")
            % {"invited": user.email, "email": identity.email or "?"}
        )
    identity_bind(user=user, identity=identity)
    if tenant_set:
        engagement_update(
            engagement=engagement, changed_by=user, changed_fields=["customer_tenant_id"]
        )
    event_record(
        engagement_id=engagement.pk,
        actor=user,
        kind=EventKind.ACCOUNT_BOUND,
        changes={
            "user": user.pk,
            "name": actor_name(user),
            "tenant_id": identity.tenant_id,
            "object_id": identity.object_id,
        },
    )
    engagement_changed(engagement_id=engagement.pk)
    return membership
