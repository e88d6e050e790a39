"""Server-drawn SVG charts: geometry computed here, drawn by templates/charts/*.html.

Every chart is shown beside a table of its numbers, so the SVG itself is decoration for
screen readers (aria-hidden) and the table is the accessible version.
"""

import datetime
from dataclasses import dataclass

BAR_LABEL_WIDTH = 170
BAR_AREA_WIDTH = 240
BAR_HEIGHT = 22
BAR_GAP = 8


@dataclass
class Bar:
    label: str
    value: int
    css_class: str
    y: int
    width: float


@dataclass
class BarChart:
    bars: list[Bar]
    width: int
    height: int
    label_width: int = BAR_LABEL_WIDTH
    bar_height: int = BAR_HEIGHT


def bar_chart(rows: list[tuple[str, int, str]]) -> BarChart:
    """Horizontal bars for (label, value, css class) rows, scaled to the largest value."""
    largest = max((value for _label, value, _css in rows), default=0) or 1
    bars = [
        Bar(
            label=label,
            value=value,
            css_class=css_class,
            y=index * (BAR_HEIGHT + BAR_GAP),
            width=BAR_AREA_WIDTH * value / largest,
        )
        for index, (label, value, css_class) in enumerate(rows)
    ]
    return BarChart(
        bars=bars,
        width=BAR_LABEL_WIDTH + BAR_AREA_WIDTH + 60,
        height=max(len(bars) * (BAR_HEIGHT + BAR_GAP), BAR_HEIGHT),
    )


@dataclass
class BurnupChart:
    points: list[tuple[datetime.date, int]]
    total: int
    width: int
    height: int
    path: str
    total_y: float
    left: int
    bottom: int
    first_day: datetime.date
    last_day: datetime.date
    # The plan's line (tasks due done by each phase's planned end) and the forecast's (from
    # today's count to all done at 50%, then to 85%), when there are a plan and a forecast.
    plan_path: str = ""
    forecast_path: str = ""
    plan_points: list[tuple[datetime.date, int]] | None = None
    forecast: tuple[datetime.date, datetime.date] | None = None


def burnup_chart(
    points: list[tuple[datetime.date, int]],
    total: int,
    *,
    plan_points: list[tuple[datetime.date, int]] | None = None,
    forecast: tuple[datetime.date, datetime.date] | None = None,
) -> BurnupChart:
    """Done tasks over time as steps (a day's value holds until the next change), and the total;
    with `plan_points` the plan's line, with `forecast` (50% and 85% days) the forecast's."""
    width, height, left, right, top, bottom = 600, 220, 40, 10, 10, 190
    days = [day for day, _value in [*points, *(plan_points or [])]] + list(forecast or [])
    first_day, last_day = min(days), max(days)
    span = max((last_day - first_day).days, 1)
    ceiling = max(total, 1)

    def x(day):
        return left + (width - left - right) * (day - first_day).days / span

    def y(value):
        return bottom - (bottom - top) * value / ceiling

    steps, previous = [], None
    for day, value in points:
        if previous is not None:
            steps.append(f"L{x(day):.1f},{y(previous):.1f}")
        steps.append(f"{'L' if steps else 'M'}{x(day):.1f},{y(value):.1f}")
        previous = value
    line = " ".join(
        f"{'L' if index else 'M'}{x(day):.1f},{y(value):.1f}"
        for index, (day, value) in enumerate(plan_points or [])
    )
    ahead = ""
    if forecast:
        today, done = points[-1]
        ahead = (
            f"M{x(today):.1f},{y(done):.1f} L{x(forecast[0]):.1f},{y(total):.1f} "
            f"L{x(forecast[1]):.1f},{y(total):.1f}"
        )
    return BurnupChart(
        plan_path=line,
        forecast_path=ahead,
        plan_points=plan_points,
        forecast=forecast,
        points=points,
        total=total,
        width=width,
        height=height,
        path=" ".join(steps),
        total_y=y(total),
        left=left,
        bottom=bottom,
        first_day=first_day,
        last_day=last_day,
    )


def burnup_plan(plan, progress) -> dict:
    """`burnup_chart`'s plan and forecast arguments from an EngagementPlan and the engagement's
    progress per phase: by each phase's planned end, its tasks and every earlier phase's done."""
    totals = {row.phase.pk: row.overall.total for row in progress.phases}
    plan_points, done = [], 0
    for row in plan.phases:
        if row.planned_start is None or row.planned_end is None:
            return {}
        if not plan_points:
            plan_points.append((row.planned_start, 0))
        done += totals.get(row.phase.pk, 0)
        plan_points.append((row.planned_end, done))
    forecast = (plan.forecast_p50, plan.forecast_p85) if plan.forecast_p50 else None
    return {"plan_points": plan_points or None, "forecast": forecast}
