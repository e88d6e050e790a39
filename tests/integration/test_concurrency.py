"""Managers changing tasks at the same moment, on PostgreSQL, in real threads.

Two row locks keep concurrent writes apart: the task's (`_locked` in services/tasks.py), so two
changes of one task see each other's result, and the engagement's (in audit.event_record), so
two events never take the same place in the chain. Each has a test here that fails without it.
"""

import threading

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from engagements.audit import engagement_chain_problems
from engagements.models import GateSignOff, Membership, Role, Task
from engagements.services.tasks import task_set_done
from responsibilities.models import Party, Phase

from ..factories import acknowledge_general

ROUNDS = 5


def at_once(*requests):
    """Run each (user, url, data) POST in its own thread, released together by a barrier."""
    barrier = threading.Barrier(len(requests))
    statuses = []

    def post(user, url, data):
        client = Client()
        client.force_login(user)
        barrier.wait()
        try:
            statuses.append(client.post(url, data).status_code)
        except Exception as error:  # e.g. an IntegrityError: the test reports it, not the thread
            statuses.append(repr(error))
        finally:
            connection.close()

    threads = [threading.Thread(target=post, args=request) for request in requests]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return statuses


@pytest.fixture
def task(postgres_db, engagement):
    return engagement.tasks.filter(party=Party.CUSTOMER, phase__isnull=False).first()


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


def test_the_same_tick_sent_at_once_changes_the_task_once(task, carla):
    """The task lock: without it each request reads the task still open and logs its own tick."""
    url = reverse("task-set-done", args=[task.engagement_id, task.pk])
    for round_number in range(ROUNDS):
        wanted = str((round_number + 1) % 2)
        statuses = at_once(*[(carla, url, {"done": wanted})] * 4)
        assert statuses == [302] * 4
        assert Task.objects.get(pk=task.pk).done == bool(int(wanted))
    changes = task.events.filter(kind__in=["task_done", "task_reopened"]).order_by("sequence")
    assert [event.kind for event in changes] == ["task_done", "task_reopened"] * 2 + ["task_done"]
    task.engagement.refresh_from_db()
    assert engagement_chain_problems(task.engagement) == []


def test_ticks_of_different_tasks_at_once_each_take_their_own_place_in_the_chain(
    engagement, postgres_db, carla, miguel
):
    """The engagement lock: without it two appends read the same head and collide."""
    # Tasks that need evidence would be refused done without it, and general responsibilities
    # are never ticked: tick the others.
    tickable = engagement.tasks.filter(evidence_required=False, phase__isnull=False).order_by(
        "position"
    )
    customer = list(tickable.filter(party=Party.CUSTOMER)[:12])
    microsoft = list(tickable.filter(party=Party.MICROSOFT)[:12])
    length_before = engagement.events.count()
    for round_number in range(3):
        batch = slice(4 * round_number, 4 * round_number + 4)
        requests = [
            (user, reverse("task-set-done", args=[engagement.pk, t.pk]), {"done": "1"})
            for user, tasks in ((carla, customer), (miguel, microsoft))
            for t in tasks[batch]
        ]
        assert at_once(*requests) == [302] * len(requests)
    assert Task.objects.filter(pk__in=[t.pk for t in customer + microsoft], done=True).count() == 24
    sequences = list(engagement.events.order_by("sequence").values_list("sequence", flat=True))
    assert sequences == list(range(1, length_before + 24 + 1))
    engagement.refresh_from_db()
    assert engagement.audit_length == length_before + 24
    assert engagement_chain_problems(engagement) == []


def test_two_managers_of_one_party_signing_at_once_leave_one_sign_off(
    engagement, postgres_db, carla, miguel, ada
):
    """The gate lock and the constraint on active sign-offs: without them both requests find
    no customer sign-off and each writes one."""
    iniciar = Phase.objects.get(code="iniciar")
    Membership.objects.create(
        engagement=engagement, user=ada, party=Party.CUSTOMER, role=Role.MANAGER
    )
    managers = {Party.CUSTOMER: carla, Party.MICROSOFT: miguel}
    for task in engagement.tasks.filter(phase=iniciar):
        task_set_done(task=task, user=managers[task.party], done=True)
    # The first phase's sign-off waits for each party's acknowledgement of its general
    # responsibilities.
    acknowledge_general(engagement, carla, miguel)
    url = reverse("gate-sign", args=[engagement.pk, "iniciar"])
    statuses = at_once(
        (carla, url, {"party": "customer", "comment": "Carla"}),
        (ada, url, {"party": "customer", "comment": "Ada"}),
    )
    assert statuses == [302, 302]
    sign_offs = GateSignOff.objects.filter(gate__engagement=engagement)
    assert sign_offs.count() == 1
    assert engagement.events.filter(kind="gate_signed").count() == 1
    engagement.refresh_from_db()
    assert engagement_chain_problems(engagement) == []
