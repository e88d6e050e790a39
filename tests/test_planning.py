"""An engagement's plan: the baseline made with it, re-plans by managers and staff with a reason
(kept in versions, audited), refused for viewers and leads, bounded; the plan page."""

import datetime

import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from engagements.models import Engagement, EventKind, Plan, PlannedPhase
from engagements.planning.selectors import (
    engagement_plan,
    plan_comparison,
    plan_versions,
)
from engagements.planning.services import plan_change
from engagements.services.tasks import task_set_due_date
from engagements.status.refresh import engagement_status_check
from responsibilities.models import CatalogueEvent, Phase

from .factories import PLAN_OF_EVERY_KIND, make_engagement, make_user

START = datetime.date(2026, 9, 15)
D = datetime.date


def replanned(**moved):
    """The baseline with some phases' (start, end) changed."""
    return {**PLAN_OF_EVERY_KIND, **moved}


def phases():
    return list(Phase.objects.order_by("order"))


def test_a_new_engagement_is_planned_from_the_typical_durations(engagement):
    (plan,) = plan_versions(engagement)
    assert plan.is_baseline and plan.made_by.username == "ada"
    assert {p.phase.code: (p.starts_on, p.ends_on) for p in plan.phases.all()} == (
        PLAN_OF_EVERY_KIND
    )
    assert [p.days for p in plan.phases.all()] == [p.typical_days for p in phases()]
    event = engagement.events.get(kind=EventKind.PLAN_BASELINED)
    assert event.changes["phases"]["avaliar"] == ["2026-09-25", "2026-10-16"]
    row = Engagement.objects.get(pk=engagement.pk)
    assert (row.status_plan_version, row.status_planned_end, row.status_baseline_end) == (
        1,
        D(2026, 12, 18),
        D(2026, 12, 18),
    )


def test_an_admin_s_typical_duration_plans_the_next_engagement(catalogue, ada):
    Phase.objects.filter(code="iniciar").update(typical_days=3)
    engagement = make_engagement(created_by=ada)
    (plan,) = plan_versions(engagement)
    assert plan.phases.all()[0].ends_on == START + datetime.timedelta(days=3)


@pytest.mark.parametrize("who", ["carla", "miguel", "ada"])
def test_managers_of_either_party_and_staff_re_plan_with_a_reason(engagement, who, request):
    user = request.getfixturevalue(who)
    plan = plan_change(
        engagement=engagement,
        user=user,
        dates=replanned(habilitar=(D(2026, 11, 13), D(2027, 1, 15))),
        reason="Licenças atrasadas",
    )
    assert plan.version == 2 and plan.reason == "Licenças atrasadas"
    baseline, current = plan_versions(engagement)
    assert baseline.is_baseline and baseline.phases.all()[3].ends_on == D(2026, 12, 18)
    (moved,) = [c for c in plan_comparison(baseline, current) if c.changed]
    assert (moved.phase.code, moved.end_moved_days) == ("habilitar", 28)
    event = engagement.events.get(kind=EventKind.PLAN_CHANGED)
    assert event.reason == "Licenças atrasadas" and event.changes == {
        "version": 2,
        "phases": {"habilitar": [["2026-11-13", "2026-12-18"], ["2026-11-13", "2027-01-15"]]},
    }
    row = Engagement.objects.get(pk=engagement.pk)
    assert (row.status_plan_version, row.status_planned_end, row.status_baseline_end) == (
        2,
        D(2027, 1, 15),
        D(2026, 12, 18),
    )
    assert engagement_status_check(repair=False) == {}


def lead():
    user = make_user("lena")
    user.user_permissions.add(Permission.objects.get(codename="view_all_engagements"))
    return user


@pytest.mark.parametrize("who", ["vera", "lead", "otto"])
def test_viewers_leads_and_outsiders_may_not_re_plan(engagement, who, request):
    user = lead() if who == "lead" else request.getfixturevalue(who)
    with pytest.raises(PermissionDenied):
        plan_change(
            engagement=engagement,
            user=user,
            dates=replanned(habilitar=(D(2026, 11, 13), D(2027, 1, 15))),
            reason="Quero mudar",
        )
    assert Plan.objects.filter(engagement=engagement).count() == 1
    assert not engagement.events.filter(kind=EventKind.PLAN_CHANGED).exists()


@pytest.mark.parametrize(
    "dates, reason, field",
    [
        (replanned(habilitar=(D(2026, 11, 13), D(2027, 1, 15))), "", "reason"),
        (replanned(habilitar=(D(2026, 11, 13), D(2027, 1, 15))), "x" * 501, "reason"),
        (replanned(habilitar=(D(2026, 11, 13), D(2027, 1, 15))), "linha\nquebrada", "reason"),
        (replanned(avaliar=(D(2026, 10, 16), D(2026, 10, 15))), "Ajuste", "avaliar_end"),
        (replanned(corrigir=(D(2026, 9, 20), D(2026, 11, 13))), "Ajuste", "corrigir_start"),
        (replanned(iniciar=(D(1999, 12, 31), D(2026, 9, 25))), "Ajuste", "iniciar_start"),
        (replanned(habilitar=(D(2026, 11, 13), D(2032, 1, 1))), "Ajuste", "habilitar_end"),
        ({"iniciar": PLAN_OF_EVERY_KIND["iniciar"]}, "Ajuste", "avaliar_start"),
        (replanned(), "Nada muda", "__all__"),
    ],
)
def test_a_bad_re_plan_is_refused_with_its_reason_and_changes_nothing(
    engagement, carla, dates, reason, field
):
    with pytest.raises(ValidationError) as refused:
        plan_change(engagement=engagement, user=carla, dates=dates, reason=reason)
    assert field in refused.value.message_dict
    assert Plan.objects.filter(engagement=engagement).count() == 1


def test_every_re_plan_is_kept_and_comparable(engagement, carla, miguel):
    plan_change(
        engagement=engagement,
        user=carla,
        dates=replanned(corrigir=(D(2026, 10, 16), D(2026, 11, 20))),
        reason="Primeiro ajuste",
    )
    plan_change(
        engagement=engagement,
        user=miguel,
        dates=replanned(
            corrigir=(D(2026, 10, 16), D(2026, 11, 20)),
            habilitar=(D(2026, 11, 20), D(2026, 12, 30)),
        ),
        reason="Segundo ajuste",
    )
    versions = plan_versions(engagement)
    assert [v.version for v in versions] == [1, 2, 3]
    changed = [c.phase.code for c in plan_comparison(versions[1], versions[2]) if c.changed]
    assert changed == ["habilitar"]
    call_command("verify_audit")


def test_the_plan_page_shows_the_plan_to_every_member(client, vera, engagement):
    client.force_login(vera)
    response = client.get(reverse("engagement-plan", args=[engagement.pk]))
    html = response.content.decode()
    assert response.status_code == 200 and response.context["form"] is None
    assert "Re-plan" not in html and "Replanejar" not in html
    assert "Avaliar" in html and "25/09/2026" in html


def test_a_viewer_posting_a_plan_is_refused(client, vera, engagement):
    client.force_login(vera)
    url = reverse("engagement-plan", args=[engagement.pk])
    dates = replanned(habilitar=(D(2026, 11, 13), D(2027, 1, 15)))
    response = client.post(url, form_data(dates, "Quero mudar"))
    assert response.status_code == 403
    assert Plan.objects.filter(engagement=engagement).count() == 1


def test_an_outsider_gets_404(client, otto, engagement):
    client.force_login(otto)
    assert client.get(reverse("engagement-plan", args=[engagement.pk])).status_code == 404


def form_data(dates, reason):
    data = {"reason": reason}
    for code, (start, end) in dates.items():
        data[f"{code}_start"], data[f"{code}_end"] = start.isoformat(), end.isoformat()
    return data


def test_a_manager_re_plans_on_the_page(client, carla, engagement):
    client.force_login(carla)
    url = reverse("engagement-plan", args=[engagement.pk])
    dates = replanned(habilitar=(D(2026, 11, 13), D(2027, 1, 15)))
    response = client.post(url, form_data(dates, "Licenças atrasadas"), follow=True)
    html = response.content.decode()
    assert "O plano agora está na versão 2." in html
    assert "Licenças atrasadas" in html and "15/01/2027" in html


def test_a_refused_re_plan_on_the_page_says_why_beside_the_field(client, carla, engagement):
    client.force_login(carla)
    url = reverse("engagement-plan", args=[engagement.pk])
    dates = replanned(avaliar=(D(2026, 10, 16), D(2026, 10, 1)))
    response = client.post(url, form_data(dates, "Ajuste"))
    assert response.status_code == 400
    assert "Uma fase não pode terminar antes de começar." in response.content.decode()
    assert Plan.objects.filter(engagement=engagement).count() == 1


@pytest.mark.parametrize("size", [0, 3])
def test_the_plan_page_costs_the_same_with_more_versions(
    client, carla, engagement, size, django_assert_num_queries
):
    for number in range(size):
        plan_change(
            engagement=engagement,
            user=carla,
            dates=replanned(habilitar=(D(2026, 11, 13), D(2027, 1, 1 + number))),
            reason=f"Ajuste {number}",
        )
    client.force_login(carla)
    with django_assert_num_queries(8):
        client.get(reverse("engagement-plan", args=[engagement.pk]))


def test_the_selector_reads_the_plan_from_the_stored_status_alone(
    engagement, django_assert_num_queries
):
    row = Engagement.objects.get(pk=engagement.pk)
    ordered = phases()
    with django_assert_num_queries(0):
        plan = engagement_plan(row, ordered, D(2026, 9, 16))
    assert plan.has_plan and not plan.is_replanned and plan.planned_end == D(2026, 12, 18)
    assert [p.planned_end for p in plan.phases] == [end for _s, end in PLAN_OF_EVERY_KIND.values()]


def test_an_undated_open_task_is_due_by_its_phase_s_planned_end(client, carla, engagement):
    tasks = list(engagement.tasks.filter(phase__code="avaliar").order_by("position")[:2])
    task_set_due_date(task=tasks[1], user=carla, due_date=D(2026, 10, 1))
    client.force_login(carla)
    html = client.get(reverse("engagement-detail", args=[engagement.pk])).content.decode()
    assert "pelo fim da fase, 16/10/2026" in html  # Avaliar's planned end, not stored
    assert engagement.tasks.get(pk=tasks[0].pk).due_date is None
    row = html[html.index(f'id="task-{tasks[1].pk}"') :]
    assert row[: row.index("</li>")].count("pelo fim da fase") == 0


def test_staff_change_a_phase_s_typical_duration_in_the_admin(client, ada, carla):
    phase = Phase.objects.get(code="corrigir")
    url = reverse("admin:responsibilities_phase_change", args=[phase.pk])
    client.force_login(carla)
    assert client.post(url, {"typical_days": 40}).status_code in (302, 403)
    assert Phase.objects.get(pk=phase.pk).typical_days == 28
    client.force_login(ada)
    refused = client.post(url, {"typical_days": 0})
    assert refused.status_code == 200 and Phase.objects.get(pk=phase.pk).typical_days == 28
    assert client.post(url, {"typical_days": 40}).status_code == 302
    assert Phase.objects.get(pk=phase.pk).typical_days == 40
    event = CatalogueEvent.objects.order_by("-sequence").first()
    assert (event.kind, event.item_key, event.actor_name) == ("changed", "corrigir", "Ada")
    assert (event.old_value, event.new_value) == ('{"typical_days": 28}', '{"typical_days": 40}')
    call_command("verify_audit")


def test_verify_audit_names_a_plan_changed_behind_the_trail_s_back(engagement, carla, capsys):
    plan_change(
        engagement=engagement,
        user=carla,
        dates=replanned(habilitar=(D(2026, 11, 13), D(2027, 1, 15))),
        reason="Licenças atrasadas",
    )
    call_command("verify_audit")
    assert "intact" in capsys.readouterr().out
    PlannedPhase.objects.filter(
        plan__engagement=engagement, plan__version=2, phase__code="habilitar"
    ).update(ends_on=D(2027, 2, 1))
    with pytest.raises(CommandError):
        call_command("verify_audit")
    assert "plan version 2 holds" in capsys.readouterr().err
    Plan.objects.filter(engagement=engagement, version=2).delete()
    with pytest.raises(CommandError):
        call_command("verify_audit")
    assert "plan version 2 is missing" in capsys.readouterr().err
