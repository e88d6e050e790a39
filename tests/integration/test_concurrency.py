"""Managers changing tasks at the same moment, on PostgreSQL, in real threads.

Two row locks keep concurrent writes apart: the task's (`_locked` in services/tasks.py), so two
changes of one task see each other's result, and the engagement's (in journal.event_record), so
two events never take the same place in the chain. Each has a test here that fails without it,
as do the gate's locks (services/gates.py). A change of several tasks locks them all first, by
primary key, then the engagement, as a change of one task does, so the two never deadlock.
"""

import threading
from datetime import timedelta
from functools import partial

import pytest
from django.db import connection, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from engagements.audit import engagement_chain_problems
from engagements.gates.evidence import comment_add
from engagements.gates.services import gate_reopen, gate_sign
from engagements.models import Checkpoint, Engagement, GateSignOff, Membership, Role, Task
from engagements.services.members import member_remove
from engagements.services.tasks import (
    task_set_done,
    task_set_due_date,
    task_set_note,
    task_set_owner,
    tasks_bulk_change,
)
from responsibilities.models import Party, Phase

from ..factories import acknowledge_general, change_checkpoint, make_checkpoint
from .conftest import wait_for

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


class Change(threading.Thread):
    """A service call in a thread of its own, on a database connection of its own."""

    def __init__(self, call, barrier=None):
        super().__init__()
        self.call, self.barrier, self.outcome = call, barrier, None

    def run(self):
        if self.barrier:
            self.barrier.wait()
        try:
            self.outcome = self.call()
        except Exception as error:  # e.g. a deadlock: the test judges it, not the thread
            self.outcome = error
        finally:
            connection.close()

    def finish(self):
        """What the call returned, or the error it raised."""
        # A lock wait that never ends fails the test instead of hanging the suite.
        self.join(timeout=30)
        assert not self.is_alive(), "a change still waits for a lock after 30 s"
        return self.outcome


def services_at_once(*calls) -> list:
    """Run the calls in threads released together; what each returned or raised."""
    barrier = threading.Barrier(len(calls))
    changes = [Change(call, barrier) for call in calls]
    for change in changes:
        change.start()
    return [change.finish() for change in changes]


def lock_waiters() -> int:
    """How many connections to the test database are waiting for a lock."""
    with connection.cursor() as cursor:
        # Within a transaction PostgreSQL reads its activity view once, unless told again.
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity"
            " WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0]


def start_until_it_waits(call, *, waiters: int) -> Change:
    """Start the call and return once it waits for a lock, `waiters` connections in all."""
    change = Change(call)
    change.start()
    wait_for(lambda: lock_waiters() == waiters, timeout=10, what=f"{waiters} lock waits")
    return change


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
        due = (timezone.localdate() + timedelta(days=10 + round_number)).isoformat()
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


def test_notes_due_dates_and_comments_on_different_tasks_at_once_each_take_their_own_place(
    engagement, postgres_db, carla, miguel
):
    """The engagement lock in journal.event_record alone: these changes lock only their own task
    (a tick locks the engagement besides), so without it two appends read the same head and
    collide on one place in the chain, or fork it."""
    tasks = list(engagement.tasks.filter(phase__isnull=False).order_by("pk")[:6])
    today = timezone.localdate()
    events_before = engagement.events.count()
    for round_number in range(ROUNDS):
        due = today + timedelta(days=10 + round_number)
        outcomes = services_at_once(
            partial(task_set_note, task=tasks[0], user=carla, note=f"Carla {round_number}"),
            partial(task_set_note, task=tasks[1], user=miguel, note=f"Miguel {round_number}"),
            partial(task_set_due_date, task=tasks[2], user=carla, due_date=due),
            partial(task_set_due_date, task=tasks[3], user=miguel, due_date=due),
            partial(comment_add, task=tasks[4], user=carla, body=f"Carla {round_number}"),
            partial(comment_add, task=tasks[5], user=miguel, body=f"Miguel {round_number}"),
        )
        errors = [outcome for outcome in outcomes if isinstance(outcome, Exception)]
        assert errors == []
    events = engagement.events.order_by("sequence")
    assert list(events.values_list("sequence", flat=True)) == list(
        range(1, events_before + 6 * ROUNDS + 1)
    )
    previous_hashes = list(events.values_list("previous_hash", flat=True))
    assert len(set(previous_hashes)) == len(previous_hashes)
    engagement.refresh_from_db()
    assert engagement_chain_problems(engagement) == []


def test_two_managers_of_one_party_signing_at_once_leave_one_sign_off(
    engagement, postgres_db, carla, miguel, ada
):
    """The gate's locks (services/gates.py): without them both managers find no customer
    sign-off, and the second one's write breaks the constraint on active sign-offs."""
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
    for round_number in range(ROUNDS):
        outcomes = services_at_once(
            *[
                partial(gate_sign, engagement=engagement, phase=iniciar, user=manager)
                for manager in (carla, ada)
            ]
        )
        kinds = sorted(type(outcome).__name__ for outcome in outcomes)
        assert kinds == ["GateSignOff", "ValidationError"], outcomes
        # Reopened, so that the next round signs it again.
        gate_reopen(engagement=engagement, phase=iniciar, user=miguel, reason=f"{round_number}")
    assert GateSignOff.objects.filter(gate__engagement=engagement).count() == ROUNDS
    assert engagement.events.filter(kind="gate_signed").count() == ROUNDS
    engagement.refresh_from_db()
    assert engagement_chain_problems(engagement) == []


def test_a_sign_off_and_an_untick_of_the_phase_at_once_never_both_stick(
    engagement, postgres_db, carla, miguel
):
    """The sign-off takes the engagement's lock before it counts the open tasks, as an untick
    does before it looks for a sign-off: without it the sign-off counted the task still done
    while the untick found no sign-off yet, and the phase was signed with an open task."""
    iniciar = Phase.objects.get(code="iniciar")
    managers = {Party.CUSTOMER: carla, Party.MICROSOFT: miguel}
    for task in engagement.tasks.filter(phase=iniciar):
        task_set_done(task=task, user=managers[task.party], done=True)
    acknowledge_general(engagement, carla, miguel)
    task = engagement.tasks.filter(phase=iniciar, party=Party.MICROSOFT).first()
    # Holding the engagement's lock lets the sign-off get as far as it can while the untick,
    # first in the queue, waits.
    with transaction.atomic():
        Engagement.objects.select_for_update().get(pk=engagement.pk)
        untick = start_until_it_waits(
            partial(task_set_done, task=task, user=miguel, done=False), waiters=1
        )
        sign = start_until_it_waits(
            partial(gate_sign, engagement=engagement, phase=iniciar, user=carla), waiters=2
        )
    outcomes = [untick.finish(), sign.finish()]
    kinds = sorted(type(outcome).__name__ for outcome in outcomes)
    assert kinds in (["GateSignOff", "ValidationError"], ["Task", "ValidationError"]), outcomes
    task.refresh_from_db()
    assert task.done == GateSignOff.objects.filter(gate__engagement=engagement).exists()
    engagement.refresh_from_db()
    assert engagement_chain_problems(engagement) == []


def _version_with_a_new_item_and_a_new_wording(ada):
    """Version 2: a new Avaliar item for the customer and a new wording for one that is open."""
    from responsibilities.models import Responsibility
    from responsibilities.publishing import catalogue_publish

    Responsibility.objects.create(
        key="customer-avaliar-07",
        party=Party.CUSTOMER,
        phase=Phase.objects.get(code="avaliar"),
        position=26,
        text_pt="Revise o plano de migração com a Microsoft.",
        text_en="Review the migration plan with Microsoft.",
    )
    Responsibility.objects.filter(key="customer-avaliar-02").update(text_en="Share your screen.")
    return catalogue_publish(note="Avaliar", actor=ada)


def test_two_applies_of_one_version_at_once_give_one_result(
    engagement, postgres_db, carla, miguel, ada
):
    """The tasks' and the engagement's locks: the second apply works its plan out again after
    the first and finds nothing left, so no task is added twice and no event repeats."""
    from engagements.sync.services import version_preview

    version = _version_with_a_new_item_and_a_new_wording(ada)
    preview = version_preview(engagement, version)
    data = {
        "version": version.number,
        "plan": preview.plan.fingerprint,
        "items": [entry.key for entry in preview.plan.actionable],
    }
    url = reverse("engagement-catalogue", args=[engagement.pk])
    assert at_once((carla, url, data), (miguel, url, data)) == [302, 302]
    assert engagement.tasks.filter(responsibility__key="customer-avaliar-07").count() == 1
    kinds = list(engagement.events.values_list("kind", flat=True))
    assert kinds.count("task_added") == kinds.count("task_updated") == 1
    assert kinds.count("catalogue_applied") == 1
    engagement.refresh_from_db()
    assert engagement.catalogue_version == version
    assert engagement_chain_problems(engagement) == []


def test_a_tick_during_an_apply_neither_deadlocks_nor_is_lost(
    engagement, postgres_db, carla, miguel, ada
):
    """An apply locks the tasks before the engagement, as a tick does: the two wait for each
    other instead of deadlocking, and the apply plans around the tick it waited for."""
    from engagements.sync.services import catalogue_apply

    version = _version_with_a_new_item_and_a_new_wording(ada)
    task = engagement.tasks.get(responsibility__key="customer-avaliar-02")
    barrier, outcomes = threading.Barrier(2), []

    def apply():
        barrier.wait()
        try:
            outcomes.append(catalogue_apply(engagement=engagement, version=version, user=miguel))
        except Exception as error:  # reported by the assertion below, not lost in the thread
            outcomes.append(repr(error))
        finally:
            connection.close()

    thread = threading.Thread(target=apply)
    thread.start()
    client = Client()
    client.force_login(carla)
    barrier.wait()
    url = reverse("task-set-done", args=[engagement.pk, task.pk])
    assert client.post(url, {"done": "1"}).status_code == 302
    thread.join()
    assert not isinstance(outcomes[0], str), outcomes[0]
    task.refresh_from_db()
    assert task.done
    # Ticked first, it kept its wording; applied first, it took the new one before the tick.
    kept = engagement.events.filter(kind="task_wording_kept", task=task).exists()
    assert kept == (task.text_en != "Share your screen.")
    engagement.refresh_from_db()
    assert engagement_chain_problems(engagement) == []


def test_a_bulk_change_and_a_change_of_its_last_task_at_once_both_stick(
    engagement, postgres_db, carla, miguel
):
    """A bulk locks all its tasks, by primary key, before the engagement, as a single change
    locks its task before the engagement. A bulk that took each task's lock in its turn, with
    the engagement's already held, deadlocked against a change of one of its later tasks."""
    tasks = list(engagement.tasks.filter(phase__isnull=False).order_by("pk")[:8])
    today = timezone.localdate()
    bulk_due, single_due = today + timedelta(days=30), today + timedelta(days=60)
    # Holding the engagement's lock lines the two up in the order that deadlocked: the bulk
    # first in the queue, then the single change, which by then may hold the last task.
    with transaction.atomic():
        Engagement.objects.select_for_update().get(pk=engagement.pk)
        bulk = start_until_it_waits(
            lambda: tasks_bulk_change(
                tasks=tasks, user=carla, action="due_date", due_date=bulk_due
            ),
            waiters=1,
        )
        single = start_until_it_waits(
            lambda: task_set_due_date(task=tasks[-1], user=miguel, due_date=single_due),
            waiters=2,
        )
    assert bulk.finish() == len(tasks)
    assert isinstance(single.finish(), Task), single.outcome
    due_dates = dict(
        Task.objects.filter(pk__in=[t.pk for t in tasks]).values_list("pk", "due_date")
    )
    assert due_dates == {t.pk: bulk_due for t in tasks[:-1]} | {tasks[-1].pk: single_due}
    engagement.refresh_from_db()
    assert engagement_chain_problems(engagement) == []


def test_removing_a_member_and_a_change_of_their_last_task_at_once_both_stick(
    engagement, postgres_db, carla, miguel
):
    """Removing a member gives their tasks back one by one: it locks them all, by primary key,
    before the engagement, as the bulk change does, or it deadlocks in the same way."""
    tasks = list(engagement.tasks.filter(party=Party.CUSTOMER, phase__isnull=False)[:3])
    for task in tasks:
        task_set_owner(task=task, user=carla, owner=carla)
    due = timezone.localdate() + timedelta(days=30)
    membership = Membership.objects.get(engagement=engagement, user=carla)
    with transaction.atomic():
        Engagement.objects.select_for_update().get(pk=engagement.pk)
        removal = start_until_it_waits(
            lambda: member_remove(membership=membership, removed_by=miguel), waiters=1
        )
        single = start_until_it_waits(
            lambda: task_set_due_date(task=tasks[-1], user=miguel, due_date=due), waiters=2
        )
    assert removal.finish() is None, removal.outcome
    assert isinstance(single.finish(), Task), single.outcome
    assert not Task.objects.filter(pk__in=[t.pk for t in tasks], owner__isnull=False).exists()
    assert Task.objects.get(pk=tasks[-1].pk).due_date == due
    assert not Membership.objects.filter(pk=membership.pk).exists()
    engagement.refresh_from_db()
    assert engagement_chain_problems(engagement) == []


def test_removing_a_member_and_a_change_of_their_next_meeting_at_once_both_stick(
    engagement, postgres_db, carla, miguel
):
    """A meeting's change locks the meeting, then the engagement; removing one of its attendees
    must lock their meetings before the engagement too, or the two wait on each other."""
    task = engagement.tasks.filter(party=Party.CUSTOMER, phase__isnull=False).first()
    task_set_owner(task=task, user=carla, owner=carla)
    checkpoint = make_checkpoint(
        engagement,
        miguel,
        starts_at=timezone.now() + timedelta(days=7),
        attendees=[carla, miguel],
    )
    membership = Membership.objects.get(engagement=engagement, user=carla)
    with transaction.atomic():
        Engagement.objects.select_for_update().get(pk=engagement.pk)
        removal = start_until_it_waits(
            lambda: member_remove(membership=membership, removed_by=miguel), waiters=1
        )
        change = start_until_it_waits(
            lambda: change_checkpoint(
                checkpoint, miguel, title="Revisão", attendees=[miguel]
            ),
            waiters=2,
        )
    assert removal.finish() is None, removal.outcome
    assert isinstance(change.finish(), Checkpoint), change.outcome
    checkpoint.refresh_from_db()
    assert checkpoint.title == "Revisão"
    assert list(checkpoint.attendees.all()) == [miguel]
    assert not Membership.objects.filter(pk=membership.pk).exists()
    engagement.refresh_from_db()
    assert engagement_chain_problems(engagement) == []
