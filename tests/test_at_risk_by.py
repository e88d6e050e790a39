"""The stored moment from which a lasting rule holds for every reader (engagements/status/sql.py:
at_risk_by), rule by rule at its edge: the "on track" filter reads only the engagements it has
not passed, so a moment too early would hide an engagement that is on track, and one too late
would only read more rows. tests/test_status_sql.py holds the filter to the rules."""

import datetime
import zoneinfo

import pytest
from django.test import override_settings

from engagements.models import ForecastState
from engagements.status.sql import at_risk_by

DAY = datetime.timedelta(days=1)
MOMENT = datetime.datetime(2028, 2, 28, 15, 30, tzinfo=datetime.UTC)
# A leap year's end of February: the day after the 28th is the 29th.
LEAP_DAY = datetime.date(2028, 2, 28)


def utc_midnight(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time.min, datetime.UTC)


def values(**changes) -> dict:
    """A stored status no lasting rule will ever hold for: nothing due, no plan, all done."""
    return {
        "status_first_due": None,
        "status_on_plan_until_p50": None,
        "status_on_plan_until_p85": None,
        "status_planned_end": None,
        "status_forecast": ForecastState.READY,
        "status_customer_done": 3,
        "status_customer_total": 3,
        "status_microsoft_done": 2,
        "status_microsoft_total": 2,
        "status_quiet_since": MOMENT,
        "status_gate_waiting_since": None,
        **changes,
    }


def test_no_lasting_rule_no_moment():
    assert at_risk_by(values()) is None


def test_overdue_from_the_day_after_the_due_date_by_the_next_utc_midnight():
    # Due on the 28th: overdue on the 29th, which has begun everywhere by March 1st in UTC.
    assert at_risk_by(values(status_first_due=LEAP_DAY)) == utc_midnight(LEAP_DAY + 2 * DAY)


@override_settings(PLAN_SLIP_TOLERANCE_DAYS=7)
@pytest.mark.parametrize("until", ["status_on_plan_until_p50", "status_on_plan_until_p85"])
def test_late_or_at_risk_by_the_forecast_past_the_tolerance(until):
    # On plan until the 28th: 7 days of tolerance, at risk on the 8th day after.
    assert at_risk_by(values(**{until: LEAP_DAY})) == utc_midnight(LEAP_DAY + 9 * DAY)


@override_settings(PLAN_SLIP_TOLERANCE_DAYS=7)
@pytest.mark.parametrize(
    "forecast, expected",
    [
        (ForecastState.TOO_LITTLE_HISTORY, utc_midnight(LEAP_DAY + 9 * DAY)),
        (ForecastState.READY, None),
        (ForecastState.FINISHED, None),
    ],
)
def test_a_planned_end_long_past_counts_without_a_forecast_only(forecast, expected):
    assert at_risk_by(values(status_planned_end=LEAP_DAY, status_forecast=forecast)) == expected


@override_settings(PLAN_SLIP_TOLERANCE_DAYS=7)
def test_the_earliest_rule_decides():
    both = values(status_first_due=LEAP_DAY + 30 * DAY, status_on_plan_until_p85=LEAP_DAY)
    assert at_risk_by(both) == utc_midnight(LEAP_DAY + 9 * DAY)


@pytest.mark.parametrize("open_tasks, expected", [(0, None), (1, MOMENT + 14 * DAY)])
def test_quiet_for_14_days_with_work_open(open_tasks, expected):
    quiet = values(status_microsoft_total=2 + open_tasks)
    assert at_risk_by(quiet) == expected


@override_settings(GATE_SIGN_OFF_WAIT_DAYS=5)
def test_a_gate_waiting_its_days():
    assert at_risk_by(values(status_gate_waiting_since=MOMENT)) == MOMENT + 5 * DAY


@override_settings(GATE_SIGN_OFF_WAIT_DAYS=14)
@pytest.mark.parametrize("column", ["status_quiet_since", "status_gate_waiting_since"])
def test_days_are_counted_in_utc_across_a_clock_change(column):
    """Quiet since Lisbon's midnight before its clocks spring forward (28 March 2027): 14 days
    later is an hour earlier on its clocks, as SQL counts it."""
    lisbon_midnight = datetime.datetime(2027, 3, 20, tzinfo=zoneinfo.ZoneInfo("Europe/Lisbon"))
    quiet = values(status_microsoft_total=3, **{column: lisbon_midnight})
    if column == "status_gate_waiting_since":
        quiet["status_quiet_since"] = None
    assert at_risk_by(quiet) == datetime.datetime(2027, 4, 3, tzinfo=datetime.UTC)
