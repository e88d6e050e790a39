"""The forecast and the plan's rules in the stored status, through the services, at their edges:
no history, one week, zero throughput, a phase already done, a re-plan, a finished engagement;
late at the slip tolerance and one day past it; a gate waiting on a sign-off N days and just
past. The SQL twins agree with the pages' rules at each edge (tests/test_status_sql.py's
`agree`), and `engagement_status --check` finds the stored status as the rows say."""

import datetime

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings
from django.utils import timezone

from engagements.gates.services import gate_sign
from engagements.models import Engagement, ForecastState
from engagements.planning.selectors import engagement_plan
from engagements.planning.services import plan_change
from engagements.services.tasks import task_set_note
from engagements.status.refresh import engagement_status_check
from responsibilities.models import Party, Phase

from .factories import acknowledge_general, at, make_engagement, tick
from .test_status_sql import agree

CLOCK_START = "2026-09-15 09:00"
START = datetime.date(2026, 9, 15)
DAY = datetime.timedelta(days=1)
MINUTE = datetime.timedelta(minutes=1)


@pytest.fixture
def fresh(clock, catalogue, carla, miguel, ada):
    engagement = make_engagement(created_by=ada, customer="Edges", aad_premium=True)
    engagement.memberships.create(user=carla, party=Party.CUSTOMER, role="manager")
    engagement.memberships.create(user=miguel, party=Party.MICROSOFT, role="manager")
    return engagement


def stored(engagement) -> Engagement:
    return Engagement.objects.get(pk=engagement.pk)


def plan_of(engagement):
    row = stored(engagement)
    return engagement_plan(row, list(Phase.objects.order_by("order")), timezone.localdate())


def open_tasks(engagement, party):
    return engagement.tasks.filter(party=party, done=False, phase__isnull=False).order_by(
        "phase__order", "position"
    )


def work(engagement, carla, miguel, clock, per_week):
    """Each party ticks per_week[i] of its open tasks on the second day of week i."""
    for week, count in enumerate(per_week):
        clock(f"{START + datetime.timedelta(days=7 * week + 1)} 10:00")
        for party, user in ((Party.CUSTOMER, carla), (Party.MICROSOFT, miguel)):
            for task in list(open_tasks(engagement, party)[:count]):
                tick(task, user)


def anchor(engagement, carla):
    """A change today: the forecast's weeks of history end on its day (any later change on
    the same day reads the same weeks, so the forecast stays put while the plan moves)."""
    plan_change(
        engagement=engagement,
        user=carla,
        dates=plan_ending(timezone.localdate() + 400 * DAY),
        reason="Ancorar",
    )


def test_a_new_engagement_has_not_enough_history(fresh):
    row = stored(fresh)
    assert row.status_forecast == ForecastState.TOO_LITTLE_HISTORY
    assert row.status_forecast_p50_days is None and row.status_on_plan_until_p50 is None
    assert not plan_of(fresh).has_forecast and agree(fresh) == []


def test_one_week_is_not_enough_two_are(fresh, carla, miguel, clock):
    clock(f"{START + 8 * DAY} 10:00")
    tick(open_tasks(fresh, Party.CUSTOMER).first(), carla)
    tick(open_tasks(fresh, Party.MICROSOFT).first(), miguel)
    assert stored(fresh).status_forecast == ForecastState.TOO_LITTLE_HISTORY
    clock(f"{START + 13 * DAY} 10:00")  # the 14th day: two whole weeks since the start
    tick(open_tasks(fresh, Party.CUSTOMER).first(), carla)
    tick(open_tasks(fresh, Party.MICROSOFT).first(), miguel)
    row = stored(fresh)
    assert row.status_forecast == ForecastState.READY
    assert 0 <= row.status_forecast_p50_days <= row.status_forecast_p85_days
    assert engagement_status_check(repair=False) == {}


def test_weeks_with_nothing_done_give_no_forecast(fresh, carla, clock):
    clock(f"{START + 20 * DAY} 10:00")
    task_set_note(task=open_tasks(fresh, Party.CUSTOMER).first(), user=carla, note="Parado")
    assert stored(fresh).status_forecast == ForecastState.NO_THROUGHPUT
    assert not plan_of(fresh).has_forecast and agree(fresh) == []


def test_the_forecast_lies_ahead_of_today_and_slips_as_idle_days_pass(fresh, carla, miguel, clock):
    work(fresh, carla, miguel, clock, [2, 3, 1])
    clock(f"{START + 22 * DAY} 10:00")
    first = plan_of(fresh)
    assert first.has_forecast and timezone.localdate() <= first.forecast_p50 <= first.forecast_p85
    clock(f"{START + 32 * DAY} 10:00")  # ten idle days: nothing written, the dates move
    later = plan_of(fresh)
    assert later.forecast_p50 - first.forecast_p50 == 10 * DAY
    assert engagement_status_check(repair=False) == {}


def close_phase(engagement, code, carla, miguel):
    phase = Phase.objects.get(code=code)
    manager = {Party.CUSTOMER: carla, Party.MICROSOFT: miguel}
    for task in engagement.tasks.filter(phase=phase, done=False):
        tick(task, manager[task.party])
    if code == "iniciar":
        acknowledge_general(engagement, carla, miguel)
    gate_sign(engagement=engagement, phase=phase, user=carla)
    gate_sign(engagement=engagement, phase=phase, user=miguel)


def test_a_closed_phase_shows_when_it_closed_and_is_not_forecast(fresh, carla, miguel, clock):
    work(fresh, carla, miguel, clock, [1, 1, 1])
    clock(f"{START + 22 * DAY} 10:00")
    close_phase(fresh, "iniciar", carla, miguel)
    plan = plan_of(fresh)
    iniciar, avaliar = plan.phases[0], plan.phases[1]
    assert iniciar.closed_on == START + 22 * DAY and iniciar.forecast_p50 is None
    assert iniciar.slip_days == (START + 22 * DAY - iniciar.planned_end).days
    assert plan.has_forecast and avaliar.forecast_p50 is not None
    assert engagement_status_check(repair=False) == {}


def test_a_finished_engagement_compares_its_end_with_the_baseline(fresh, carla, miguel, clock):
    for week, code in enumerate(["iniciar", "avaliar", "corrigir", "habilitar"]):
        clock(f"{START + (7 * week + 3) * DAY} 10:00")
        close_phase(fresh, code, carla, miguel)
    plan = plan_of(fresh)
    assert plan.is_finished and plan.finished_on == START + 24 * DAY
    assert plan.baseline_slip_days == (START + 24 * DAY - plan.baseline_end).days < 0
    assert agree(fresh) == []


def plan_ending(end: datetime.date) -> dict:
    """A valid plan whose last phase ends on `end` (from the start date)."""
    return {
        "iniciar": (START, end),
        "avaliar": (end, end),
        "corrigir": (end, end),
        "habilitar": (end, end),
    }


@override_settings(PLAN_SLIP_TOLERANCE_DAYS=7)
def test_late_past_the_tolerance_not_at_it(fresh, carla, miguel, clock):
    work(fresh, carla, miguel, clock, [2, 3, 1])
    clock(f"{START + 22 * DAY} 10:00")
    anchor(fresh, carla)
    forecast_end = plan_of(fresh).forecast_p50
    plan_change(
        engagement=fresh, user=carla, dates=plan_ending(forecast_end - 7 * DAY), reason="No limite"
    )
    assert plan_of(fresh).slip_days == 7
    assert "late" not in agree(fresh)
    plan_change(
        engagement=fresh, user=carla, dates=plan_ending(forecast_end - 8 * DAY), reason="Além"
    )
    assert plan_of(fresh).slip_days == 8
    assert agree(fresh)[0] == "late"
    assert stored(fresh).status_forecast_p50_days is not None
    assert engagement_status_check(repair=False) == {}


@override_settings(PLAN_SLIP_TOLERANCE_DAYS=7)
def test_without_a_forecast_a_planned_end_long_past_is_late(fresh, carla, clock):
    plan_change(
        engagement=fresh, user=carla, dates=plan_ending(START + 3 * DAY), reason="Curto demais"
    )
    clock(f"{START + 10 * DAY} 10:00")  # 7 days past the planned end: at the tolerance
    assert "late" not in agree(fresh)
    clock(f"{START + 11 * DAY} 10:00")
    assert agree(fresh)[0] == "late"
    # Late from the eleventh day after it wherever one reads: by the next midnight in UTC.
    late_day = datetime.datetime.combine(START + 12 * DAY, datetime.time.min, datetime.UTC)
    assert stored(fresh).status_at_risk_by == late_day


# Iniciar's gate waits from the ticks on: not this test's rule.
@override_settings(PLAN_SLIP_TOLERANCE_DAYS=7, GATE_SIGN_OFF_WAIT_DAYS=60)
def test_the_85_percent_end_past_the_tolerance_is_a_risk(fresh, carla, miguel, clock):
    # Uneven weeks: the 85% end lies weeks after the 50% one.
    work(fresh, carla, miguel, clock, [0, 8, 0, 0])
    clock(f"{START + 29 * DAY} 10:00")
    anchor(fresh, carla)
    plan = plan_of(fresh)
    assert plan.forecast_p85 - plan.forecast_p50 >= 7 * DAY
    plan_change(
        engagement=fresh, user=carla, dates=plan_ending(plan.forecast_p85 - 7 * DAY), reason="A"
    )
    assert agree(fresh) == []
    plan_change(
        engagement=fresh, user=carla, dates=plan_ending(plan.forecast_p85 - 8 * DAY), reason="B"
    )
    assert agree(fresh) == ["forecast"]


@override_settings(GATE_SIGN_OFF_WAIT_DAYS=5)
def test_a_gate_waiting_more_than_n_days_is_a_risk(fresh, carla, miguel, clock):
    iniciar = Phase.objects.get(code="iniciar")
    manager = {Party.CUSTOMER: carla, Party.MICROSOFT: miguel}
    done_at = at(f"{START + 2 * DAY} 10:00")
    clock(done_at)
    for task in fresh.tasks.filter(phase=iniciar):
        tick(task, manager[task.party])
    clock(done_at + 5 * DAY)
    assert agree(fresh) == []
    clock(done_at + 5 * DAY + MINUTE)
    assert agree(fresh) == ["gate"]
    assert stored(fresh).status_gate_waiting_since == done_at
    assert stored(fresh).status_at_risk_by == done_at + 5 * DAY


def test_the_check_names_a_stored_plan_or_forecast_that_differs(fresh, carla, miguel, clock):
    work(fresh, carla, miguel, clock, [2, 3, 1])
    Engagement.objects.filter(pk=fresh.pk).update(
        status_planned_end=START, status_forecast_p50_days=1, status_gate_waiting_since=None
    )
    differences = engagement_status_check(repair=False)
    assert {"status_planned_end", "status_forecast_p50_days"} <= set(differences[fresh.pk])
    with pytest.raises(CommandError):
        call_command("engagement_status", "--check")
    call_command("engagement_status", "--rebuild")
    assert engagement_status_check(repair=False) == {}
