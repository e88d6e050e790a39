"""An engagement's plan: planned start and end per phase, kept in versions. Version 1 is the
baseline (made when the engagement is created, from the catalogue's typical phase durations);
each re-plan adds the next version with its reason and keeps every earlier one, so any two can
be compared. The services are in engagements/planning/services.py."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from engagements.models.engagements import Engagement
from fasttrack import bounds
from responsibilities.models import Phase

BASELINE_VERSION = 1


class ForecastState(models.TextChoices):
    """What the stored forecast (status_forecast) can say."""

    READY = "ready", _("forecast")
    # Fewer whole weeks since the start than the forecast needs.
    TOO_LITTLE_HISTORY = "history", _("not enough history")
    # Weeks of history, but a party with work left finished nothing in them.
    NO_THROUGHPUT = "stalled", _("no tasks done recently")
    FINISHED = "finished", _("finished")


class Plan(models.Model):
    """One version of an engagement's plan."""

    engagement = models.ForeignKey(Engagement, on_delete=models.CASCADE, related_name="plans")
    version = models.PositiveSmallIntegerField(_("version"))
    # Why the plan changed; empty for the baseline (and for plans made by the migration).
    reason = models.TextField(
        _("reason"), blank=True, validators=bounds.single_line(bounds.REASON_MAX_LENGTH)
    )
    # PROTECT: the trail names who re-planned, so their account is deactivated instead. Empty
    # for the plans the migration gave engagements made before plans existed.
    made_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    made_at = models.DateTimeField(_("made"), default=timezone.now)

    class Meta:
        ordering = ["engagement", "version"]
        verbose_name = _("plan")
        verbose_name_plural = _("plans")
        constraints = [
            models.UniqueConstraint(fields=["engagement", "version"], name="one_plan_per_version")
        ]

    def __str__(self):
        return f"{self.engagement} · {self.version}"

    @property
    def is_baseline(self) -> bool:
        return self.version == BASELINE_VERSION


class PlannedPhase(models.Model):
    """One phase's planned dates in one version of the plan. Dates count like the status's
    days in a phase: a phase runs from its start to its end, and the next may start that day."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="phases")
    phase = models.ForeignKey(Phase, verbose_name=_("phase"), on_delete=models.PROTECT)
    starts_on = models.DateField(_("planned start"), validators=[bounds.validate_date_in_window])
    ends_on = models.DateField(_("planned end"), validators=[bounds.validate_date_in_window])

    class Meta:
        ordering = ["plan", "phase__order"]
        verbose_name = _("planned phase")
        verbose_name_plural = _("planned phases")
        constraints = [
            models.UniqueConstraint(fields=["plan", "phase"], name="one_planned_phase_per_plan"),
            models.CheckConstraint(
                condition=Q(ends_on__gte=F("starts_on")), name="planned_phase_ends_after_start"
            ),
        ]

    def __str__(self):
        return f"{self.plan} · {self.phase}"

    @property
    def days(self) -> int:
        return (self.ends_on - self.starts_on).days
