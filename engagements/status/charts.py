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


def burnup_chart(points: list[tuple[datetime.date, int]], total: int) -> BurnupChart:
    """Done tasks over time as steps (a day's value holds until the next change), and the total."""
    width, height, left, right, top, bottom = 600, 220, 40, 10, 10, 190
    first_day, last_day = points[0][0], points[-1][0]
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
    return BurnupChart(
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
