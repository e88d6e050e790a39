"""The engagement's timeline as a server-drawn SVG: each phase's baseline, current plan, what
happened and the forecast as bars on one time axis, today's line, and the checkpoints and gate
sign-offs as milestones. Geometry here, drawing in templates/charts/timeline.html (shared by
the dashboard and the status report), numbers in the table beside it for screen readers.

The drawing is 420 units wide: on a 390 px phone it is shown near its own size, so its 14-unit
labels stay readable, and a desktop or a printed page scales it up.
"""

import datetime
from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from engagements.models import ForecastState
from engagements.planning.selectors import EngagementPlan, PhasePlan, engagement_plan
from engagements.status.rules import EngagementStatus
from fasttrack.bounds import without_bidi_controls
from fasttrack.formatting import format_date
from responsibilities.models import Party

WIDTH = 420
LEFT, RIGHT = 6, 6
AXIS = 24  # month labels above the rows
ROW = 58  # a phase: its name, then the baseline, the plan, and what happened or is forecast
LANE = 30  # the milestones under the rows
LEGEND_ROW = 20
TICK_LABEL_HALF = 14
LEGEND = ("baseline", "planned", "actual", "forecast", "today", "checkpoint", "sign_off")
# Days shown before the first date and after the last, so no mark sits on the edge.
MARGIN_DAYS = 3


def slip_label(days: int | None) -> str:
    """How far an end (actual, or forecast at 50%) falls from the plan, in words."""
    if days is None:
        return "–"
    if days == 0:
        return _("on plan")
    if days > 0:
        return ngettext("%(days)d day late", "%(days)d days late", days) % {"days": days}
    return ngettext("%(days)d day ahead", "%(days)d days ahead", -days) % {"days": -days}


@dataclass
class Span:
    start: datetime.date
    end: datetime.date
    x: float
    width: float

    @property
    def x_end(self) -> float:
        return round(self.x + self.width, 1)


@dataclass
class TimelineRow:
    """One phase: its dates (for the table) and their bars (for the drawing)."""

    plan: PhasePlan
    actual_start: datetime.date | None
    # The day the phase's gate closed; None while it is open.
    actual_end: datetime.date | None
    y: int
    baseline: Span | None = None
    planned: Span | None = None
    actual: Span | None = None
    forecast: Span | None = None
    # From the 50% forecast to the 85% one.
    forecast_range: Span | None = None

    @property
    def in_progress(self) -> bool:
        return self.actual_start is not None and self.actual_end is None

    @property
    def slip(self) -> str:
        return slip_label(self.plan.slip_days)


@dataclass
class Milestone:
    kind: str  # "checkpoint" or "sign_off"
    day: datetime.date
    label: str
    x: float


@dataclass
class Tick:
    day: datetime.date
    x: float


@dataclass
class Timeline:
    plan: EngagementPlan
    rows: list[TimelineRow]
    milestones: list[Milestone]
    ticks: list[Tick]
    today_x: float | None
    first_day: datetime.date | None
    last_day: datetime.date | None
    width: int = WIDTH
    height: int = 0
    lane_y: int = 0
    # (what it shows, x, y) of each legend entry's swatch.
    legend: list[tuple[str, int, int]] = field(default_factory=list)

    @property
    def bottom(self) -> int:
        """Where the month lines and today's line end: under the milestones."""
        return self.lane_y + LANE - 8

    @property
    def is_empty(self) -> bool:
        return not self.rows

    @property
    def slip(self) -> str:
        return slip_label(self.plan.slip_days)

    @property
    def forecast_state_label(self) -> str:
        """Why there is no forecast, when there is none ("" when there is)."""
        if self.plan.has_forecast or self.plan.is_finished or not self.plan.forecast_state:
            return ""
        return str(ForecastState(self.plan.forecast_state).label)


def timeline_summary(timeline: Timeline) -> str:
    """The timeline in one sentence, for a drawing's alternate text."""
    plan = timeline.plan
    told = _("planned end %(planned)s") % {"planned": _day(plan.planned_end)}
    if plan.finished_on:
        told += "; " + _("finished %(day)s") % {"day": _day(plan.finished_on)}
    elif plan.forecast_p50:
        told += "; " + _("forecast end %(p50)s (50%%) to %(p85)s (85%%)") % {
            "p50": _day(plan.forecast_p50),
            "p85": _day(plan.forecast_p85),
        }
    return f"{told}; {timeline.slip}"


def _day(day: datetime.date | None) -> str:
    return format_date(day) if day else "–"


def _actual_dates(plan: EngagementPlan, start_date: datetime.date):
    """Each phase's actual start and end: a phase starts when the one before it closed (the
    first on the engagement's start date) and ends when its own gate closes."""
    dates, previous_end, started = [], start_date, True
    for row in plan.phases:
        start = previous_end if started else None
        dates.append((start, row.closed_on if start else None))
        started = row.closed_on is not None and start is not None
        previous_end = row.closed_on
    return dates


def timeline_build(
    plan: EngagementPlan,
    *,
    start_date: datetime.date,
    checkpoints: list[tuple[datetime.date, str]],
    sign_offs: list[tuple[datetime.date, str]],
) -> Timeline:
    """The timeline of `plan` (from engagements.planning.selectors.engagement_plan) as of its
    today: `checkpoints` and `sign_offs` are (day, label) milestones."""
    today = plan.today
    actual = _actual_dates(plan, start_date)
    days = [today, start_date]
    for row, (start, end) in zip(plan.phases, actual, strict=True):
        days += [row.planned_start, row.planned_end, row.baseline_start, row.baseline_end]
        days += [start, end, row.forecast_p50, row.forecast_p85]
    days += [day for day, _label in [*checkpoints, *sign_offs]]
    days = [day for day in days if day is not None]
    first = min(days) - datetime.timedelta(days=MARGIN_DAYS)
    last = max(days) + datetime.timedelta(days=MARGIN_DAYS)
    scale = (WIDTH - LEFT - RIGHT) / max((last - first).days, 1)

    def x(day: datetime.date) -> float:
        return round(LEFT + (day - first).days * scale, 1)

    def span(start, end) -> Span | None:
        if start is None or end is None or end < start:
            return None
        width = max(round((end - start).days * scale, 1), 2)
        return Span(start=start, end=end, x=x(start), width=width)

    rows, forecast_from = [], today
    for index, (row, (start, end)) in enumerate(zip(plan.phases, actual, strict=True)):
        line = TimelineRow(plan=row, actual_start=start, actual_end=end, y=AXIS + index * ROW)
        line.baseline = span(row.baseline_start, row.baseline_end)
        line.planned = span(row.planned_start, row.planned_end)
        line.actual = span(start, end or (today if start else None))
        if end is None and row.forecast_p50 is not None:
            # Open work is forecast from today, or from when the phase before it should end.
            begins = max(forecast_from, start or forecast_from)
            line.forecast = span(begins, max(row.forecast_p50, begins))
            line.forecast_range = span(row.forecast_p50, row.forecast_p85)
            forecast_from = row.forecast_p50
        rows.append(line)
    lane_y = AXIS + len(rows) * ROW + 4
    legend_y = lane_y + LANE + 6
    legend = [
        (kind, LEFT + (index % 2) * (WIDTH // 2), legend_y + (index // 2) * LEGEND_ROW)
        for index, kind in enumerate(LEGEND)
    ]
    return Timeline(
        plan=plan,
        rows=rows,
        milestones=sorted(
            (
                Milestone(kind=kind, day=day, label=label, x=x(day))
                for kind, marks in (("checkpoint", checkpoints), ("sign_off", sign_offs))
                for day, label in marks
            ),
            key=lambda milestone: milestone.day,
        ),
        ticks=_month_ticks(first, last, x),
        today_x=x(today),
        first_day=first,
        last_day=last,
        height=legend_y + (len(LEGEND) + 1) // 2 * LEGEND_ROW,
        lane_y=lane_y,
        legend=legend,
    )


def _month_ticks(first: datetime.date, last: datetime.date, x) -> list[Tick]:
    """The first day of each month in the range, every other one when there are more than six
    (their labels would touch on a phone)."""
    day = (first.replace(day=1) + datetime.timedelta(days=32)).replace(day=1)
    months = []
    while day <= last:
        months.append(day)
        day = (day + datetime.timedelta(days=32)).replace(day=1)
    step = 1 if len(months) <= 6 else 2 if len(months) <= 12 else 3
    # A label centred on a line this near an edge would be cut in half.
    return [
        Tick(day=month, x=x(month))
        for month in months[::step]
        if TICK_LABEL_HALF <= x(month) <= WIDTH - TICK_LABEL_HALF
    ]


def engagement_timeline(status: EngagementStatus, today: datetime.date) -> Timeline:
    """The engagement's timeline from its stored plan and forecast, with its meetings (not
    cancelled) and the gate sign-offs in force as milestones, all read with its status (no
    query of its own)."""
    phases = {phase.pk: phase for phase in status.phases}
    sign_offs = [
        (
            timezone.localdate(signed_at),
            _("%(phase)s signed off for %(party)s")
            % {"phase": phases[phase_id].name, "party": Party(party).label},
        )
        for (phase_id, party), signed_at in status.sign_offs.items()
        if phase_id in phases
    ]
    return timeline_build(
        engagement_plan(status.engagement, status.phases, today),
        start_date=status.engagement.start_date,
        checkpoints=[
            (timezone.localdate(checkpoint.starts_at), without_bidi_controls(checkpoint.title))
            for checkpoint in status.checkpoints
        ],
        sign_offs=sign_offs,
    )
