"""What a tick and a change of many tasks cost: a tick in at most 15 queries, a change of
fifty tasks in as many as one of five (one event per task still), with every listener hearing
of it (webhooks, owners' notes, the gate's "ready to sign", the stored status)."""

import datetime
from itertools import pairwise

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from engagements.models import ActivityEvent, EventKind, Task
from engagements.services.tasks import task_set_done, tasks_bulk_change
from notifications.models import Notification, NotificationKind
from responsibilities.models import Party, Phase
from webhooks.models import Webhook, WebhookDelivery

from .factories import add_tasks, make_user

# The change's own statements (task locks, engagement lock, the actor's party, the tasks'
# update, the events' insert, the chain's head twice, the webhooks watching, the phases left
# open, the stored status's phases, tallies, sign-offs, checkpoints and plan and its update: 15;
# 14 before the plan and forecast joined the stored status) and the savepoint a test's
# transaction wraps the service's transaction in (2).
CHANGE_QUERIES = 17


@pytest.fixture
def hook(engagement, carla):
    """A webhook watching the engagement: its deliveries are part of every change's cost."""
    return Webhook.objects.create(
        owner=carla,
        url="https://hooks.example.com/fasttrack",
        secret="a-secret-of-thirty-two-characters",
        engagement=engagement,
    )


def statements(captured) -> int:
    """The queries, an insert SQLite splits at its 999 values per statement counted once
    (PostgreSQL takes the fifty rows in one)."""
    inserts = [q["sql"].split("(", 1)[0] for q in captured.captured_queries]
    return len(inserts) - sum(
        1 for before, now in pairwise(inserts) if now == before and "INSERT" in now
    )


def open_tasks(engagement, count):
    """`count` open phase tasks of Microsoft's, none needing evidence (more are made if the
    catalogue has too few)."""
    add_tasks(engagement, 2 * count + 10)
    tasks = list(
        engagement.tasks.filter(
            party=Party.MICROSOFT, phase__isnull=False, done=False, evidence_required=False
        ).order_by("pk")[:count]
    )
    assert len(tasks) == count
    return tasks


def test_a_tick_costs_at_most_15_queries(engagement, carla, django_assert_num_queries):
    task = engagement.tasks.filter(
        party=Party.CUSTOMER, phase__isnull=False, evidence_required=False
    ).first()
    with django_assert_num_queries(CHANGE_QUERIES):
        task_set_done(task=task, user=carla, done=True)
    assert CHANGE_QUERIES - 2 <= 15
    # Unticking reads the phase's sign-offs instead of asking which phases stay open.
    with django_assert_num_queries(CHANGE_QUERIES):
        task_set_done(task=task, user=carla, done=False)


def test_a_tick_with_a_webhook_costs_one_query_more(
    engagement, carla, hook, django_assert_num_queries
):
    task = engagement.tasks.filter(
        party=Party.CUSTOMER, phase__isnull=False, evidence_required=False
    ).first()
    # the engagement's customer for the body, the deliveries' insert
    with django_assert_num_queries(CHANGE_QUERIES + 2):
        task_set_done(task=task, user=carla, done=True)
    assert WebhookDelivery.objects.filter(webhook=hook).count() == 1


@pytest.mark.parametrize(
    "action, fields",
    [("done", {}), ("due_date", {"due_date": "in ten days"}), ("owner", {"owner": "mateus"})],
)
def test_a_bulk_change_of_50_tasks_costs_what_one_of_5_does(
    engagement, miguel, hook, action, fields, django_assert_num_queries
):
    if "due_date" in fields:
        fields = {"due_date": timezone.localdate() + datetime.timedelta(days=10)}
    if "owner" in fields:
        fields = {"owner": make_user(fields["owner"])}
        engagement.memberships.create(user=fields["owner"], party=Party.MICROSOFT)
    counts = {}
    for size in (5, 50):
        tasks = open_tasks(engagement, size) if size == 5 else open_tasks(engagement, 55)[5:]
        with CaptureQueriesContext(connection) as change:
            tasks_bulk_change(tasks=tasks, user=miguel, action=action, **fields)
        counts[size] = statements(change)
        events = ActivityEvent.objects.filter(task__in=tasks)
        assert events.count() == size  # one event per task
        assert WebhookDelivery.objects.filter(event__in=events).count() == (
            size if action in ("done", "owner") else 0
        )
    assert counts[5] == counts[50]
    if action == "owner":
        notes = Notification.objects.filter(kind=NotificationKind.TASK_ASSIGNED)
        assert notes.count() == 55


def test_the_tick_that_finishes_a_phase_asks_for_sign_off_once(engagement, miguel):
    """Bulk-ticking a phase's last open tasks owes one "ready to sign" per manager, on the
    event of the phase's last task in the change, as ticking them one by one would."""
    phase = Phase.objects.get(code="corrigir")
    left = list(engagement.tasks.filter(phase=phase, done=False).order_by("pk"))
    Task.objects.filter(pk__in=[t.pk for t in left], party=Party.CUSTOMER).update(done=True)
    mine = [t for t in left if t.party == Party.MICROSOFT]
    Task.objects.filter(pk__in=[t.pk for t in mine]).update(evidence_required=False)
    assert len(mine) >= 2
    tasks_bulk_change(tasks=mine, user=miguel, action="done")
    ready = Notification.objects.filter(kind=NotificationKind.GATE_READY)
    assert ready.exists()
    assert {note.event.task_id for note in ready} == {max(t.pk for t in mine)}
    assert ready.count() == engagement.memberships.filter(role="manager").count()


def test_a_bulk_tick_over_http_costs_the_same_at_5_and_50_tasks(
    client, engagement, miguel, django_assert_num_queries
):
    client.force_login(miguel)
    url = reverse("tasks-bulk", args=[engagement.pk])
    counts = {}
    for size in (5, 50):
        tasks = open_tasks(engagement, size) if size == 5 else open_tasks(engagement, 55)[5:]
        with CaptureQueriesContext(connection) as request:
            response = client.post(url, {"action": "done", "tasks": [t.pk for t in tasks]})
        assert response.status_code == 302
        counts[size] = statements(request)
        assert ActivityEvent.objects.filter(kind=EventKind.TASK_DONE, task__in=tasks).count() == (
            size
        )
    assert counts[5] == counts[50]
