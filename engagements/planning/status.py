"""The plan's and the forecast's part of the stored status: read with the rest of the status
(engagements/status/selectors.py calls `load_plans` beside its own loads) and turned into the
stored columns by `plan_values`, so the refresh, `engagement_status --check` and `--rebuild`
share one definition.

Nothing here depends on today or on the reader's time zone: days are counted in the portal's
time zone, the throughput's weeks end on the day of the engagement's last activity, and the
forecast is stored as days of work left, which the readers add to their today.
"""

import datetime
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import OuterRef, Q, Subquery
from django.utils import timezone

from engagements.models import BASELINE_VERSION, ForecastState, Plan, PlannedPhase
from engagements.planning.forecast import can_finish, forecast_weeks
from responsibilities.models import PARTIES

DAYS_PER_WEEK = 7


@dataclass
class PlanRows:
    """An engagement's current plan and baseline, as read for its status."""

    version: int = 0
    # phase id -> (planned start, planned end)
    current: dict[int, tuple[datetime.date, datetime.date]] = field(default_factory=dict)
    baseline: dict[int, tuple[datetime.date, datetime.date]] = field(default_factory=dict)


def portal_date(moment: datetime.datetime) -> datetime.date:
    """The day a moment falls on in the portal's time zone, whoever is reading."""
    return timezone.localtime(moment, timezone.get_default_timezone()).date()


def load_plans(statuses: dict) -> None:
    """Each engagement's current plan and baseline, in one query (`status.plan`)."""
    latest = (
        Plan.objects.filter(engagement_id=OuterRef("plan__engagement_id"))
        .order_by("-version")
        .values("version")[:1]
    )
    rows = (
        PlannedPhase.objects.filter(plan__engagement_id__in=list(statuses))
        .filter(Q(plan__version=BASELINE_VERSION) | Q(plan__version=Subquery(latest)))
        .values_list("plan__engagement_id", "plan__version", "phase_id", "starts_on", "ends_on")
    )
    for engagement_id, version, phase_id, starts_on, ends_on in rows:
        plan = statuses[engagement_id].plan
        if version >= plan.version:
            if version > plan.version:
                plan.current = {}
            plan.version = version
            plan.current[phase_id] = (starts_on, ends_on)
        if version == BASELINE_VERSION:
            plan.baseline[phase_id] = (starts_on, ends_on)


def weekly_history(status, as_of: datetime.date) -> dict[str, list[int]]:
    """Per party, the tasks finished in each whole week before `as_of` (inclusive), newest
    first, over at most FORECAST_HISTORY_WEEKS weeks and none before the start date."""
    started = status.engagement.start_date
    weeks = min(settings.FORECAST_HISTORY_WEEKS, max((as_of - started).days + 1, 0) // 7)
    history = {party: [0] * weeks for party in PARTIES}
    for party, moments in status.done_moments.items():
        for moment in moments:
            day = portal_date(moment)
            ago = (as_of - day).days // DAYS_PER_WEEK
            if day >= started and 0 <= ago < weeks:
                history[party][ago] += 1
    return history


def _remaining(status) -> dict[str, list[int]]:
    """Per party, the tasks left in each phase, in order (none in a phase whose gate closed)."""
    return {
        party: [
            0
            if status.gate_closed_at(phase)
            else status.cell(phase.pk, party).total - status.cell(phase.pk, party).done
            for phase in status.phases
        ]
        for party in PARTIES
    }


def forecast_state(status, history) -> ForecastState:
    if status.current_phase is None:
        return ForecastState.FINISHED
    if not history[PARTIES[0]] or len(history[PARTIES[0]]) < settings.FORECAST_MIN_WEEKS:
        return ForecastState.TOO_LITTLE_HISTORY
    if not can_finish(_remaining(status), history):
        return ForecastState.NO_THROUGHPUT
    return ForecastState.READY


def gate_waiting_since(status) -> datetime.datetime | None:
    """Since when the current phase's gate waits for a sign-off: its last task's tick or its
    last reopening, whichever came later (its start, for a phase with no task)."""
    phase = status.current_phase
    if phase is None or not status.awaits_sign_off(phase):
        return None
    moments = [status.last_done.get(phase.pk), status.last_withdrawn.get(phase.pk)]
    if not any(moments):
        index = status.phases.index(phase)
        return status.gate_closed_at(status.phases[index - 1]) if index else status.quiet_since()
    return max(moment for moment in moments if moment)


def _iso(day: datetime.date | None) -> str | None:
    return day.isoformat() if day else None


def _on_plan_until(planned_end, days):
    if planned_end is None or days is None:
        return None
    return planned_end - datetime.timedelta(days=days)


def plan_values(status) -> dict:
    """The stored plan and forecast columns (by attribute name) for one engagement's status."""
    as_of = portal_date(status.quiet_since())
    history = weekly_history(status, as_of)
    state = forecast_state(status, history)
    days = {}
    if state == ForecastState.READY:
        weeks = forecast_weeks(_remaining(status), history, seed=status.engagement.pk)
        days = {
            phase.pk: (each.p50 * DAYS_PER_WEEK, each.p85 * DAYS_PER_WEEK)
            for phase, each in zip(status.phases, weeks, strict=True)
        }
    plan, closed, rows = status.plan, {}, []
    for phase in status.phases:
        if moment := status.gate_closed_at(phase):
            closed[phase.pk] = portal_date(moment)
        current, baseline = plan.current.get(phase.pk), plan.baseline.get(phase.pk)
        p50, p85 = (None, None) if phase.pk in closed else days.get(phase.pk, (None, None))
        rows.append(
            [
                phase.pk,
                *(_iso(day) for day in current or (None, None)),
                *(_iso(day) for day in baseline or (None, None)),
                p50,
                p85,
                _iso(closed.get(phase.pk)),
            ]
        )
    planned_end = max((end for _start, end in plan.current.values()), default=None)
    baseline_end = max((end for _start, end in plan.baseline.values()), default=None)
    last = status.phases[-1].pk if status.phases else None
    p50, p85 = days.get(last, (None, None))
    return {
        "status_plan_version": plan.version,
        "status_planned_end": planned_end,
        "status_baseline_end": baseline_end,
        "status_forecast": state,
        "status_forecast_p50_days": p50,
        "status_forecast_p85_days": p85,
        "status_on_plan_until_p50": _on_plan_until(planned_end, p50),
        "status_on_plan_until_p85": _on_plan_until(planned_end, p85),
        "status_finished_on": (
            max(closed.values(), default=None) if state == ForecastState.FINISHED else None
        ),
        "status_gate_waiting_since": status.gate_waiting_since,
        "status_plan": {"phases": rows},
    }
