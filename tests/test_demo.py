"""`make run`'s demo data: created only in demo mode, and safe to create again."""

import datetime

import pytest
from django.contrib.auth import authenticate, get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import RequestFactory
from django.utils import timezone

from engagements.activity.selectors import engagement_burnup
from engagements.models import ActivityEvent, Checkpoint, Engagement, Role, Task
from engagements.planning.risk import AT_RISK, LATE, ON_TRACK
from engagements.status.selectors import engagement_statuses
from notifications.models import Notification
from responsibilities.models import Party


@pytest.fixture
def seeded(demo, settings):
    """What `seed_demo` leaves: the `demo` fixture's copy of the same rows (seed_demo only adds
    its output to them), in demo mode so that a test may run the command again."""
    settings.DEBUG = True


def test_demo_users_are_refused_outside_demo_mode(catalogue, settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="only created in demo mode"):
        call_command("seed_demo")
    assert not get_user_model().objects.exists()
    assert not Engagement.objects.exists()


def test_seed_demo_prints_the_logins_each_with_its_role(seeded, capsys):
    call_command("seed_demo")
    output = capsys.readouterr().out
    assert "pm " in output and "stakeholder" in output and "password for each: demo" in output
    assert Engagement.objects.filter(customer="Contoso").count() == 1
    request = RequestFactory().post("/accounts/login/")
    assert authenticate(request, username="pm", password="demo") is not None
    assert get_user_model().objects.get(username="admin").is_staff
    contoso = Engagement.objects.get(customer="Contoso")
    roles = {
        username: (party, role)
        for username, party, role in contoso.memberships.values_list(
            "user__username", "party", "role"
        )
    }
    assert roles == {
        "pm": (Party.CUSTOMER, Role.MANAGER),
        "stakeholder": (Party.CUSTOMER, Role.VIEWER),
        "msft": (Party.MICROSOFT, Role.MANAGER),
        "engineer": (Party.MICROSOFT, Role.VIEWER),
    }
    assert "msft " in output and "Marcos Microsoft" in output


def test_contoso_is_partway_through_avaliar(seeded):
    tasks = Engagement.objects.get(customer="Contoso").tasks
    assert not tasks.filter(phase__code="iniciar", done=False).exists()
    avaliar = tasks.filter(phase__code="avaliar")
    assert 0 < avaliar.filter(done=True).count() < avaliar.count()
    assert not tasks.filter(phase__code__in=["corrigir", "habilitar"], done=True).exists()


def test_a_second_run_creates_nothing(seeded):
    counts = [
        model.objects.count()
        for model in (get_user_model(), Engagement, Task, ActivityEvent, Checkpoint, Notification)
    ]
    call_command("seed_demo")
    assert counts == [
        model.objects.count()
        for model in (get_user_model(), Engagement, Task, ActivityEvent, Checkpoint, Notification)
    ]


def test_a_second_run_leaves_an_admins_edits_alone(seeded):
    from engagements.services.members import member_remove

    User = get_user_model()
    admin = User.objects.get(username="admin")
    contoso = Engagement.objects.get(customer="Contoso")
    member_remove(membership=contoso.memberships.get(user__username="engineer"), removed_by=admin)
    User.objects.filter(username="msft").update(first_name="Marcos", last_name="Moreira")
    events = ActivityEvent.objects.count()
    call_command("seed_demo")
    assert not contoso.memberships.filter(user__username="engineer").exists()
    assert User.objects.get(username="msft").get_full_name() == "Marcos Moreira"
    assert ActivityEvent.objects.count() == events


def test_the_back_dated_trail_is_intact(seeded, capsys):
    call_command("verify_audit")
    assert "Audit trail intact" in capsys.readouterr().out
    now = timezone.now()
    for engagement in Engagement.objects.all():
        moments = list(
            ActivityEvent.objects.filter(engagement=engagement)
            .order_by("sequence")
            .values_list("created_at", flat=True)
        )
        # The chain's order is the order things happened in, and nothing happened yet to come.
        assert moments == sorted(moments)
        assert moments[-1] <= now
        assert engagement.created_at <= moments[0]
    done_at = Task.objects.filter(done=True).values_list("done_at", flat=True)
    assert len({timezone.localdate(moment) for moment in done_at}) > 20


def test_the_portfolio_says_something(seeded):
    now = timezone.now()
    engagements = list(Engagement.objects.order_by("customer"))
    statuses = engagement_statuses(engagements, now)
    assert len(statuses) >= 4
    by_customer = {status.engagement.customer: status for status in statuses.values()}
    phases = {
        customer: status.current_phase.code if status.current_phase else None
        for customer, status in by_customer.items()
    }
    assert phases == {
        "Contoso": "avaliar",
        "Fabrikam": None,  # every task done
        "Northwind Traders": "avaliar",
        "Tailspin Toys": "iniciar",
    }
    at_risk = {customer for customer, s in by_customer.items() if s.risk_reasons(now)}
    assert {"Contoso", "Northwind Traders"} <= at_risk
    assert not by_customer["Fabrikam"].risk_reasons(now)
    assert not by_customer["Tailspin Toys"].risk_reasons(now)
    northwind = " ".join(by_customer["Northwind Traders"].risk_reasons(now))
    assert "atrasad" in northwind and "atividade" in northwind  # overdue, and quiet
    contoso = by_customer["Contoso"]
    assert 1 < contoso.overdue <= 4
    # Iniciar was done in the first week; Avaliar has run since and is mostly done.
    iniciar, avaliar = contoso.phases[0], contoso.phases[1]
    assert contoso.days_in_phase(iniciar) <= 7
    assert contoso.days_in_phase(avaliar) >= 21
    tally = contoso.phase_tally(avaliar)
    assert tally.total / 2 < tally.done < tally.total
    assert contoso.next_checkpoint is not None


def test_contoso_has_a_past_kick_off_and_a_checkpoint_ahead(seeded):
    now = timezone.now()
    contoso = Engagement.objects.get(customer="Contoso")
    kickoff, upcoming = contoso.checkpoints.order_by("starts_at")
    assert kickoff.kind == "kickoff" and kickoff.starts_at < now - datetime.timedelta(days=28)
    assert upcoming.starts_at > now
    # The held meeting owes no reminder whose moment is already past.
    assert not kickoff.notifications.exists()
    assert upcoming.notifications.filter(minutes_before=60).exists()
    # Its managers wrote the kick-off's brief, which Contoso's status report carries.
    assert kickoff.brief.decisions.startswith("Indicar até sexta")


def test_contoso_burn_up_has_points_on_several_days(seeded):
    contoso = Engagement.objects.get(customer="Contoso")
    points = engagement_burnup(contoso, timezone.localdate())
    assert len({day for day, _done in points}) >= 10
    assert [done for _day, done in points] == sorted(done for _day, done in points)
    assert points[-1][1] == contoso.tasks.filter(done=True).count()


def test_both_parties_have_managers_and_tasks_have_owners(seeded):
    for engagement in Engagement.objects.all():
        managers = engagement.memberships.filter(role=Role.MANAGER)
        assert set(managers.values_list("party", flat=True)) == {Party.CUSTOMER, Party.MICROSOFT}
    contoso = Engagement.objects.get(customer="Contoso")
    owners = set(contoso.tasks.exclude(owner=None).values_list("owner__username", flat=True))
    assert owners == {"pm", "msft", "engineer"}
    assert contoso.tasks.exclude(note="").count() >= 2
    assert contoso.tasks.exclude(due_date=None).count() >= 10


def test_every_demo_engagement_has_a_plan_and_a_forecast_that_tell_its_story(seeded):
    now, today = timezone.now(), timezone.localdate()
    statuses = engagement_statuses(list(Engagement.objects.order_by("customer")), now)
    by_customer = {status.engagement.customer: status for status in statuses.values()}
    plans = {customer: status.plan_for(today) for customer, status in by_customer.items()}
    assert all(plan.has_plan and plan.planned_end for plan in plans.values())
    # Contoso: re-planned to its forecast, so it runs to a date within its plan (at risk only
    # for its overdue tasks).
    contoso = plans["Contoso"]
    assert contoso.is_replanned and contoso.has_forecast
    assert today <= contoso.forecast_p50 <= contoso.forecast_p85 <= contoso.planned_end
    assert by_customer["Contoso"].level(now) == AT_RISK
    assert not by_customer["Contoso"].late_reasons(now)
    # Northwind: late, with the forecast's reason first.
    northwind = by_customer["Northwind Traders"]
    assert northwind.level(now) == LATE and plans["Northwind Traders"].slip_days > 7
    assert "previsão de término" in northwind.risk_reasons(now)[0]
    # Fabrikam: finished before its baseline's end.
    fabrikam = plans["Fabrikam"]
    assert fabrikam.is_finished and fabrikam.baseline_slip_days < 0
    assert by_customer["Fabrikam"].level(now) == ON_TRACK
    # Tailspin: just planned, too early for a forecast.
    tailspin = plans["Tailspin Toys"]
    assert not tailspin.is_replanned and tailspin.forecast_state == "history"
    assert by_customer["Tailspin Toys"].level(now) == ON_TRACK
