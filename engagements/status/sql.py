"""Today's figures and the at-risk rules of status.py, decided in SQL from the stored status, so
the portfolio sorts, filters and counts every engagement in one query and nothing stored goes
stale at midnight. tests/test_status_sql.py holds each rule to agree with status.py's at its
edges, tests/test_overdue_rule.py holds overdue to Task.objects.overdue; the thresholds are
status.py's own constants.
"""

import datetime

from django.conf import settings
from django.db.models import Case, F, Q, Value, When
from django.db.models.lookups import Exact, GreaterThanOrEqual, LessThan, LessThanOrEqual
from django.utils import timezone

from engagements.models import ForecastState
from engagements.models.engagements import not_at_risk_before
from engagements.models.fields import CountAtMost, FirstAfter, FlagOfFirstAfter
from engagements.planning.risk import (
    sign_off_wait,
    sql_forecast_at_risk,
    sql_gate_waiting,
    sql_late,
)
from engagements.status.rules import RISK_CHECKPOINT_DAYS, RISK_STALLED_DAYS

DAY = datetime.timedelta(days=1)


def overdue(party: str, today: datetime.date):
    """Task.objects.overdue(today) counted for the party from its stored open due dates: due
    before today (due today is not overdue)."""
    return CountAtMost(f"status_{party}_due", today - DAY)


def next_checkpoint_at(now: datetime.datetime):
    """The start of the first checkpoint not cancelled that starts after now (NULL if none)."""
    return FirstAfter("status_checkpoints", now)


def risk_overdue(today: datetime.date) -> Q:
    """Rule 1: an open task is past its due date (Task.objects.overdue(today) is not empty)."""
    return Q(status_first_due__lt=today)


def risk_checkpoint(now: datetime.datetime) -> Q:
    """Rule 2: the next checkpoint starts within RISK_CHECKPOINT_DAYS days and its phase is
    less than half done (stored beside each checkpoint, so the next one's flag is read)."""
    within = now + datetime.timedelta(days=RISK_CHECKPOINT_DAYS)
    return Q(LessThanOrEqual(next_checkpoint_at(now), within)) & Q(
        Exact(FlagOfFirstAfter("status_checkpoint_behind", "status_checkpoints", now), True)
    )


def risk_quiet(now: datetime.datetime) -> Q:
    """Rule 3: tasks are open and nothing has happened for RISK_STALLED_DAYS days."""
    done = F("status_customer_done") + F("status_microsoft_done")
    total = F("status_customer_total") + F("status_microsoft_total")
    quiet_since = now - datetime.timedelta(days=RISK_STALLED_DAYS)
    return Q(LessThan(done, total)) & Q(status_quiet_since__lte=quiet_since)


def risk_rules(now: datetime.datetime) -> list[Q]:
    """The rules, in rules.py's order (late first, then the status's three, then the plan's
    two); today is the reader's, as on the pages."""
    today = timezone.localdate(now)
    return [
        sql_late(today),
        risk_overdue(today),
        risk_checkpoint(now),
        risk_quiet(now),
        sql_forecast_at_risk(today),
        sql_gate_waiting(now),
    ]


def at_risk_by(values: dict) -> datetime.datetime | None:
    """The stored `status_at_risk_by` of a stored status (its other columns, by attribute
    name): the earliest moment a lasting rule holds for every reader. A day's rule (overdue,
    late, at risk by the forecast) holds from that day's midnight in the reader's zone, which
    is at the latest the next midnight in UTC; a moment's rule (quiet, a gate waiting) holds
    from the moment its days have passed, for everyone alike."""
    tolerance = datetime.timedelta(days=settings.PLAN_SLIP_TOLERANCE_DAYS)
    days = [values["status_first_due"] and values["status_first_due"] + DAY]
    days += [
        until and until + tolerance + DAY
        for until in (values["status_on_plan_until_p50"], values["status_on_plan_until_p85"])
    ]
    if values["status_forecast"] not in (ForecastState.FINISHED, ForecastState.READY):
        days.append(values["status_planned_end"] and values["status_planned_end"] + tolerance + DAY)
    moments = [
        datetime.datetime.combine(day + DAY, datetime.time.min, tzinfo=datetime.UTC)
        for day in days
        if day
    ]
    done = values["status_customer_done"] + values["status_microsoft_done"]
    total = values["status_customer_total"] + values["status_microsoft_total"]
    # In UTC, as SQL counts them: days added to a local midnight are wall-clock days, an hour
    # short or long across a clock change.
    quiet_since, waiting_since = (
        moment and moment.astimezone(datetime.UTC)
        for moment in (values["status_quiet_since"], values["status_gate_waiting_since"])
    )
    if done < total and quiet_since:
        moments.append(quiet_since + datetime.timedelta(days=RISK_STALLED_DAYS))
    if waiting_since:
        moments.append(waiting_since + sign_off_wait())
    return min(moments, default=None)


def on_track(now: datetime.datetime) -> Q:
    """No rule holds: of the engagements whose `status_at_risk_by` has not passed (one range
    of an index, however many are at risk), those for which none of the rules holds now."""
    return Q(GreaterThanOrEqual(not_at_risk_before(), now)) & Q(Exact(risk_count(now), 0))


def at_risk(now: datetime.datetime) -> Q:
    """Any rule holds: the engagement is not on track (late, or at risk)."""
    first, *rest = risk_rules(now)
    for rule in rest:
        first |= rule
    return first


def late(now: datetime.datetime) -> Q:
    return sql_late(timezone.localdate(now))


def risk_count(now: datetime.datetime):
    """How many rules hold (what the risk column sorts by)."""
    first, *rest = (Case(When(rule, then=Value(1)), default=Value(0)) for rule in risk_rules(now))
    for term in rest:
        first += term
    return first


def risk_level(now: datetime.datetime):
    """2 late, 1 at risk, 0 on track: risk.LATE, AT_RISK, ON_TRACK as a number to sort by."""
    return Case(When(late(now), then=Value(2)), When(at_risk(now), then=Value(1)), default=Value(0))
