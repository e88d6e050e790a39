"""The plan through the API: every member reads it, its versions and the forecast; managers of
either party and staff re-plan, viewers, leads and read-only tokens are refused, outsiders get
404; a refusal names the field as sent and changes nothing."""

import datetime

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from accounts.models import TokenAccess
from engagements.models import EventKind, Plan

from ..factories import PLAN_OF_EVERY_KIND, make_user

D = datetime.date


def body(reason="Licenças atrasadas", **moved):
    dates = {**PLAN_OF_EVERY_KIND, **moved}
    return {
        "reason": reason,
        "phases": {
            code: {"start": start.isoformat(), "end": end.isoformat()}
            for code, (start, end) in dates.items()
        },
    }


LATER = {"habilitar": (D(2026, 11, 13), D(2027, 1, 15))}


def plan_url(engagement):
    return reverse("api-plan", args=[engagement.pk])


def versions_url(engagement):
    return reverse("api-plan-version-list", args=[engagement.pk])


def test_a_member_reads_the_plan_baseline_and_forecast(api, vera, engagement):
    answer = api(vera).get(plan_url(engagement))
    assert answer.status_code == 200
    data = answer.json()
    assert (data["version"], data["planned_end"], data["baseline_end"]) == (
        1,
        "2026-12-18",
        "2026-12-18",
    )
    # Twelve weeks since its start and nothing done: no forecast.
    assert data["forecast_state"] == "stalled" and data["forecast_p50"] is None
    assert data["level"] in ("on_track", "at_risk", "late")
    assert [p["phase"] for p in data["phases"]] == list(PLAN_OF_EVERY_KIND)
    assert data["phases"][1]["planned_start"] == "2026-09-25"


@pytest.mark.parametrize("who", ["carla", "miguel", "ada"])
def test_managers_and_staff_re_plan(api, engagement, who, request):
    client = api(request.getfixturevalue(who))
    answer = client.post(versions_url(engagement), body(**LATER), format="json")
    assert answer.status_code == 201, answer.json()
    assert (answer.json()["version"], answer.json()["reason"]) == (2, "Licenças atrasadas")
    plan = client.get(plan_url(engagement)).json()
    assert (plan["version"], plan["planned_end"], plan["baseline_end"]) == (
        2,
        "2027-01-15",
        "2026-12-18",
    )
    versions = client.get(versions_url(engagement)).json()["results"]
    assert [v["version"] for v in versions] == [1, 2]
    assert versions[1]["phases"][3] == {
        "phase": "habilitar",
        "starts_on": "2026-11-13",
        "ends_on": "2027-01-15",
    }
    assert engagement.events.filter(kind=EventKind.PLAN_CHANGED).count() == 1


def lead():
    user = make_user("lena")
    user.user_permissions.add(Permission.objects.get(codename="view_all_engagements"))
    return user


@pytest.mark.parametrize("who", ["vera", "lead"])
def test_viewers_and_leads_may_not_re_plan(api, engagement, who, request):
    user = lead() if who == "lead" else request.getfixturevalue(who)
    assert api(user).get(plan_url(engagement)).status_code == 200
    answer = api(user).post(versions_url(engagement), body(**LATER), format="json")
    assert answer.status_code == 403
    assert Plan.objects.filter(engagement=engagement).count() == 1


def test_a_read_only_token_may_not_re_plan(api, carla, engagement):
    answer = api(carla, TokenAccess.READ).post(
        versions_url(engagement), body(**LATER), format="json"
    )
    assert answer.status_code == 403
    assert Plan.objects.filter(engagement=engagement).count() == 1


def test_an_outsider_gets_404(api, otto, engagement):
    assert api(otto).get(plan_url(engagement)).status_code == 404
    assert api(otto).post(versions_url(engagement), body(**LATER), format="json").status_code == 404


@pytest.mark.parametrize(
    "sent, field",
    [
        (body(reason="", **LATER), "reason"),
        (body(avaliar=(D(2026, 10, 16), D(2026, 10, 1))), "phases.avaliar.end"),
        (body(), ""),
        (
            {"reason": "x", "phases": {"iniciar": {"start": "2026-13-01", "end": "x"}}},
            "phases.iniciar.start",
        ),
    ],
)
def test_a_bad_re_plan_is_a_400_naming_the_field(api, carla, engagement, sent, field):
    answer = api(carla).post(versions_url(engagement), sent, format="json")
    assert answer.status_code == 400
    assert answer.json()["detail"]
    if field:
        assert field in answer.json()["errors"], answer.json()
    assert Plan.objects.filter(engagement=engagement).count() == 1
