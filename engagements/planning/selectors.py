"""Reading the plan and the forecast.

- `engagement_plan(engagement, phases, today)`: the current plan, the baseline and the forecast
  per phase and for the whole engagement, as dates for `today`, from the engagement's stored
  status alone (no query: the portfolio's rows, the dashboard, the timeline and the report).
- `plan_versions(engagement)`: every version with its phases (two queries), to compare them
  with `plan_comparison`.
- `mark_due_by_phase_end(engagement, tasks)`: what each open task with no due date is due by.
"""

import datetime
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Prefetch
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from engagements.models import Engagement, ForecastState, Plan, PlannedPhase
from responsibilities.models import Phase


def _day(value: str | None) -> datetime.date | None:
    return datetime.date.fromisoformat(value) if value else None


def _after(today: datetime.date, days: int | None) -> datetime.date | None:
    return today + datetime.timedelta(days=days) if days is not None else None


@dataclass(frozen=True)
class PhasePlan:
    """One phase: planned and baseline dates, its forecast end (50% and 85%) while open, and
    the day its gate closed once closed."""

    phase: Phase
    planned_start: datetime.date | None
    planned_end: datetime.date | None
    baseline_start: datetime.date | None
    baseline_end: datetime.date | None
    forecast_p50: datetime.date | None
    forecast_p85: datetime.date | None
    closed_on: datetime.date | None

    @property
    def end(self) -> datetime.date | None:
        """When the phase ended, or is forecast to end (50%)."""
        return self.closed_on or self.forecast_p50

    @property
    def slip_days(self) -> int | None:
        """Days the phase's end (actual, or forecast at 50%) falls after its planned end."""
        if self.end is None or self.planned_end is None:
            return None
        return (self.end - self.planned_end).days


@dataclass(frozen=True)
class EngagementPlan:
    """The whole engagement's plan against its forecast, as of `today`."""

    today: datetime.date
    version: int
    planned_end: datetime.date | None
    baseline_end: datetime.date | None
    # One of ForecastState ("" before the engagement's stored status was first written).
    forecast_state: str
    forecast_p50: datetime.date | None
    forecast_p85: datetime.date | None
    finished_on: datetime.date | None
    phases: list[PhasePlan] = field(default_factory=list)

    @property
    def has_plan(self) -> bool:
        return self.version > 0

    @property
    def is_replanned(self) -> bool:
        return self.version > 1

    @property
    def is_finished(self) -> bool:
        return self.forecast_state == ForecastState.FINISHED

    @property
    def has_forecast(self) -> bool:
        return self.forecast_state == ForecastState.READY

    @property
    def end(self) -> datetime.date | None:
        """When the engagement finished, or is forecast to (50%)."""
        return self.finished_on or self.forecast_p50

    @property
    def slip_days(self) -> int | None:
        """Days the end (actual, or forecast at 50%) falls after the planned end; negative when
        ahead; None without a forecast or a plan."""
        if self.end is None or self.planned_end is None:
            return None
        return (self.end - self.planned_end).days

    @property
    def baseline_slip_days(self) -> int | None:
        """The same against the baseline."""
        if self.end is None or self.baseline_end is None:
            return None
        return (self.end - self.baseline_end).days

    @property
    def slip_text(self) -> str:
        """The slip against the current plan, in words ('' without one)."""
        return slip_words(self.slip_days, baseline=False)

    @property
    def baseline_slip_text(self) -> str:
        return slip_words(self.baseline_slip_days, baseline=True)

    @property
    def min_history_weeks(self) -> int:
        return settings.FORECAST_MIN_WEEKS

    def phase_plan(self, phase_id: int) -> PhasePlan | None:
        return next((row for row in self.phases if row.phase.pk == phase_id), None)


def slip_words(days: int | None, *, baseline: bool) -> str:
    """How far an end falls from the plan's (or the baseline's), in words."""
    if days is None:
        return ""
    if days == 0:
        return _("on the baseline's date") if baseline else _("on the planned date")
    if days > 0:
        if baseline:
            return ngettext(
                "%(days)d day after the baseline", "%(days)d days after the baseline", days
            ) % {"days": days}
        return ngettext("%(days)d day late", "%(days)d days late", days) % {"days": days}
    ahead = -days
    if baseline:
        return ngettext(
            "%(days)d day ahead of the baseline", "%(days)d days ahead of the baseline", ahead
        ) % {"days": ahead}
    return ngettext("%(days)d day early", "%(days)d days early", ahead) % {"days": ahead}


def engagement_plan(
    engagement: Engagement, phases: list[Phase], today: datetime.date
) -> EngagementPlan:
    """The plan and forecast the engagement's stored status holds (loaded with its stored
    columns), as dates for `today`; `phases` in order."""
    by_id = {phase.pk: phase for phase in phases}
    rows = []
    for row in engagement.status_plan.get("phases", []):
        phase_id, start, end, base_start, base_end, p50, p85, closed = row
        if phase_id in by_id:
            rows.append(
                PhasePlan(
                    phase=by_id[phase_id],
                    planned_start=_day(start),
                    planned_end=_day(end),
                    baseline_start=_day(base_start),
                    baseline_end=_day(base_end),
                    forecast_p50=_after(today, p50),
                    forecast_p85=_after(today, p85),
                    closed_on=_day(closed),
                )
            )
    return EngagementPlan(
        today=today,
        version=engagement.status_plan_version,
        planned_end=engagement.status_planned_end,
        baseline_end=engagement.status_baseline_end,
        forecast_state=engagement.status_forecast,
        forecast_p50=_after(today, engagement.status_forecast_p50_days),
        forecast_p85=_after(today, engagement.status_forecast_p85_days),
        finished_on=engagement.status_finished_on,
        phases=rows,
    )


def plan_versions(engagement: Engagement) -> list[Plan]:
    """Every version of the engagement's plan, oldest (the baseline) first, each with its
    phases in order and who made it (two queries)."""
    return list(
        Plan.objects.filter(engagement=engagement)
        .select_related("made_by")
        .prefetch_related(
            Prefetch(
                "phases",
                queryset=PlannedPhase.objects.select_related("phase").order_by("phase__order"),
            )
        )
        .order_by("version")
    )


@dataclass(frozen=True)
class PhaseChange:
    phase: Phase
    before: PlannedPhase | None
    after: PlannedPhase | None

    @property
    def end_moved_days(self) -> int | None:
        """Days the phase's end moved (later is positive)."""
        if self.before is None or self.after is None:
            return None
        return (self.after.ends_on - self.before.ends_on).days

    @property
    def changed(self) -> bool:
        if self.before is None or self.after is None:
            return self.before is not self.after
        return (self.before.starts_on, self.before.ends_on) != (
            self.after.starts_on,
            self.after.ends_on,
        )


def plan_comparison(before: Plan, after: Plan) -> list[PhaseChange]:
    """Phase by phase, two versions of a plan (from `plan_versions`) side by side."""
    old = {planned.phase_id: planned for planned in before.phases.all()}
    new = {planned.phase_id: planned for planned in after.phases.all()}
    phases = {p.phase_id: p.phase for p in [*before.phases.all(), *after.phases.all()]}
    return [
        PhaseChange(phase=phase, before=old.get(pk), after=new.get(pk))
        for pk, phase in sorted(phases.items(), key=lambda item: item[1].order)
    ]


def mark_due_by_phase_end(engagement: Engagement, tasks) -> None:
    """Give each open task with no due date `due_by_phase_end`: its phase's planned end, from
    the stored status (no query). Shown as such, never stored as the task's due date; None for
    the rest (done, dated, withdrawn, general responsibilities, no plan)."""
    ends = {row[0]: _day(row[2]) for row in engagement.status_plan.get("phases", []) if row[2]}
    for task in tasks:
        undated = not (task.done or task.due_date or task.withdrawn_at)
        task.due_by_phase_end = ends.get(task.phase_id) if undated else None
