"""Asking a customer's administrator to consent, through Entra's admin-consent endpoint, to the
portal reading their tenant; tenants/services.py connects the tenant once they have."""

from urllib.parse import urlencode

from django.conf import settings
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.crypto import get_random_string
from django.utils.translation import gettext as _

from engagements.access import engagement_access
from engagements.models import Engagement
from tenants.models import Tier

CONSENT_SALT = "tenants.consent"
# The administrator has this long to consent once sent to Entra.
CONSENT_MAX_AGE_SECONDS = 15 * 60
CONSENT_SESSION_KEY = "tenant_consent_nonce"


def offered_tiers() -> list[str]:
    """The tiers whose app registration is configured."""
    return [tier for tier in Tier.values if settings.TENANT_APPS[tier]["client_id"]]


def consent_address(*, engagement: Engagement, user, tier: str, redirect_uri: str, session) -> str:
    """Where the customer's administrator grants the tier's read permissions (Entra's
    admin-consent endpoint). The state names the engagement, the person and the tier, signed,
    and bound to this browser's session by a nonce."""
    access = engagement_access(engagement, user)
    if not access.can_connect_tenant:
        raise PermissionDenied(_("Only the customer's managers connect the customer's tenant."))
    if tier not in offered_tiers():
        raise ValidationError(_("Choose which permissions to ask for."))
    nonce = get_random_string(24)
    session[CONSENT_SESSION_KEY] = nonce
    state = signing.dumps(
        {"engagement": engagement.pk, "user": user.pk, "tier": tier, "nonce": nonce},
        salt=CONSENT_SALT,
    )
    query = urlencode(
        {
            "client_id": settings.TENANT_APPS[tier]["client_id"],
            "scope": "https://graph.microsoft.com/.default",
            "redirect_uri": redirect_uri,
            "state": state,
        }
    )
    return f"{settings.ENTRA_AUTHORITY_HOST}/organizations/v2.0/adminconsent?{query}"


def consent_state_read(state: str, *, user, session) -> dict:
    """The signed state back from Entra, if it is this person's in this browser and fresh."""
    try:
        values = signing.loads(state, salt=CONSENT_SALT, max_age=CONSENT_MAX_AGE_SECONDS)
    except signing.BadSignature:
        raise ValidationError(
            _("This answer from Microsoft is not one the portal asked for, or it came too late.")
        ) from None
    if values["user"] != user.pk or values["nonce"] != session.pop(CONSENT_SESSION_KEY, None):
        raise ValidationError(_("This answer from Microsoft belongs to another sign-in."))
    return values
