"""The portfolio decides today's figures and the at-risk rules in SQL from the stored status
(engagements/status/sql.py); the engagement's own pages decide them in Python from its rows
(engagements/status/rules.py). Here both meet each rule on either side of its edge and must agree,
and each edge is also held to what the rule says."""

import datetime

import pytest
from django.db.models import BooleanField, Case, Value, When
from django.utils import timezone, translation

from engagements.meetings.services import checkpoint_cancel
from engagements.models import Engagement
from engagements.services.tasks import task_set_due_date
from engagements.status.selectors import engagement_statuses
from engagements.status.sql import next_checkpoint_at, on_track, overdue, risk_count, risk_rules
from responsibilities.models import Party

from .factories import make_checkpoint, make_engagement, tick
from .test_status import kinds

CLOCK_START = "2026-09-16 09:00"
MINUTE = datetime.timedelta(minutes=1)
DAY = datetime.timedelta(days=1)
RULES = ("late", "overdue", "checkpoint", "quiet", "forecast", "gate")


def in_sql(engagement, now) -> dict:
    today = timezone.localdate(now)
    flags = {
        name: Case(When(rule, then=Value(True)), default=Value(False), output_field=BooleanField())
        for name, rule in zip(RULES, risk_rules(now), strict=True)
    }
    row = (
        Engagement.objects.filter(pk=engagement.pk)
        .annotate(
            **flags,
            count=risk_count(now),
            overdue_customer=overdue(Party.CUSTOMER, today),
            overdue_microsoft=overdue(Party.MICROSOFT, today),
            next_at=next_checkpoint_at(now),
        )
        .values(*RULES, "count", "overdue_customer", "overdue_microsoft", "next_at")
        .get()
    )
    return {
        "rules": [name for name in RULES if row[name]],
        "count": row["count"],
        # The "on track" filter, which first narrows by the stored status_at_risk_by.
        "on_track": Engagement.objects.filter(on_track(now), pk=engagement.pk).exists(),
        "overdue": {party: row[f"overdue_{party}"] for party in Party.values},
        "next_at": row["next_at"],
    }


def in_python(engagement, now) -> dict:
    # As stored now: the plan's rules read the forecast stored with the status.
    engagement = Engagement.objects.get(pk=engagement.pk)
    with translation.override("en"):
        status = engagement_statuses([engagement], now)[engagement.pk]
        found = kinds(status.risk_reasons(now))
    return {
        "rules": found,
        "count": len(found),
        "on_track": not found,
        "overdue": status.overdue_by_party,
        "next_at": status.next_checkpoint.starts_at if status.next_checkpoint else None,
    }


def agree(engagement, now=None) -> list[str]:
    """Both ways agree on everything; returns the rules that fired."""
    now = now or timezone.now()
    sql, python = in_sql(engagement, now), in_python(engagement, now)
    assert sql == python
    return sql["rules"]


@pytest.fixture
def fresh(clock, catalogue, carla, miguel, ada):
    engagement = make_engagement(created_by=ada, customer="Edges", aad_premium=True)
    engagement.memberships.create(user=carla, party=Party.CUSTOMER, role="manager")
    engagement.memberships.create(user=miguel, party=Party.MICROSOFT, role="manager")
    return engagement


def first_task(engagement, party=Party.CUSTOMER, phase="avaliar"):
    return engagement.tasks.filter(party=party, phase__code=phase).order_by("pk").first()


def test_a_fresh_engagement_is_on_track_both_ways(fresh):
    assert agree(fresh) == []


def test_an_engagement_without_its_moment_stored_is_still_read(fresh, carla):
    """As a migration leaves one it could not fill: the rules decide it."""
    Engagement.objects.filter(pk=fresh.pk).update(status_at_risk_by=None)
    assert agree(fresh) == []
    task_set_due_date(task=first_task(fresh), user=carla, due_date=timezone.localdate() - DAY)
    Engagement.objects.filter(pk=fresh.pk).update(status_at_risk_by=None)
    assert agree(fresh) == ["overdue"]


def test_due_today_is_not_overdue_due_yesterday_is(fresh, carla, miguel):
    today = timezone.localdate()
    task_set_due_date(task=first_task(fresh), user=carla, due_date=today)
    assert agree(fresh) == []
    task_set_due_date(task=first_task(fresh), user=carla, due_date=today - DAY)
    microsoft = first_task(fresh, Party.MICROSOFT)
    task_set_due_date(task=microsoft, user=miguel, due_date=today - 2 * DAY)
    assert agree(fresh) == ["overdue"]
    tick(microsoft, miguel)
    assert agree(fresh) == ["overdue"]
    assert in_sql(fresh, timezone.now())["overdue"] == {Party.CUSTOMER: 1, Party.MICROSOFT: 0}


def test_overdue_turns_at_the_portal_s_midnight(fresh, carla, clock):
    clock("2026-09-20 22:00")  # already the 21st in UTC
    task_set_due_date(task=first_task(fresh), user=carla, due_date=datetime.date(2026, 9, 20))
    assert agree(fresh) == []
    clock("2026-09-21 00:01")
    assert agree(fresh) == ["overdue"]  # nothing was written at midnight
    # Overdue from the 21st wherever one reads: by the 22nd's midnight in UTC at the latest.
    assert Engagement.objects.get(pk=fresh.pk).status_at_risk_by == datetime.datetime(
        2026, 9, 22, tzinfo=datetime.UTC
    )


@pytest.mark.parametrize("zone", ["Etc/GMT+12", "Pacific/Kiritimati"])
def test_on_track_to_the_last_minute_of_the_due_day_in_the_reader_s_zone(fresh, carla, clock, zone):
    """Twelve hours behind UTC and fourteen ahead: the day a task falls overdue begins at
    different moments, and the filter keeps the engagement on track until it does."""
    due = datetime.date(2026, 9, 20)
    task_set_due_date(task=first_task(fresh), user=carla, due_date=due)
    with timezone.override(zone):
        midnight = timezone.make_aware(datetime.datetime.combine(due + DAY, datetime.time.min))
        assert agree(fresh, midnight - MINUTE) == []
        assert agree(fresh, midnight) == ["overdue"]


@pytest.mark.parametrize(
    "offset, fires", [(3 * DAY - MINUTE, True), (3 * DAY, True), (3 * DAY + MINUTE, False)]
)
def test_the_checkpoint_window(fresh, carla, offset, fires):
    now = timezone.now()
    make_checkpoint(fresh, carla, phase="avaliar", starts_at=now + offset, attendees=[])
    assert agree(fresh, now) == (["checkpoint"] if fires else [])


def test_the_next_checkpoint_moves_on_when_one_starts(fresh, carla, clock):
    """Avaliar is behind and Iniciar is done: the flag of whichever checkpoint is next counts."""
    for task in fresh.tasks.filter(phase__code="iniciar"):
        tick(task, carla)
    now = timezone.now()
    make_checkpoint(fresh, carla, phase="avaliar", starts_at=now + MINUTE, attendees=[])
    iniciar = make_checkpoint(fresh, carla, phase="iniciar", starts_at=now + DAY, attendees=[])
    make_checkpoint(fresh, carla, phase="avaliar", starts_at=now + 2 * DAY, attendees=[])
    assert agree(fresh) == ["checkpoint"]
    clock(now + MINUTE)  # the first has started: the Iniciar one is next, and Iniciar is done
    assert agree(fresh) == []
    checkpoint_cancel(checkpoint=iniciar, user=carla)
    assert agree(fresh) == ["checkpoint"]
    clock(now + 2 * DAY)
    assert agree(fresh) == [] and in_sql(fresh, timezone.now())["next_at"] is None


def test_half_done_is_not_behind_one_fewer_is(fresh, carla, miguel):
    tasks = list(fresh.tasks.filter(phase__code="avaliar").order_by("pk"))
    make_checkpoint(fresh, carla, phase="avaliar", starts_at=timezone.now() + DAY, attendees=[])
    manager = {Party.CUSTOMER: carla, Party.MICROSOFT: miguel}
    for task in tasks[: len(tasks) // 2 - 1]:
        tick(task, manager[task.party])
    assert agree(fresh) == ["checkpoint"]
    task = tasks[len(tasks) // 2 - 1]
    tick(task, manager[task.party])
    assert len(tasks) % 2 == 0 and agree(fresh) == []


def test_quiet_for_exactly_14_days(fresh, clock, carla):
    created = fresh.events.order_by("created_at").last().created_at
    clock(created + 14 * DAY - MINUTE)
    assert agree(fresh) == []
    clock(created + 14 * DAY)
    assert agree(fresh) == ["quiet"]
    assert Engagement.objects.get(pk=fresh.pk).status_at_risk_by == created + 14 * DAY
    task_set_due_date(task=first_task(fresh), user=carla, due_date=timezone.localdate())
    assert agree(fresh) == []


def test_with_nothing_open_quiet_is_no_risk(fresh, clock, carla, miguel):
    manager = {Party.CUSTOMER: carla, Party.MICROSOFT: miguel}
    for task in fresh.tasks.exclude(phase=None).order_by("pk"):
        tick(task, manager[task.party])
    clock(timezone.now() + 40 * DAY)
    # Not quiet: the first gate is what waits now, on both parties' sign-offs.
    assert agree(fresh) == ["gate"]


def test_every_rule_at_once(fresh, clock, carla):
    task_set_due_date(task=first_task(fresh), user=carla, due_date=timezone.localdate() + DAY)
    make_checkpoint(
        fresh, carla, phase="avaliar", starts_at=timezone.now() + 20 * DAY, attendees=[]
    )
    clock(timezone.now() + 18 * DAY)
    assert agree(fresh) == ["overdue", "checkpoint", "quiet"]
