"""Checkpoint meetings and the status reports filed with them."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from engagements.models.engagements import Engagement
from engagements.models.tasks import evidence_storage
from fasttrack import bounds
from responsibilities.models import Phase


class CheckpointKind(models.TextChoices):
    KICKOFF = "kickoff", _("Kick-off")
    CHECKPOINT_CALL = "checkpoint_call", _("Checkpoint call")
    VERIFICATION = "verification", _("Joint verification")


class Checkpoint(models.Model):
    """A meeting of the engagement: the kick-off, a checkpoint call or the joint verification."""

    engagement = models.ForeignKey(Engagement, on_delete=models.CASCADE, related_name="checkpoints")
    phase = models.ForeignKey(Phase, verbose_name=_("phase"), on_delete=models.PROTECT)
    kind = models.CharField(_("kind"), max_length=20, choices=CheckpointKind.choices)
    title = models.CharField(
        _("title"), max_length=bounds.TITLE_MAX_LENGTH, validators=[bounds.validate_single_line]
    )
    starts_at = models.DateTimeField(_("starts"), validators=[bounds.validate_datetime_in_window])
    ends_at = models.DateTimeField(_("ends"), validators=[bounds.validate_datetime_in_window])
    location = models.CharField(
        _("place or meeting link"),
        max_length=bounds.LOCATION_MAX_LENGTH,
        blank=True,
        validators=[bounds.validate_single_line],
    )
    agenda = models.TextField(
        _("agenda"), blank=True, validators=bounds.multi_line(bounds.AGENDA_MAX_LENGTH)
    )
    attendees = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("attendees"), related_name="+", blank=True
    )
    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    sequence = models.PositiveIntegerField(
        default=0, help_text=_("Raised at each change a calendar must pick up (RFC 5545).")
    )
    cancelled_at = models.DateTimeField(_("cancelled"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["starts_at"]
        verbose_name = _("checkpoint")
        verbose_name_plural = _("checkpoints")
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="checkpoint_ends_after_start"
            )
        ]
        indexes = [
            models.Index(fields=["engagement", "starts_at"]),
            # The calendar feed's nearest checkpoints, walked in time from now both ways, so
            # it stops at its limit however many engagements its reader is on.
            models.Index(fields=["starts_at", "id"], name="checkpoint_by_start"),
        ]

    def __str__(self):
        return self.title

    @property
    def is_cancelled(self) -> bool:
        return self.cancelled_at is not None

    def has_started(self, now=None) -> bool:
        return self.starts_at <= (now or timezone.now())

    def can_still_change(self, now=None) -> bool:
        """A meeting can change until it starts or is cancelled; then it is part of the record."""
        return not self.is_cancelled and not self.has_started(now)


class CheckpointBrief(models.Model):
    """What the managers tell the executives at a checkpoint: the summary, the decisions or help
    they need and the next steps. The status report filed after the meeting carries it; each
    change is an event of the trail (engagements/meetings/briefs.py writes it)."""

    checkpoint = models.OneToOneField(
        Checkpoint, verbose_name=_("checkpoint"), on_delete=models.CASCADE, related_name="brief"
    )
    summary = models.TextField(
        _("summary"), blank=True, validators=bounds.multi_line(bounds.BRIEF_MAX_LENGTH)
    )
    decisions = models.TextField(
        _("decisions and help needed"),
        blank=True,
        validators=bounds.multi_line(bounds.BRIEF_MAX_LENGTH),
    )
    next_steps = models.TextField(
        _("next steps"), blank=True, validators=bounds.multi_line(bounds.BRIEF_MAX_LENGTH)
    )
    written_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    written_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("checkpoint brief")
        verbose_name_plural = _("checkpoint briefs")

    def __str__(self):
        return str(self.checkpoint)


BRIEF_FIELDS = ("summary", "decisions", "next_steps")


def report_path(report, filename: str) -> str:
    """Reports are stored like evidence: a random name under the engagement's folder."""
    return f"engagement-{report.checkpoint.engagement_id}/reports/{uuid.uuid4().hex}.pdf"


class CheckpointReport(models.Model):
    """The status report sent to a checkpoint's attendees once it ended: one file per language
    and time zone they read in, kept in the private store, its SHA-256 in the audit trail, so
    the record shows what each of them was told."""

    checkpoint = models.ForeignKey(
        Checkpoint, verbose_name=_("checkpoint"), on_delete=models.PROTECT, related_name="reports"
    )
    language = models.CharField(_("language"), max_length=10)
    time_zone = models.CharField(_("time zone"), max_length=64)
    file = models.FileField(
        _("file"), storage=evidence_storage, upload_to=report_path, max_length=200
    )
    size = models.PositiveBigIntegerField(_("size"))
    sha256 = models.CharField(max_length=64)
    # The moment whose status the report tells.
    as_of = models.DateTimeField(_("as of"))

    class Meta:
        ordering = ["checkpoint", "language", "time_zone"]
        verbose_name = _("checkpoint report")
        verbose_name_plural = _("checkpoint reports")
        constraints = [
            models.UniqueConstraint(
                fields=["checkpoint", "language", "time_zone"], name="one_report_per_reading"
            )
        ]

    def __str__(self):
        return f"{self.checkpoint} · {self.language} · {self.time_zone}"
