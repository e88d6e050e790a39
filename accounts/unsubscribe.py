"""One-click unsubscribe addresses (RFC 8058): a signed address names a person and the kind of
email it turns off, so a mail client can POST to it without the person signing in."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

SALT = "accounts.unsubscribe"


class Topic(models.TextChoices):
    """A kind of email a person may turn off, named by the profile field that holds it."""

    DIGEST = "receives_digest", _("the daily digest")
    DUE_NOTES = "receives_due_notes", _("due-date notes")


def unsubscribe_url(user, topic: Topic) -> str:
    token = signing.dumps({"user": user.pk, "topic": topic.value}, salt=SALT, compress=True)
    return settings.PORTAL_URL + reverse("unsubscribe", args=[token])


def unsubscribe_target(token: str) -> tuple | None:
    """(user, topic) that the address names, or None when it is not one the portal signed."""
    try:
        data = signing.loads(token, salt=SALT)
        topic = Topic(data["topic"])
        user = get_user_model().objects.get(pk=data["user"])
    except (signing.BadSignature, KeyError, TypeError, ValueError, models.ObjectDoesNotExist):
        return None
    return user, topic
