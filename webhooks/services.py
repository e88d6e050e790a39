"""Registering and removing webhooks (who may is asked in engagements/access.py)."""

from django.contrib.auth.models import AbstractBaseUser
from django.core.validators import MinLengthValidator

from engagements.models import Engagement
from fasttrack import bounds
from webhooks.addresses import validate_webhook_address, validate_webhook_port
from webhooks.models import Webhook


def webhook_register(
    *, owner: AbstractBaseUser, url: str, secret: str, engagement: Engagement | None = None
) -> Webhook:
    """Register an HTTPS address for one engagement's events, or (no engagement) for those of
    every engagement the owner sees; refused if the address resolves to a private range."""
    url = url.strip()
    bounds.validate_fields(
        {
            "url": (
                url,
                [
                    *bounds.single_line(bounds.URL_MAX_LENGTH),
                    bounds.validate_https_url,
                    validate_webhook_port,
                ],
            ),
            "secret": (
                secret,
                [
                    MinLengthValidator(bounds.WEBHOOK_SECRET_MIN_LENGTH),
                    *bounds.single_line(bounds.WEBHOOK_SECRET_MAX_LENGTH),
                ],
            ),
        }
    )
    validate_webhook_address(url)
    return Webhook.objects.create(owner=owner, url=url, secret=secret, engagement=engagement)


def webhook_delete(*, webhook: Webhook) -> None:
    """Remove the webhook and its delivery log; nothing more is sent to it."""
    webhook.delete()
