"""One-click unsubscribe addresses (RFC 8058): a signed address names a person and the kind of
email it turns off, so a mail client can POST to it without the person signing in."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.db import models
from django.urls import reverse

from notifications.models import NotificationKind
from notifications.preferences import RULES

# The salt the addresses were first signed with, so those in emails already sent still work.
SALT = "accounts.unsubscribe"

# Addresses sent before preferences were per kind named the profile switch they turned off.
_EARLIER_TOPICS = {
    "receives_digest": [NotificationKind.DIGEST],
    "receives_due_notes": [NotificationKind.TASK_DUE_TOMORROW, NotificationKind.TASK_OVERDUE],
}


def unsubscribe_url(user, kind: str) -> str:
    token = signing.dumps({"user": user.pk, "kind": kind}, salt=SALT, compress=True)
    return settings.PORTAL_URL + reverse("unsubscribe", args=[token])


def unsubscribe_target(token: str) -> tuple | None:
    """(user, the kinds it turns off) that the address names, or None when it is not one the
    portal signed for a kind that may be turned off."""
    try:
        data = signing.loads(token, salt=SALT)
        kinds = [data["kind"]] if "kind" in data else _EARLIER_TOPICS[data["topic"]]
        if any(kind not in RULES or RULES[kind].required for kind in kinds):
            return None
        user = get_user_model().objects.get(pk=data["user"])
    except (signing.BadSignature, KeyError, TypeError, ValueError, models.ObjectDoesNotExist):
        return None
    return user, kinds
