"""Refusals as JSON: a service's ValidationError as a 400 with its message, throttling as a
429, bad filters and cursors; nothing half-done."""

import datetime
import threading

import pytest
from django.core.cache.backends.locmem import LocMemCache
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from api.throttling import FailedAuthenticationThrottle
from engagements.models import ActivityEvent, Task
from responsibilities.models import Phase

from ..test_rules import snapshot


def task_url(engagement, task):
    return reverse("api-task-detail", args=[engagement.pk, task.pk])


def test_a_refused_change_is_a_400_with_the_service_s_message_and_undoes_the_rest(
    api, engagement, carla
):
    """A task that needs evidence cannot be done; the note sent with it is not kept either."""
    task = engagement.tasks.filter(party="customer", evidence_required=True).first()
    before = snapshot(engagement)
    response = api(carla).patch(
        task_url(engagement, task), {"note": "Feito", "done": True}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["errors"] == {
        "done": [
            "Esta tarefa precisa de evidência antes de ser marcada como concluída: adicione um "
            "arquivo ou um link que mostre que ela foi feita."
        ]
    }
    assert snapshot(engagement) == before


@pytest.mark.parametrize(
    "change, field",
    [
        ({"note": "x" * 2001}, "note"),
        ({"note": "a\x07b"}, "note"),
        ({"due_date": "9999-12-31"}, "due_date"),
        ({"due_date": "31/12/2026"}, "due_date"),
        ({"owner": 2**63}, "owner"),
        ({"owner": 999_999}, "owner"),
        ({"done": "talvez"}, "done"),
        ({"reason": "sem done"}, "reason"),
    ],
)
def test_values_the_pages_refuse_are_refused_by_field(api, engagement, carla, change, field):
    task = engagement.tasks.filter(party="customer", phase__isnull=False).first()
    before = snapshot(engagement)
    response = api(carla).patch(task_url(engagement, task), change, format="json")
    assert response.status_code == 400, response.json()
    assert list(response.json()["errors"]) == [field]
    assert snapshot(engagement) == before


def test_a_checkpoint_in_the_past_or_with_strangers_is_refused(api, engagement, carla, otto):
    url = reverse("api-checkpoint-list", args=[engagement.pk])
    start = timezone.now() - datetime.timedelta(days=1)
    details = {"title": "Chamada", "kind": "checkpoint_call", "phase": "avaliar"}
    past = api(carla).post(url, {**details, "starts_at": start.isoformat()}, format="json")
    assert past.status_code == 400
    message = "Um ponto de verificação não pode começar no passado."
    assert past.json()["errors"] == {"starts_at": [message]}
    ahead = (start + datetime.timedelta(days=3)).isoformat()
    for unknown in ([otto.pk, carla.pk], [10**9]):
        strangers = api(carla).post(
            url, {**details, "starts_at": ahead, "attendees": unknown}, format="json"
        )
        assert strangers.status_code == 400
        # Named by the id the caller sent: an account they cannot see is not named to them.
        assert strangers.json()["errors"] == {
            "attendees": [
                f"Somente membros deste engajamento podem participar ({unknown[0]} não é)."
            ]
        }
    overflow = api(carla).post(
        url, {**details, "starts_at": "9999-12-31T23:59:00-03:00"}, format="json"
    )
    assert overflow.status_code == 400
    assert not engagement.checkpoints.exists()


@pytest.mark.parametrize("phase", ["nope", "ava\x00liar"])
def test_a_checkpoint_in_a_phase_that_is_not_one_is_refused(api, engagement, carla, phase):
    """PostgreSQL refuses a NUL in a query: the code is judged before it is looked up."""
    details = {"title": "Chamada", "kind": "checkpoint_call", "phase": phase}
    starts_at = (timezone.now() + datetime.timedelta(days=2)).isoformat()
    refused = api(carla).post(
        reverse("api-checkpoint-list", args=[engagement.pk]),
        {**details, "starts_at": starts_at},
        format="json",
    )
    assert refused.status_code == 400 and list(refused.json()["errors"]) == ["phase"]
    assert not engagement.checkpoints.exists()


def test_moving_only_the_start_keeps_the_meeting_s_length(api, engagement, carla):
    client = api(carla)
    starts_at = timezone.now() + datetime.timedelta(days=2)
    created = client.post(
        reverse("api-checkpoint-list", args=[engagement.pk]),
        {
            "title": "Chamada",
            "kind": "checkpoint_call",
            "phase": "avaliar",
            "starts_at": starts_at.isoformat(),
            "ends_at": (starts_at + datetime.timedelta(minutes=90)).isoformat(),
        },
        format="json",
    )
    later = starts_at + datetime.timedelta(days=3)
    moved = client.patch(
        reverse("api-checkpoint-detail", args=[engagement.pk, created.json()["id"]]),
        {"starts_at": later.isoformat()},
        format="json",
    )
    assert moved.status_code == 200, moved.json()
    checkpoint = engagement.checkpoints.get()
    assert checkpoint.starts_at == later
    assert checkpoint.ends_at - checkpoint.starts_at == datetime.timedelta(minutes=90)


def test_a_meeting_that_started_can_be_neither_changed_nor_cancelled(
    api, engagement, carla, time_machine
):
    client = api(carla)
    created = client.post(
        reverse("api-checkpoint-list", args=[engagement.pk]),
        {
            "title": "Chamada",
            "kind": "checkpoint_call",
            "phase": Phase.objects.get(code="avaliar").code,
            "starts_at": (timezone.now() + datetime.timedelta(hours=2)).isoformat(),
        },
        format="json",
    )
    assert created.status_code == 201
    assert created.json()["ends_at"] > created.json()["starts_at"]
    time_machine.move_to(timezone.now() + datetime.timedelta(hours=3))
    args = [engagement.pk, created.json()["id"]]
    changed = client.patch(reverse("api-checkpoint-detail", args=args), {"title": "Outra"}, "json")
    assert changed.status_code == 403
    cancelled = client.post(reverse("api-checkpoint-cancel", args=args))
    assert cancelled.status_code == 400
    assert "já começou" in cancelled.json()["detail"]


@pytest.mark.parametrize(
    "params",
    [
        {"party": "ninguem"},
        {"phase": "fase-nenhuma"},
        {"owner": "someone"},
        {"due": "ontem"},
        {"q": "x" * 101},
        {"q": "a\x00b"},
        {"party": ""},
        {"status": ""},
        {"due": ""},
        {"owner": ""},
        {"phase": ""},
    ],
)
def test_a_task_filter_the_page_would_ignore_is_refused(api, engagement, carla, params):
    response = api(carla).get(reverse("api-task-list", args=[engagement.pk]), params)
    assert response.status_code == 400
    assert list(response.json()["errors"]) == list(params)


@pytest.mark.parametrize(
    "params",
    [
        {"sort": "price"},
        {"service": "office"},
        {"at_risk": "maybe"},
        {"phase": "x"},
        {"service": ""},
        {"at_risk": ""},
        {"sort": ""},
        {"phase": ""},
    ],
)
def test_a_portfolio_filter_it_cannot_read_is_refused(api, carla, params):
    response = api(carla).get(reverse("api-portfolio"), params)
    assert response.status_code == 400
    assert list(response.json()["errors"]) == list(params)


def test_an_empty_search_finds_everything(api, engagement, carla):
    client = api(carla)
    for url in (reverse("api-task-list", args=[engagement.pk]), reverse("api-portfolio")):
        everything = client.get(url).json()["results"]
        assert everything and client.get(url, {"q": ""}).json()["results"] == everything


CURSORS = {
    # DRF's: not base64, and an offset that is no number ("o=-x").
    "api-task-list": ["não", "bz0teA=="],
    # The portfolio's: not base64, a bare list, and a place whose values do not compare.
    "api-portfolio": ["não", "WzEsMl0=", "WyJjdXN0b21lciIsIFt7fV1d"],
}


@pytest.mark.parametrize("name", list(CURSORS))
def test_a_cursor_made_by_hand_is_refused(api, engagement, carla, name):
    url = reverse(name, args=[engagement.pk] if name == "api-task-list" else [])
    for cursor in CURSORS[name]:
        response = api(carla).get(url, {"cursor": cursor})
        assert response.status_code == 404
        assert response.json()["detail"]


def test_past_the_rate_each_user_gets_a_429_whatever_token_they_send(
    api, engagement, carla, miguel, settings
):
    settings.API_THROTTLE_RATE = "3/minute"
    url = reverse("api-engagement-list")
    first, second = api(carla), api(carla)
    for client in (first, first, second):
        assert client.get(url).status_code == 200
    refused = first.get(url)
    assert refused.status_code == 429
    assert refused.json()["detail"].startswith("Solicitações demais: tente de novo em ")
    assert int(refused["Retry-After"]) > 0
    assert second.get(url).status_code == 429  # a new token does not start a new count
    assert api(miguel).get(url).status_code == 200  # another user has their own
    events = ActivityEvent.objects.count()
    task = engagement.tasks.filter(party="customer", phase__isnull=False).first()
    assert first.patch(task_url(engagement, task), {"note": "x"}, "json").status_code == 429
    assert ActivityEvent.objects.count() == events and not Task.objects.get(pk=task.pk).note


@pytest.fixture
def three_failures_a_minute(settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"failed-authentication": "3/minute"},
    }


@pytest.mark.usefixtures("three_failures_a_minute")
def test_past_the_rate_of_failed_authentications_an_address_s_bad_tokens_get_a_429(api, carla):
    url = reverse("api-engagement-list")
    good, bad = api(carla), api()
    bad.credentials(HTTP_AUTHORIZATION="Bearer ftp_guessed")
    for _ in range(3):
        assert good.get(url, REMOTE_ADDR="192.0.2.1").status_code == 200  # successes count not
        assert bad.get(url, REMOTE_ADDR="192.0.2.1").status_code == 401
    refused = bad.get(url, REMOTE_ADDR="192.0.2.1")
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
    # One broken script behind a shared address must not lock out everyone else's good tokens.
    assert good.get(url, REMOTE_ADDR="192.0.2.1").status_code == 200
    assert bad.get(url, REMOTE_ADDR="192.0.2.1").status_code == 429
    assert bad.get(url, REMOTE_ADDR="192.0.2.2").status_code == 401


class ForgetfulCache(LocMemCache):
    """A full cache: what is added is evicted before it is read again."""

    def add(self, *args, **kwargs):
        return True


@pytest.mark.usefixtures("three_failures_a_minute")
def test_a_count_the_cache_evicted_starts_anew_instead_of_failing(api, monkeypatch, db):
    monkeypatch.setattr(
        FailedAuthenticationThrottle, "cache", ForgetfulCache("forgetful", params={})
    )
    bad = api()
    bad.credentials(HTTP_AUTHORIZATION="Bearer ftp_guessed")
    assert bad.get(reverse("api-engagement-list")).status_code == 401


@pytest.mark.usefixtures("three_failures_a_minute")
@pytest.mark.django_db(transaction=True)
def test_bad_tokens_sent_at_once_each_count(api):
    """Each request waits, just before looking its token up, until all have come that far: a
    count read before and written after the lookup would see none of the others."""
    sent = 5
    arrived = threading.Barrier(sent, timeout=10)
    statuses = []

    def at_the_lookup(execute, sql, params, many, context):
        if "accesstoken" in sql:
            arrived.wait()
        return execute(sql, params, many, context)

    def send():
        bad = api()
        bad.credentials(HTTP_AUTHORIZATION="Bearer ftp_guessed")
        try:
            with connection.execute_wrapper(at_the_lookup):
                statuses.append(bad.get(reverse("api-engagement-list")).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(sent)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [401, 401, 401, 429, 429]


@pytest.mark.parametrize("name", ["api-task-detail", "api-checkpoint-list"])
def test_a_body_nested_too_deep_is_a_400_in_json(api, engagement, carla, name):
    task = engagement.tasks.filter(party="customer", phase__isnull=False).first()
    args = [engagement.pk, task.pk] if name == "api-task-detail" else [engagement.pk]
    method = "PATCH" if name == "api-task-detail" else "POST"
    before = snapshot(engagement)
    response = api(carla).generic(
        method, reverse(name, args=args), "[" * 5000, content_type="application/json"
    )
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert response.json()["detail"]
    assert snapshot(engagement) == before


@pytest.mark.parametrize("size", ["0", "101", "abc", "-1", "2.5"])
def test_a_page_size_out_of_bounds_is_refused(api, engagement, carla, size):
    for url in (reverse("api-task-list", args=[engagement.pk]), reverse("api-portfolio")):
        response = api(carla).get(url, {"page_size": size})
        assert response.status_code == 400
        assert response.json()["errors"] == {
            "page_size": ["Informe um número inteiro de linhas de 1 a 100."]
        }
