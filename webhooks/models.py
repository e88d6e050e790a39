"""Webhooks and their deliveries. The tables keep the names they had when the models were the
engagements app's."""

from urllib.parse import urlsplit

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from engagements.models.engagements import Engagement
from engagements.models.events import ActivityEvent
from fasttrack import bounds


class WebhookKind(models.TextChoices):
    JSON = "json", _("Signed JSON")
    TEAMS = "teams", _("Teams channel (Workflows)")


class Webhook(models.Model):
    """An HTTPS address the portal POSTs an engagement's events to.

    Registered by staff or a manager (engagements/access.py) for one engagement, or for every
    engagement its owner sees (`engagement` empty). A JSON webhook gets every event it carries,
    signed with the secret, which is kept as typed (signing needs it) and never shown again. A
    Teams channel's Workflows address gets Adaptive Cards (webhooks/cards.py) in `language`,
    times in `time_zone`; its address is its secret (Workflows sign their own URLs), so it has
    no other, and its pages never show the address whole."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="webhooks"
    )
    url = models.URLField(
        _("address"), max_length=bounds.URL_MAX_LENGTH, validators=[bounds.validate_https_url]
    )
    kind = models.CharField(
        _("kind"), max_length=10, choices=WebhookKind.choices, default=WebhookKind.JSON
    )
    secret = models.CharField(_("secret"), max_length=bounds.WEBHOOK_SECRET_MAX_LENGTH, blank=True)
    # A Teams channel's cards: the language and time zone they are written in.
    language = models.CharField(
        _("language"), max_length=10, choices=settings.LANGUAGES, blank=True
    )
    time_zone = models.CharField(_("time zone"), max_length=64, blank=True)
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
        return self.shown_url

    @property
    def is_teams(self) -> bool:
        return self.kind == WebhookKind.TEAMS

    @property
    def shown_url(self) -> str:
        """The address as pages show it: a Teams address only to its host, since whoever
        holds it whole may post to the channel."""
        if not self.is_teams:
            return self.url
        parts = urlsplit(self.url)
        return f"{parts.scheme}://{parts.hostname}/…"


class WebhookDeliveryStatus(models.TextChoices):
    PENDING = "pending", _("waiting")
    SENDING = "sending", _("being sent")
    DELIVERED = "delivered", _("delivered")
    FAILED = "failed", _("failed")


class WebhookDelivery(models.Model):
    """One event (or card) for one webhook, delivered at most once: `key` is unique and a send
    claims the row (as notifications do). The body is fixed when the row is written, so every
    attempt sends, and signs, the same bytes. Keys: `webhook:<webhook>:<event>`, and for a
    Teams channel's cards owed by the clock rather than by an event
    `webhook:<webhook>:reminder:<checkpoint>:<start timestamp>:<minutes before>` and
    `webhook:<webhook>:overdue:<engagement>:<date the tasks became overdue>`."""

    key = models.CharField(max_length=100, unique=True)
    webhook = models.ForeignKey(Webhook, on_delete=models.CASCADE, related_name="deliveries")
    engagement = models.ForeignKey(Engagement, on_delete=models.CASCADE, related_name="+")
    # Empty for a card the clock owes (a reminder, tasks overdue).
    event = models.ForeignKey(
        ActivityEvent, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    # What receivers are told it is (X-FastTrack-Event), e.g. "task.done", "checkpoint.reminder".
    topic = models.CharField(_("event"), max_length=40)
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
