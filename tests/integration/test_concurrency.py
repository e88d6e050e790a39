"""Two managers changing the same task at the same moment, on PostgreSQL, in real threads."""

import threading

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from engagements.audit import engagement_chain_problems
from engagements.models import Task
from responsibilities.models import Party

ROUNDS = 5


def at_once(*requests):
    """Run each (user, url, data) POST in its own thread, released together by a barrier."""
    barrier = threading.Barrier(len(requests))
    statuses = []

    def post(user, url, data):
        client = Client()
        client.force_login(user)
        barrier.wait()
        statuses.append(client.post(url, data).status_code)
        connection.close()

    threads = [threading.Thread(target=post, args=request) for request in requests]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return statuses


@pytest.fixture
def task(postgres_db, engagement):
    return engagement.tasks.filter(party=Party.CUSTOMER).first()


def test_two_notes_at_once_keep_both_events_and_the_last_one_wins(task, carla, miguel):
    url = reverse("task-set-note", args=[task.engagement_id, task.pk])
    for round_number in range(ROUNDS):
        statuses = at_once(
            (carla, url, {"note": f"Carla {round_number}"}),
            (miguel, url, {"note": f"Miguel {round_number}"}),
        )
        assert statuses == [302, 302]
    notes = list(task.events.filter(kind="note_changed").order_by("sequence"))
    assert len(notes) == 2 * ROUNDS
    # No update was lost: each change starts from the note the previous one left.
    for before, after in zip(notes, notes[1:], strict=False):
        assert after.changes["old"] == before.changes["new"]
    assert Task.objects.get(pk=task.pk).note == notes[-1].changes["new"]
    task.engagement.refresh_from_db()
    assert engagement_chain_problems(task.engagement) == []


def test_a_tick_and_a_due_date_at_once_both_stick(task, carla, miguel):
    done_url = reverse("task-set-done", args=[task.engagement_id, task.pk])
    due_url = reverse("task-set-due-date", args=[task.engagement_id, task.pk])
    for round_number in range(ROUNDS):
        due = f"2026-12-{10 + round_number}"
        at_once(
            (carla, done_url, {"done": str((round_number + 1) % 2)}),
            (miguel, due_url, {"due_date": due}),
        )
        stored = Task.objects.get(pk=task.pk)
        assert stored.done == bool((round_number + 1) % 2)
        assert stored.due_date.isoformat() == due
    assert task.events.filter(kind__in=["task_done", "task_reopened"]).count() == ROUNDS
    assert task.events.filter(kind="due_date_changed").count() == ROUNDS
    task.engagement.refresh_from_db()
    assert engagement_chain_problems(task.engagement) == []
