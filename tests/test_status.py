"""The at-risk rule (engagements/status/rules.py) at each of its edges.

Each rule is tested one step on either side of its threshold, so moving a threshold by one unit,
flipping a comparison or dropping a term makes one of these fail. Most go through
`engagement_statuses` (the selectors and the rule together); a few build an `EngagementStatus`
by hand to reach figures the catalogue cannot give; one reads the dashboard page.
"""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from accounts.models import Profile
from engagements.meetings.services import checkpoint_cancel
from engagements.models import Checkpoint, Engagement, Task
from engagements.selectors.tasks import engagement_due_tasks, user_due_tasks
from engagements.services.tasks import task_set_done, task_set_due_date
from engagements.status.rules import (
    RISK_CHECKPOINT_DAYS,
    RISK_PHASE_DONE_BELOW,
    RISK_STALLED_DAYS,
    EngagementStatus,
)
from engagements.status.selectors import engagement_statuses
from engagements.status.tallies import Cell
from responsibilities.models import Party, Phase

from .factories import at, make_checkpoint, tick

CLOCK_START = "2026-09-16 09:00"
MINUTE = datetime.timedelta(minutes=1)
DAYS_3 = datetime.timedelta(days=3)
DAYS_14 = datetime.timedelta(days=14)


def test_the_thresholds_are_the_ones_the_readme_states():
    assert (RISK_CHECKPOINT_DAYS, RISK_PHASE_DONE_BELOW, RISK_STALLED_DAYS) == (3, 0.5, 14)


@pytest.fixture
def fresh(clock, engagement):
    """The engagement, created at CLOCK_START (its only event so far), nothing ticked."""
    return engagement


def reasons(engagement, now=None):
    now = now or timezone.now()
    with translation.override("en"):
        status = engagement_statuses([engagement], now)[engagement.pk]
        return status.risk_reasons(now)


def kinds(found):
    """Which rules fired: 'late', 'overdue', 'checkpoint', 'quiet', and the plan's 'forecast'
    (85% after the planned end) and 'gate' (waiting on a sign-off)."""
    out = []
    for reason in found:
        if "forecast to finish" in reason or "planned end" in reason and "passed" in reason:
            out.append("late")
        elif "85% likely" in reason:
            out.append("forecast")
        elif "has been waiting" in reason:
            out.append("gate")
        elif "overdue" in reason:
            out.append("overdue")
        elif "only" in reason and "done" in reason:
            out.append("checkpoint")
        elif "no activity" in reason:
            out.append("quiet")
        else:
            raise AssertionError(f"unknown reason {reason!r}")
    return out


def test_a_fresh_engagement_is_on_track(fresh):
    assert reasons(fresh) == []


# Rule 1: an open task past its due date (due today is not overdue).


def test_due_today_is_not_overdue_due_yesterday_is(fresh, carla):
    today = timezone.localdate()
    task = fresh.tasks.filter(party=Party.CUSTOMER, phase__isnull=False).first()
    task_set_due_date(task=task, user=carla, due_date=today)
    assert reasons(fresh) == []
    task_set_due_date(task=task, user=carla, due_date=today - datetime.timedelta(days=1))
    assert reasons(fresh) == ["1 task overdue (customer 1, Microsoft 0)"]


def test_overdue_counts_only_open_tasks_and_names_each_party(fresh, carla, miguel):
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    customer = fresh.tasks.filter(party=Party.CUSTOMER, phase__isnull=False).first()
    microsoft = list(fresh.tasks.filter(party=Party.MICROSOFT, phase__isnull=False)[:2])
    for task in [customer, *microsoft]:
        task_set_due_date(task=task, user=carla, due_date=yesterday)
    assert reasons(fresh) == ["3 tasks overdue (customer 1, Microsoft 2)"]
    task_set_done(task=customer, user=carla, done=True)
    assert reasons(fresh) == ["2 tasks overdue (customer 0, Microsoft 2)"]
    for task in microsoft:
        task_set_done(task=task, user=miguel, done=True)
    assert reasons(fresh) == []


def test_overdue_follows_the_portal_s_day_not_utc(fresh, carla, clock):
    """At 22:00 in São Paulo it is already tomorrow in UTC; a task due today is not overdue."""
    task = fresh.tasks.exclude(phase=None).first()
    clock("2026-09-20 22:00")
    task_set_due_date(task=task, user=carla, due_date=datetime.date(2026, 9, 20))
    assert reasons(fresh) == []
    clock("2026-09-21 00:01")
    assert kinds(reasons(fresh)) == ["overdue"]


# Rule 2: the next checkpoint starts within 3 days and its phase is less than half done.


@pytest.mark.parametrize(
    "offset, fires",
    [
        (DAYS_3 - MINUTE, True),
        (DAYS_3, True),  # "within 3 days" includes the last minute
        (DAYS_3 + MINUTE, False),
    ],
)
def test_the_checkpoint_window_is_three_days(fresh, carla, offset, fires):
    now = timezone.now()
    make_checkpoint(fresh, carla, phase="avaliar", starts_at=now + offset, attendees=[carla])
    assert kinds(reasons(fresh, now)) == (["checkpoint"] if fires else [])


def test_a_cancelled_checkpoint_is_no_risk(fresh, carla):
    now = timezone.now()
    soon = make_checkpoint(
        fresh, carla, phase="avaliar", starts_at=now + datetime.timedelta(days=1), attendees=[]
    )
    assert kinds(reasons(fresh)) == ["checkpoint"]
    checkpoint_cancel(checkpoint=soon, user=carla)
    assert reasons(fresh) == []


def test_a_checkpoint_that_has_started_is_no_longer_the_next_one(fresh, carla, clock):
    make_checkpoint(
        fresh, carla, phase="avaliar", starts_at=timezone.now() + MINUTE, attendees=[carla]
    )
    assert kinds(reasons(fresh)) == ["checkpoint"]
    clock(timezone.now() + MINUTE)
    assert reasons(fresh) == []


def tick_phase(engagement, user, phase_code, count):
    tasks = engagement.tasks.filter(phase__code=phase_code).order_by("position")[:count]
    for task in tasks:
        tick(task, user)


def test_exactly_half_done_is_not_a_risk_one_fewer_is(fresh, carla, miguel):
    """Avaliar has 14 tasks here: 7 done is half (no risk), 6 done is less than half."""
    total = fresh.tasks.filter(phase__code="avaliar").count()
    assert total == 14, "the catalogue changed: pick the counts again"
    fresh.memberships.filter(user=miguel).delete()  # so Carla may tick either party's tasks
    make_checkpoint(
        fresh,
        carla,
        phase="avaliar",
        starts_at=timezone.now() + datetime.timedelta(days=2),
        attendees=[carla],
    )
    tick_phase(fresh, carla, "avaliar", total // 2 - 1)
    (reason,) = reasons(fresh)
    assert reason == "“Chamada” is in 2 days and Assess is only 43% done"
    tick_phase(fresh, carla, "avaliar", total // 2)
    assert reasons(fresh) == []


def test_the_checkpoint_s_own_phase_is_the_one_measured(fresh, carla):
    """Iniciar fully done does not help a checkpoint about Avaliar, and vice versa."""
    tick_phase(fresh, carla, "iniciar", 100)
    make_checkpoint(
        fresh, carla, phase="avaliar", starts_at=timezone.now() + DAYS_3 - MINUTE, attendees=[]
    )
    assert kinds(reasons(fresh)) == ["checkpoint"]


def hand_status(*, done, total, starts_in, now, start_date=None):
    """An EngagementStatus with Avaliar at done/total and its checkpoint `starts_in` from now."""
    phases = list(Phase.objects.order_by("order"))
    avaliar = next(p for p in phases if p.code == "avaliar")
    engagement = Engagement(customer="Hand", start_date=start_date or timezone.localdate(now))
    customer_done = done // 2
    status = EngagementStatus(
        engagement=engagement,
        phases=phases,
        today=timezone.localdate(now),
        cells={
            (avaliar.pk, Party.CUSTOMER): Cell(total=total // 2, done=customer_done),
            (avaliar.pk, Party.MICROSOFT): Cell(
                total=total - total // 2, done=done - customer_done
            ),
        },
        last_activity_at=now,
    )
    if starts_in is not None:
        status.next_checkpoint = Checkpoint(
            title="Chamada", phase=avaliar, starts_at=now + starts_in
        )
    return status


@pytest.mark.parametrize(
    "done, total, fires",
    [(5, 10, False), (4, 10, True), (0, 10, True), (10, 10, False), (50, 100, False)],
)
def test_half_done_by_hand_built_figures(catalogue, done, total, fires):
    """Both parties' tasks count towards the phase: customer and Microsoft together."""
    now = at("2026-10-01 12:00")
    with translation.override("en"):
        found = hand_status(done=done, total=total, starts_in=DAYS_3, now=now).risk_reasons(now)
    assert kinds(found) == (["checkpoint"] if fires else [])


def test_a_checkpoint_about_a_phase_without_tasks_is_no_risk(catalogue):
    now = at("2026-10-01 12:00")
    status = hand_status(done=3, total=10, starts_in=DAYS_3, now=now)
    corrigir = Phase.objects.get(code="corrigir")
    status.next_checkpoint = Checkpoint(title="Chamada", phase=corrigir, starts_at=now + MINUTE)
    assert status.risk_reasons(now) == []


# Rule 3: tasks are open and nothing has happened for 14 days.


def test_quiet_for_exactly_14_days_is_a_risk_a_minute_less_is_not(fresh, clock):
    created = fresh.events.order_by("sequence").last().created_at
    clock(created + DAYS_14 - MINUTE)
    assert reasons(fresh) == []
    clock(created + DAYS_14)
    assert reasons(fresh) == ["no activity for 14 days"]


def test_any_event_restarts_the_quiet_count(fresh, carla, clock):
    created = fresh.events.order_by("sequence").last().created_at
    clock(created + datetime.timedelta(days=10))
    task_set_done(task=fresh.tasks.exclude(phase=None).first(), user=carla, done=True)
    clock(created + DAYS_14)
    assert reasons(fresh) == []
    clock(created + datetime.timedelta(days=10) + DAYS_14)
    assert reasons(fresh) == ["no activity for 14 days"]


def test_with_no_open_tasks_quiet_is_no_risk(fresh, clock):
    created = fresh.events.order_by("sequence").last().created_at
    Task.objects.filter(engagement=fresh).exclude(
        pk=fresh.tasks.exclude(phase=None).first().pk
    ).update(done=True)
    clock(created + datetime.timedelta(days=40))
    assert reasons(fresh) == ["no activity for 40 days"]  # one task still open
    Task.objects.filter(engagement=fresh).update(done=True)
    # Not quiet: the first gate is what waits now, on both parties' sign-offs.
    assert kinds(reasons(fresh)) == ["gate"]


def test_without_any_event_the_quiet_count_starts_at_the_start_date(catalogue):
    """The fallback: midnight (portal time) of the engagement's start date."""
    start = datetime.date(2026, 9, 15)
    midnight = at("2026-09-15 00:00")
    for now, fired in [(midnight + DAYS_14 - MINUTE, False), (midnight + DAYS_14, True)]:
        status = hand_status(done=1, total=2, starts_in=None, now=now, start_date=start)
        status.last_activity_at = None
        with translation.override("en"):
            assert kinds(status.risk_reasons(now)) == (["quiet"] if fired else [])


def test_every_rule_at_once_gives_every_reason(fresh, carla, clock):
    created = fresh.events.order_by("sequence").last().created_at
    clock(created + datetime.timedelta(days=20))
    task = fresh.tasks.filter(party=Party.MICROSOFT, phase__isnull=False).first()
    # The due date is set through the ORM so that it leaves no event (the engagement stays quiet)
    Task.objects.filter(pk=task.pk).update(due_date=timezone.localdate() - datetime.timedelta(1))
    Checkpoint.objects.create(
        engagement=fresh,
        phase=Phase.objects.get(code="avaliar"),
        kind="checkpoint_call",
        title="Chamada",
        starts_at=timezone.now() + datetime.timedelta(days=1),
        ends_at=timezone.now() + datetime.timedelta(days=1, hours=1),
    )
    assert kinds(reasons(fresh)) == ["overdue", "checkpoint", "quiet"]


# The dashboard says which rule fired, with the numbers.


def dashboard_risk(client, engagement, user):
    client.force_login(user)  # sessions last 8 hours, and the clock jumps days
    html = client.get(reverse("engagement-dashboard", args=[engagement.pk])).content.decode()
    start = html.index('<section class="risk')
    return html[start : html.index("</section>", start)]


def test_the_dashboard_shows_each_rule_on_its_edge(client, fresh, carla, clock):
    Profile.objects.create(user=carla, language="en")
    created = fresh.events.order_by("sequence").last().created_at
    task = fresh.tasks.filter(party=Party.CUSTOMER, phase__isnull=False).first()

    clock(created + DAYS_14 - MINUTE)
    section = dashboard_risk(client, fresh, carla)
    assert "On track" in section and "<li>" not in section

    clock(created + DAYS_14)
    section = dashboard_risk(client, fresh, carla)
    assert "At risk" in section and "<li>no activity for 14 days</li>" in section

    task_set_due_date(task=task, user=carla, due_date=timezone.localdate())  # restarts the count
    section = dashboard_risk(client, fresh, carla)
    assert "On track" in section and "<li>" not in section

    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    task_set_due_date(task=task, user=carla, due_date=yesterday)
    assert "<li>1 task overdue (customer 1, Microsoft 0)</li>" in dashboard_risk(
        client, fresh, carla
    )
    task_set_due_date(task=task, user=carla, due_date=None)

    now = timezone.now()
    make_checkpoint(fresh, carla, phase="avaliar", starts_at=now + DAYS_3 + MINUTE, attendees=[])
    assert "On track" in dashboard_risk(client, fresh, carla)
    make_checkpoint(fresh, carla, phase="avaliar", starts_at=now + DAYS_3 - MINUTE, attendees=[])
    section = dashboard_risk(client, fresh, carla)
    assert "<li>“Chamada” is in 3 days and Assess is only 0% done</li>" in section


# What is due soon (not a risk, but the dashboard's and the digest's list): due today to 7 days.


@pytest.mark.parametrize(
    "days_ahead, soon, overdue",
    [(-1, False, True), (0, True, False), (7, True, False), (8, False, False)],
)
def test_due_soon_is_today_to_seven_days_ahead(fresh, carla, days_ahead, soon, overdue):
    today = timezone.localdate()
    task = fresh.tasks.filter(party=Party.CUSTOMER, phase__isnull=False).first()
    task_set_due_date(task=task, user=carla, due_date=today + datetime.timedelta(days=days_ahead))
    status = engagement_statuses([fresh], timezone.now())[fresh.pk]
    assert sum(cell.due_soon for cell in status.cells.values()) == int(soon)
    assert status.overdue == int(overdue)
    due = engagement_due_tasks(fresh, today)
    assert due.due_soon[Party.CUSTOMER] == ([task] if soon else [])
    assert due.overdue[Party.CUSTOMER] == ([task] if overdue else [])
    entries = user_due_tasks(carla, today)
    assert sum(len(entry.due_soon) for entry in entries) == int(soon)
