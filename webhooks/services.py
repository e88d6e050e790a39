"""Registering and removing webhooks (who may is asked in engagements/access.py)."""

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.core.validators import MinLengthValidator
from django.utils.translation import gettext as _

from accounts.models import Profile
from engagements.models import Engagement
from fasttrack import bounds
from webhooks.addresses import validate_webhook_address, validate_webhook_port
from webhooks.models import Webhook, WebhookKind


def webhook_register(
    *,
    owner: AbstractBaseUser,
    url: str,
    secret: str = "",
    engagement: Engagement | None = None,
    kind: str = WebhookKind.JSON,
    language: str = "",
) -> Webhook:
    """Register an HTTPS address for one engagement's events, or (no engagement) for those of
    every engagement the owner sees; refused if the address resolves to a private range. A
    JSON webhook needs a secret to sign with; a Teams channel needs none (its address is its
    secret) and reads its cards in `language`, times in the owner's time zone."""
    url = url.strip()
    checks = {
        "url": (
            url,
            [
                *bounds.single_line(bounds.URL_MAX_LENGTH),
                bounds.validate_https_url,
                validate_webhook_port,
            ],
        )
    }
    if kind == WebhookKind.JSON:
        checks["secret"] = (
            secret,
            [
                MinLengthValidator(bounds.WEBHOOK_SECRET_MIN_LENGTH),
                *bounds.single_line(bounds.WEBHOOK_SECRET_MAX_LENGTH),
            ],
        )
    elif kind == WebhookKind.TEAMS:
        if language not in dict(settings.LANGUAGES):
            raise ValidationError({"language": _("Choose the language of the channel's cards.")})
        secret = ""
    else:
        raise ValidationError({"kind": _("Choose signed JSON or a Teams channel.")})
    bounds.validate_fields(checks)
    validate_webhook_address(url)
    profile = Profile.objects.filter(user=owner).first()
    return Webhook.objects.create(
        owner=owner,
        url=url,
        secret=secret,
        engagement=engagement,
        kind=kind,
        language=language if kind == WebhookKind.TEAMS else "",
        time_zone=(profile.time_zone if profile else settings.TIME_ZONE)
        if kind == WebhookKind.TEAMS
        else "",
    )


def webhook_delete(*, webhook: Webhook) -> None:
    """Remove the webhook and its delivery log; nothing more is sent to it."""
    webhook.delete()
