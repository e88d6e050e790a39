"""The README's rules table, row by row, through the API: each role with a read-write token.

The same world and snapshot as tests/test_rules.py: a refusal (and a read) must change no row
of any table an action could touch; an allowed write must add its event. The API has no rule
of its own, so every cell must match the pages'.
"""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import TokenAccess
from engagements.models import ActivityEvent, Task

from ..factories import make_checkpoint
from ..shared import shared_rows
from ..test_rules import FORBIDDEN, NOT_FOUND, OK, ROLES, build_world, snapshot
from .conftest import make_token


def build_api_world():
    """The pages' rules world, with a meeting ahead that managers may change or cancel."""
    pages_world = build_world()
    carla = pages_world["users"]["customer manager"]
    checkpoint = make_checkpoint(
        pages_world["engagement"],
        carla,
        starts_at=timezone.now() + datetime.timedelta(days=5),
        attendees=[carla],
    )
    return {**pages_world, "checkpoint": checkpoint}


api_world = shared_rows("api_world", build_api_world)


def url(name, world, *extra):
    return reverse(name, args=[world["engagement"].pk, *extra])


def read(name):
    def act(client, world):
        return client.get(url(name, world))

    return act


def listed_in(name):
    """Whether the list names the engagement: 200 if it does, 404 if not."""

    def act(client, world):
        response = client.get(reverse(name))
        ids = {row["id"] for row in response.json()["results"]}
        response.status_code = 200 if world["engagement"].pk in ids else 404
        return response

    return act


def change_task(task_key, change):
    def act(client, world):
        task = world[task_key]
        values = change(world) if callable(change) else change
        return client.patch(url("api-task-detail", world, task.pk), values, format="json")

    return act


def schedule_checkpoint(client, world):
    start = timezone.now() + datetime.timedelta(days=3)
    return client.post(
        url("api-checkpoint-list", world),
        {
            "title": "Chamada",
            "kind": "checkpoint_call",
            "phase": "avaliar",
            "starts_at": start.isoformat(),
        },
        format="json",
    )


def change_checkpoint(client, world):
    checkpoint = world["checkpoint"]
    return client.patch(
        url("api-checkpoint-detail", world, checkpoint.pk), {"title": "Revisão"}, format="json"
    )


def cancel_checkpoint(client, world):
    return client.post(url("api-checkpoint-cancel", world, world["checkpoint"].pk))


READERS = [OK, OK, OK, OK, OK, NOT_FOUND]
MANAGERS = [OK, OK, FORBIDDEN, FORBIDDEN, FORBIDDEN, NOT_FOUND]
CUSTOMER_MANAGER = [OK, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, NOT_FOUND]
MICROSOFT_MANAGER = [FORBIDDEN, OK, FORBIDDEN, FORBIDDEN, FORBIDDEN, NOT_FOUND]

# action: (request, events an allowed one writes, expected outcome per role in ROLES order)
RULES = {
    "read the tasks": (read("api-task-list"), 0, READERS),
    "read the engagement and its status": (read("api-engagement-detail"), 0, READERS),
    "read the members": (read("api-member-list"), 0, READERS),
    "read the audit trail": (read("api-event-list"), 0, READERS),
    "read the checkpoints": (read("api-checkpoint-list"), 0, READERS),
    "see it in the portfolio": (listed_in("api-portfolio"), 0, READERS),
    "see it in the engagement list": (listed_in("api-engagement-list"), 0, READERS),
    "tick a customer task": (change_task("customer_task", {"done": True}), 1, CUSTOMER_MANAGER),
    "tick a Microsoft task": (change_task("microsoft_task", {"done": True}), 1, MICROSOFT_MANAGER),
    "give a customer task an owner": (
        change_task("customer_task", lambda world: {"owner": world["colleague"].user_id}),
        1,
        CUSTOMER_MANAGER,
    ),
    "give a Microsoft task an owner": (
        change_task(
            "microsoft_task", lambda world: {"owner": world["users"]["microsoft manager"].pk}
        ),
        1,
        MICROSOFT_MANAGER,
    ),
    "note on the other party's task": (
        change_task("microsoft_task", {"note": "Verificado"}),
        1,
        MANAGERS,
    ),
    "set a due date on any task": (
        change_task("microsoft_task", {"due_date": "2026-12-20"}),
        1,
        MANAGERS,
    ),
    "schedule a checkpoint": (schedule_checkpoint, 1, MANAGERS),
    "change a checkpoint": (change_checkpoint, 1, MANAGERS),
    "cancel a checkpoint": (cancel_checkpoint, 1, MANAGERS),
}
WRITES = [action for action, (_act, writes, _outcomes) in RULES.items() if writes]


def token_client(user, access=TokenAccess.READ_WRITE) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {make_token(user, access)}")
    return client


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", list(RULES))
def test_the_rules_table_through_the_api(api_world, action, role):
    act, writes, outcomes = RULES[action]
    expected = outcomes[ROLES.index(role)]
    engagement = api_world["engagement"]
    client = token_client(api_world["users"][role])
    before = snapshot(engagement)
    events_before = ActivityEvent.objects.filter(engagement=engagement).count()
    response = act(client, api_world)
    if expected == OK:
        assert response.status_code in (200, 201), (response.status_code, response.json())
        events = ActivityEvent.objects.filter(engagement=engagement).count()
        assert events == events_before + writes
    else:
        assert response.status_code == expected, response.status_code
        if "results" not in response.json():  # a refusal, not a list that leaves it out
            assert response.json()["detail"]
    if expected != OK or not writes:
        after = snapshot(engagement)
        for table in before:
            assert after[table] == before[table], f"{action} by {role} changed {table}"


@pytest.mark.parametrize("action", WRITES)
def test_a_read_only_token_writes_nothing(api_world, action):
    """Even for a manager, whose read-write token may make every one of these changes."""
    act, _writes, outcomes = RULES[action]
    role = ROLES[outcomes.index(OK)]
    engagement = api_world["engagement"]
    client = token_client(api_world["users"][role], TokenAccess.READ)
    before = snapshot(engagement)
    response = act(client, api_world)
    assert response.status_code == 403
    assert "read-only" in response.json()["detail"] or "leitura" in response.json()["detail"]
    assert snapshot(engagement) == before


def test_the_browser_session_reads_and_writes_with_its_csrf_token(api_world):
    engagement, carla = api_world["engagement"], api_world["users"]["customer manager"]
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(carla)
    assert client.get(url("api-task-list", api_world)).status_code == 200
    task = api_world["customer_task"]
    before = snapshot(engagement)
    refused = client.patch(url("api-task-detail", api_world, task.pk), {"note": "x"}, "json")
    assert refused.status_code == 403  # no CSRF token: a page elsewhere cannot write as Carla
    assert snapshot(engagement) == before
    client.get(reverse("profile"))  # the page sets the CSRF cookie
    token = client.cookies["csrftoken"].value
    allowed = client.patch(
        url("api-task-detail", api_world, task.pk), {"note": "x"}, "json", HTTP_X_CSRFTOKEN=token
    )
    assert allowed.status_code == 200
    assert Task.objects.get(pk=task.pk).note == "x"
