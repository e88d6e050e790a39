"""Notifications owed and sent: one row per unique key. The table keeps the name it had when
the model was the engagements app's."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from engagements.models.engagements import Engagement
from engagements.models.events import ActivityEvent
from engagements.models.meetings import Checkpoint
from engagements.models.tasks import Task


class NotificationKind(models.TextChoices):
    CHECKPOINT_REMINDER = "checkpoint_reminder", _("checkpoint reminder")
    CHECKPOINT_CANCELLED = "checkpoint_cancelled", _("cancellation notice")
    CHECKPOINT_UPDATED = "checkpoint_updated", _("checkpoint update")
    TASK_DUE_TOMORROW = "task_due_tomorrow", _("task due tomorrow")
    TASK_OVERDUE = "task_overdue", _("task overdue")
    DIGEST = "digest", _("daily digest")
    INVITATION = "invitation", _("invitation")
    TASK_ASSIGNED = "task_assigned", _("task assigned")
    GATE_SIGNED = "gate_signed", _("phase signed off")
    GATE_REOPENED = "gate_reopened", _("phase reopened")
    GATE_READY = "gate_ready", _("phase ready for sign-off")
    CHECKPOINT_REPORT = "checkpoint_report", _("status report after a checkpoint")
    TENANT_REVOKED = "tenant_revoked", _("tenant's consent withdrawn")
    TENANT_DRIFT = "tenant_drift", _("tenant no longer confirms a done task")
    MENTION = "mention", _("mention in a comment")


class NotificationStatus(models.TextChoices):
    PENDING = "pending", _("waiting")
    SENDING = "sending", _("being sent")
    SENT = "sent", _("sent")
    FAILED = "failed", _("failed")
    DROPPED = "dropped", _("dropped: its moment passed")
    SKIPPED = "skipped", _("skipped: nothing to send")
    WITHDRAWN = "withdrawn", _("withdrawn: rescheduled or cancelled")
    HELD = "held", _("held for the recipient's digest")
    DIGESTED = "digested", _("sent in a digest")


class Notification(models.Model):
    """One email to one person, sent at most once: `key` is unique and a send claims the row.

    Keys: `checkpoint-reminder:<checkpoint>:<start timestamp>:<minutes before>:<user>`,
    `checkpoint-cancelled:<checkpoint>:<user>`, `checkpoint-updated:<checkpoint>:<sequence>:<user>`,
    `task-due-tomorrow:<task>:<due date>:<user>`, `task-overdue:<task>:<due date>:<user>`,
    `digest:<user>:<local date>`,
    `invitation:<membership>`, `task-assigned:<task>:<event>`,
    `gate-signed:<event>:<user>`, `gate-reopened:<event>:<user>`,
    `checkpoint-report:<checkpoint>:<user>`, `tenant-revoked:<event>:<user>`,
    `tenant-drift:<event>:<user>`, `mention:<comment>:<user>`.
    """

    key = models.CharField(_("key"), max_length=200, unique=True)
    kind = models.CharField(_("kind"), max_length=30, choices=NotificationKind.choices)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    checkpoint = models.ForeignKey(
        Checkpoint,
        verbose_name=_("checkpoint"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="notifications",
    )
    task = models.ForeignKey(
        Task,
        verbose_name=_("task"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="notifications",
    )
    engagement = models.ForeignKey(
        Engagement,
        verbose_name=_("engagement"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    # The audit event a gate email tells of: it keeps what was done, by whom, with what words.
    event = models.ForeignKey(
        ActivityEvent,
        verbose_name=_("event"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    # The stored report a checkpoint-report email attaches: the bytes the trail vouches for.
    report = models.ForeignKey(
        "engagements.CheckpointReport",
        verbose_name=_("report"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    minutes_before = models.PositiveIntegerField(_("minutes before"), null=True, blank=True)
    # A reminder's checkpoint start when it was owed: a send checks the meeting still starts
    # then, so a reminder caught mid-send by a reschedule is never sent for the old time.
    owed_for = models.DateTimeField(_("owed for the start at"), null=True, blank=True)
    # An update's checkpoint SEQUENCE when it was owed: a send checks it is still the current
    # one, so an update a newer change superseded is never sent.
    sequence = models.PositiveIntegerField(_("calendar sequence"), null=True, blank=True)
    due_at = models.DateTimeField(_("due"))
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=NotificationStatus.choices,
        default=NotificationStatus.PENDING,
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    # When dispatch last put it on the queue; it is not queued again within
    # NOTIFICATION_REQUEUE_SECONDS.
    queued_at = models.DateTimeField(_("queued"), null=True, blank=True)
    claimed_at = models.DateTimeField(_("claimed"), null=True, blank=True)
    # Which claim the row is in: a sender whose lease ran out (and was retaken) no longer
    # matches, so it can neither send nor finish another sender's claim.
    claim_token = models.CharField(_("claim"), max_length=32, blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        db_table = "engagements_notification"
        ordering = ["due_at", "pk"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [
            models.Index(fields=["status", "due_at"]),
            # Digests: who had one in the last 24 hours.
            models.Index(fields=["kind", "created_at"]),
        ]

    def __str__(self):
        return self.key

    def offset_label(self) -> str:
        """How long before the meeting a checkpoint reminder goes out, e.g. "24 hours before"."""
        if self.minutes_before is None:
            return ""
        hours, minutes = divmod(self.minutes_before, 60)
        if minutes:
            return ngettext(
                "%(count)d minute before", "%(count)d minutes before", self.minutes_before
            ) % {"count": self.minutes_before}
        return ngettext("%(count)d hour before", "%(count)d hours before", hours) % {"count": hours}


class Delivery(models.TextChoices):
    """How a person wants one kind of notification: its own email, a line in their daily digest,
    or nothing."""

    EMAIL = "email", _("by email")
    DIGEST = "digest", _("in the daily digest")
    NEVER = "never", _("never")


class NotificationPreference(models.Model):
    """How a person wants one kind of notification; a kind without a row comes by email
    (notifications/preferences.py says which kinds may be changed, and to what)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="notification_preferences",
    )
    kind = models.CharField(_("kind"), max_length=30, choices=NotificationKind.choices)
    delivery = models.CharField(_("delivery"), max_length=10, choices=Delivery.choices)

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="notification_preference_once")
        ]

    def __str__(self):
        return f"{self.user}: {self.get_kind_display()} {self.get_delivery_display()}"
