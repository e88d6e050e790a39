"""Webhooks and their deliveries. The tables keep the names they had when the models were the
engagements app's."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from engagements.models.engagements import Engagement
from engagements.models.events import ActivityEvent
from fasttrack import bounds


class Webhook(models.Model):
    """An HTTPS address the portal POSTs an engagement's events to, signed with the secret.

    Registered by staff or a manager (engagements/access.py) for one engagement, or for every
    engagement its owner sees (`engagement` empty). The secret is kept as typed: signing needs
    it, and it is never shown again."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="webhooks"
    )
    url = models.URLField(
        _("address"), max_length=bounds.URL_MAX_LENGTH, validators=[bounds.validate_https_url]
    )
    secret = models.CharField(_("secret"), max_length=bounds.WEBHOOK_SECRET_MAX_LENGTH)
    engagement = models.ForeignKey(
        Engagement,
        verbose_name=_("engagement"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="webhooks",
    )
    created_at = models.DateTimeField(_("registered"), default=timezone.now, editable=False)

    class Meta:
        db_table = "engagements_webhook"
        ordering = ["created_at", "pk"]
        verbose_name = _("webhook")
        verbose_name_plural = _("webhooks")

    def __str__(self):
        return self.url


class WebhookDeliveryStatus(models.TextChoices):
    PENDING = "pending", _("waiting")
    SENDING = "sending", _("being sent")
    DELIVERED = "delivered", _("delivered")
    FAILED = "failed", _("failed")


class WebhookDelivery(models.Model):
    """One event for one webhook, delivered at most once: `key` is unique and a send claims
    the row (as notifications do). The body is fixed when the event happens, so every attempt
    sends, and signs, the same bytes. Key: `webhook:<webhook>:<event>`."""

    key = models.CharField(max_length=100, unique=True)
    webhook = models.ForeignKey(Webhook, on_delete=models.CASCADE, related_name="deliveries")
    event = models.ForeignKey(ActivityEvent, on_delete=models.CASCADE, related_name="+")
    body = models.TextField()
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=WebhookDeliveryStatus.choices,
        default=WebhookDeliveryStatus.PENDING,
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    queued_at = models.DateTimeField(null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    claim_token = models.CharField(max_length=32, blank=True)
    response_status = models.PositiveSmallIntegerField(_("answer"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    delivered_at = models.DateTimeField(_("delivered"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        db_table = "engagements_webhookdelivery"
        ordering = ["-created_at", "-pk"]
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        indexes = [models.Index(fields=["status", "next_attempt_at"])]

    def __str__(self):
        return self.key
