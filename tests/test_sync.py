"""Bringing a newer catalogue version into a running engagement: the preview is what the apply
does, done tasks keep their tick, wording and evidence, and applying twice changes nothing."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import DatabaseError
from django.utils import timezone, translation

from engagements.activity.text import event_change_text
from engagements.audit import engagement_chain_problems
from engagements.gates.evidence import evidence_add_link
from engagements.gates.services import gate_sign
from engagements.meetings.selectors import checkpoint_agenda
from engagements.models import ActivityEvent, EventKind, Task
from engagements.selectors.tasks import engagement_due_tasks, user_due_tasks
from engagements.services.members import member_remove
from engagements.services.tasks import (
    task_set_done,
    task_set_due_date,
    task_set_note,
    task_set_owner,
)
from engagements.status.selectors import engagement_progress, engagement_statuses
from engagements.sync import services as sync
from engagements.sync.jobs import catalogue_apply_job_run, catalogue_apply_job_start
from engagements.sync.planner import Effect
from engagements.sync.services import (
    PlanChanged,
    catalogue_apply,
    version_preview,
)
from engagements.verify.checks import engagement_state_problems
from notifications.daily import queue_task_due_notes
from notifications.models import Notification
from responsibilities.diff import ChangeKind
from responsibilities.models import CatalogueVersion, Phase, Responsibility
from responsibilities.publishing import catalogue_publish
from responsibilities.services import responsibility_save

from .factories import make_checkpoint, make_engagement, tick_with_evidence

NEW_KEY = "customer-avaliar-07"


def edit(key, **fields):
    Responsibility.objects.filter(key=key).update(**fields)


def add_item(key=NEW_KEY, **fields):
    values = {
        "key": key,
        "party": "customer",
        "phase": Phase.objects.get(code="avaliar"),
        "position": 26,
        "text_pt": "Revise o plano de migração com a Microsoft.",
        "text_en": "Review the migration plan with Microsoft.",
    }
    return responsibility_save(item=Responsibility(**{**values, **fields}), actor=None)


def task_of(engagement, key):
    return Task.objects.get(engagement=engagement, responsibility__key=key)


def effects(preview):
    return {entry.key: entry.effect for entry in preview.plan.entries}


def events_since(engagement, sequence):
    return list(engagement.events.filter(sequence__gt=sequence).order_by("sequence"))


def assert_trail_clean(engagement):
    engagement.refresh_from_db()
    assert engagement_chain_problems(engagement) == []
    assert engagement_state_problems(engagement) == []


@pytest.fixture
def version_2(engagement, carla, miguel, ada):
    """Version 2 against the Fabrikam engagement (MDM in scope, not MAM): a new item, a new
    wording for an open task and for a done one, a retired item with an open task, one moved
    to Corrigir, and a MAM-only item that does not apply."""
    done = task_of(engagement, "customer-avaliar-01")
    evidence_add_link(task=done, user=carla, url="https://docs.example.com/participantes")
    task_set_done(task=done, user=carla, done=True)
    task_set_note(task=done, user=carla, note="Lista enviada")
    add_item()
    add_item("customer-avaliar-08", condition="mam", position=27)
    edit("customer-avaliar-01", text_pt="Nomeie os participantes e o gerente de projeto.")
    edit("customer-avaliar-02", text_en="Share your screen with Microsoft when it helps.")
    edit("microsoft-avaliar-01", is_active=False)
    edit("customer-avaliar-06", phase=Phase.objects.get(code="corrigir"), position=31)
    return catalogue_publish(note="Avaliar revisto", actor=ada)


def test_the_preview_tells_each_change_and_what_it_does_here(engagement, version_2):
    preview = version_preview(engagement, version_2)
    assert effects(preview) == {
        NEW_KEY: Effect.ADD,
        "customer-avaliar-08": Effect.NOTHING,  # MAM is not in scope
        "customer-avaliar-01": Effect.KEEP,  # done: keeps its wording
        "customer-avaliar-02": Effect.UPDATE,
        "microsoft-avaliar-01": Effect.WITHDRAW,
        "customer-avaliar-06": Effect.UPDATE,
    }
    entries = {entry.key: entry for entry in preview.plan.entries}
    assert entries["customer-avaliar-06"].moved and not entries["customer-avaliar-06"].reworded
    assert entries["customer-avaliar-02"].reworded == ["text_en"]
    assert entries["microsoft-avaliar-01"].kinds == [ChangeKind.RETIRED]
    assert preview.plan.counts() == {
        Effect.ADD: 1,
        Effect.RESTORE: 0,
        Effect.UPDATE: 2,
        Effect.KEEP: 1,
        Effect.WITHDRAW: 1,
    }


def test_the_apply_does_what_the_preview_said_one_event_per_task(engagement, version_2, carla):
    preview = version_preview(engagement, version_2)
    engagement.refresh_from_db()
    before = engagement.audit_length
    result = catalogue_apply(
        engagement=engagement, version=version_2, user=carla, expected=preview.plan.fingerprint
    )
    assert result.changed == 5 and result.not_applied == []
    events = events_since(engagement, before)
    expected_kinds = {
        Effect.ADD: EventKind.TASK_ADDED,
        Effect.UPDATE: EventKind.TASK_UPDATED,
        Effect.KEEP: EventKind.TASK_WORDING_KEPT,
        Effect.WITHDRAW: EventKind.TASK_WITHDRAWN,
    }
    per_task = {event.changes["item"]: event.kind for event in events[:-1]}
    assert per_task == {
        entry.key: expected_kinds[entry.effect] for entry in preview.plan.actionable
    }
    assert events[-1].kind == EventKind.CATALOGUE_APPLIED
    assert events[-1].changes == {"from": 1, "to": 2, "tasks": 5, "not_applied": []}
    engagement.refresh_from_db()
    assert engagement.catalogue_version == version_2
    # Nothing is left to do: the plan against the tasks as they now stand is empty of changes.
    assert version_preview(engagement, version_2).plan.actionable == []
    assert_trail_clean(engagement)


def test_what_each_change_did_to_the_tasks(engagement, version_2, carla):
    catalogue_apply(engagement=engagement, version=version_2, user=carla)
    added = task_of(engagement, NEW_KEY)
    assert (added.phase.code, added.done, added.item_version.versions.get()) == (
        "avaliar",
        False,
        version_2,
    )
    # In its catalogue place: after the item before it, among the customer's Avaliar tasks.
    avaliar = list(
        engagement.tasks.filter(phase__code="avaliar", party="customer").order_by("position")
    )
    assert avaliar[-1] == added
    assert task_of(engagement, "customer-avaliar-02").text_en == (
        "Share your screen with Microsoft when it helps."
    )
    moved = task_of(engagement, "customer-avaliar-06")
    assert moved.phase.code == "corrigir"
    withdrawn = task_of(engagement, "microsoft-avaliar-01")
    assert withdrawn.is_withdrawn and not withdrawn.done
    assert not engagement.tasks.filter(responsibility__key="customer-avaliar-08").exists()


def test_a_done_task_keeps_its_tick_wording_evidence_and_note(engagement, version_2, carla):
    before = task_of(engagement, "customer-avaliar-01")
    catalogue_apply(engagement=engagement, version=version_2, user=carla)
    after = task_of(engagement, "customer-avaliar-01")
    assert (after.done, after.done_by, after.done_at) == (True, carla, before.done_at)
    assert after.text_pt == before.text_pt != after.newer_wording.text_pt
    assert after.newer_wording.text_pt == "Nomeie os participantes e o gerente de projeto."
    assert after.item_version == before.item_version
    assert after.evidence.count() == 1 and after.note == "Lista enviada"


def test_applying_twice_changes_nothing_the_second_time(engagement, version_2, carla):
    catalogue_apply(engagement=engagement, version=version_2, user=carla)
    tasks = list(Task.objects.filter(engagement=engagement).order_by("pk").values())
    length = engagement.events.count()
    result = catalogue_apply(engagement=engagement, version=version_2, user=carla)
    assert result.changed == 0
    assert engagement.events.count() == length
    assert list(Task.objects.filter(engagement=engagement).order_by("pk").values()) == tasks


def test_a_withdrawn_task_leaves_the_counts_but_keeps_its_history(engagement, version_2, miguel):
    withdrawn = task_of(engagement, "microsoft-avaliar-01")
    task_set_due_date(task=withdrawn, user=miguel, due_date=timezone.localdate())
    total = engagement_progress(engagement, timezone.now()).overall.total
    catalogue_apply(engagement=engagement, version=version_2, user=miguel)
    progress = engagement_progress(engagement, timezone.now())
    assert progress.overall.total == total + 1 - 1  # one added, one withdrawn
    withdrawn.refresh_from_db()
    assert withdrawn.due_date == timezone.localdate()
    with translation.override("en"), pytest.raises(ValidationError, match="withdrawn"):
        task_set_done(task=withdrawn, user=miguel, done=True)
    assert withdrawn.events.filter(kind=EventKind.DUE_DATE_CHANGED).exists()


@pytest.mark.parametrize(
    "change",
    [
        lambda task, user: task_set_note(task=task, user=user, note="Ainda relevante?"),
        lambda task, user: task_set_due_date(task=task, user=user, due_date=None),
        lambda task, user: task_set_due_date(
            task=task, user=user, due_date=timezone.localdate() + datetime.timedelta(days=3)
        ),
        lambda task, user: task_set_owner(task=task, user=user, owner=user),
        lambda task, user: evidence_add_link(
            task=task, user=user, url="https://docs.example.com/retirada"
        ),
    ],
    ids=["note", "due-date-cleared", "due-date-moved", "owner-given", "evidence"],
)
def test_a_withdrawn_task_refuses_every_change_and_keeps_what_it_had(
    change, engagement, version_2, miguel
):
    withdrawn = task_of(engagement, "microsoft-avaliar-01")
    task_set_due_date(task=withdrawn, user=miguel, due_date=timezone.localdate())
    catalogue_apply(engagement=engagement, version=version_2, user=miguel)
    before = Task.objects.filter(pk=withdrawn.pk).values().get()
    length = engagement.events.count()

    with translation.override("en"), pytest.raises(ValidationError, match="can no longer be"):
        change(Task.objects.get(pk=withdrawn.pk), miguel)

    assert Task.objects.filter(pk=withdrawn.pk).values().get() == before
    assert engagement.events.count() == length
    assert not withdrawn.evidence.exists()


def test_removing_the_owner_of_a_withdrawn_task_leaves_it_with_none(
    engagement, version_2, miguel, carla
):
    withdrawn = task_of(engagement, "microsoft-avaliar-01")
    task_set_owner(task=withdrawn, user=miguel, owner=miguel)
    catalogue_apply(engagement=engagement, version=version_2, user=miguel)

    member_remove(membership=miguel.memberships.get(engagement=engagement), removed_by=carla)

    assert Task.objects.get(pk=withdrawn.pk).owner is None
    released = withdrawn.events.filter(kind=EventKind.OWNER_CHANGED).latest("sequence")
    assert (released.changes["new"], released.actor) == (None, carla)


def test_a_task_brought_back_takes_changes_again(engagement, version_2, miguel, ada):
    withdrawn = task_of(engagement, "microsoft-avaliar-01")
    catalogue_apply(engagement=engagement, version=version_2, user=miguel)
    edit("microsoft-avaliar-01", is_active=True)
    version_3 = catalogue_publish(note="Volta", actor=ada)
    catalogue_apply(engagement=engagement, version=version_3, user=miguel)
    restored = Task.objects.get(pk=withdrawn.pk)
    assert not restored.is_withdrawn
    task_set_note(task=restored, user=miguel, note="De volta")
    assert Task.objects.get(pk=withdrawn.pk).note == "De volta"


def test_some_changes_chosen_the_rest_stays_offered(engagement, version_2, carla):
    result = catalogue_apply(
        engagement=engagement, version=version_2, user=carla, keys={"customer-avaliar-02"}
    )
    assert result.changed == 1
    engagement.refresh_from_db()
    assert sorted(result.not_applied) == sorted(
        [NEW_KEY, "customer-avaliar-01", "microsoft-avaliar-01", "customer-avaliar-06"]
    )
    offered = effects(version_preview(engagement, version_2))
    assert "customer-avaliar-02" not in offered
    assert offered[NEW_KEY] == Effect.ADD
    assert_trail_clean(engagement)


def test_a_new_sub_item_brings_its_new_parent(engagement, carla, ada):
    parent = add_item("customer-avaliar-07")
    add_item("customer-avaliar-07-a", parent=parent, position=27, text_pt="Sub", text_en="Sub")
    version = catalogue_publish(note="Com subitem", actor=ada)
    catalogue_apply(
        engagement=engagement, version=version, user=carla, keys={"customer-avaliar-07-a"}
    )
    child = task_of(engagement, "customer-avaliar-07-a")
    assert child.parent == task_of(engagement, "customer-avaliar-07")
    assert child.depth == 2
    assert_trail_clean(engagement)


def test_an_item_moved_under_another_takes_its_depth_and_back(engagement, carla, ada):
    edit("customer-avaliar-02", parent=Responsibility.objects.get(key="customer-avaliar-01"))
    version = catalogue_publish(note="Subitem", actor=ada)
    catalogue_apply(engagement=engagement, version=version, user=carla)
    moved = task_of(engagement, "customer-avaliar-02")
    assert (moved.parent, moved.depth) == (task_of(engagement, "customer-avaliar-01"), 2)
    edit("customer-avaliar-02", parent=None)
    version = catalogue_publish(note="De volta ao topo", actor=ada)
    catalogue_apply(engagement=engagement, version=version, user=carla)
    moved.refresh_from_db()
    assert (moved.parent, moved.depth) == (None, 1)
    assert_trail_clean(engagement)


def test_an_item_moved_up_under_another_comes_right_after_it_one_deeper(engagement, carla, ada):
    parent = task_of(engagement, "customer-avaliar-01")
    moved = task_of(engagement, "customer-avaliar-06")
    assert moved.position > parent.position + 1 and moved.depth == parent.depth
    above = Responsibility.objects.get(key="customer-avaliar-01")
    # Its place in the catalogue too: items are ordered by position, not under their parent.
    edit("customer-avaliar-06", parent=above, position=above.position)
    version = catalogue_publish(note="Subitem mais acima", actor=ada)
    catalogue_apply(engagement=engagement, version=version, user=carla)
    tasks = list(engagement.tasks.order_by("position"))
    assert [task.position for task in tasks] == list(range(1, len(tasks) + 1))
    moved.refresh_from_db()
    assert (moved.parent_id, moved.position, moved.depth) == (
        parent.pk,
        parent.position + 1,
        parent.depth + 1,
    )
    assert_trail_clean(engagement)


def test_a_change_to_a_signed_phase_waits_and_says_so(engagement, carla, miguel, ada):
    for task in engagement.tasks.filter(phase__code="avaliar"):
        tick_with_evidence(task, carla if task.party == "customer" else miguel)
    avaliar = Phase.objects.get(code="avaliar")
    gate_sign(engagement=engagement, phase=avaliar, user=carla)
    add_item()
    edit("customer-avaliar-02", text_en="Share your screen with Microsoft when it helps.")
    version = catalogue_publish(note="Avaliar", actor=ada)
    preview = version_preview(engagement, version)
    blocked = {entry.key: entry.blocked_by for entry in preview.plan.blocked}
    assert blocked == {NEW_KEY: "avaliar"}
    # A done task's new wording is only shown beside it: the signed phase's state is the same.
    assert effects(preview)["customer-avaliar-02"] == Effect.KEEP
    result = catalogue_apply(engagement=engagement, version=version, user=carla)
    assert result.not_applied == [NEW_KEY]
    assert not engagement.tasks.filter(responsibility__key=NEW_KEY).exists()
    assert_trail_clean(engagement)  # the sign-off still vouches for Avaliar as it is


def test_a_stale_preview_is_refused(engagement, version_2, carla):
    preview = version_preview(engagement, version_2)
    tick_with_evidence(task_of(engagement, "customer-avaliar-02"), carla)
    with pytest.raises(PlanChanged):
        catalogue_apply(
            engagement=engagement, version=version_2, user=carla, expected=preview.plan.fingerprint
        )
    assert not engagement.tasks.filter(responsibility__key=NEW_KEY).exists()


def test_an_older_version_is_refused(engagement, version_2, carla, ada):
    catalogue_apply(engagement=engagement, version=version_2, user=carla)
    with translation.override("en"), pytest.raises(ValidationError, match="version 2"):
        catalogue_apply(
            engagement=engagement, version=CatalogueVersion.objects.get(number=1), user=carla
        )


def test_a_bulk_apply_where_one_fails_leaves_the_others_applied(
    engagement, other_engagement, version_2, ada, monkeypatch
):
    third = make_engagement(created_by=ada, customer="Litware")
    real_carry_out = sync.carry_out

    def failing_for_northwind(*, engagement, **kwargs):
        changed = real_carry_out(engagement=engagement, **kwargs)
        if engagement.customer == "Northwind":  # after its tasks were written
            raise DatabaseError("disk full")
        return changed

    monkeypatch.setattr(sync, "carry_out", failing_for_northwind)
    northwind_tasks = list(Task.objects.filter(engagement=other_engagement).values())
    northwind_events = other_engagement.events.count()
    job = catalogue_apply_job_start(
        engagement_ids=[engagement.pk, other_engagement.pk, third.pk], version=version_2, user=ada
    )
    assert catalogue_apply_job_run(job.pk, seconds=60) == "finished"
    outcomes = {item.engagement: (item.outcome, item.reason) for item in job.items.all()}
    assert outcomes == {
        engagement: ("done", ""),
        third: ("done", ""),
        other_engagement: ("failed", "disk full"),
    }
    assert list(Task.objects.filter(engagement=other_engagement).values()) == northwind_tasks
    assert other_engagement.events.count() == northwind_events
    other_engagement.refresh_from_db()
    assert other_engagement.catalogue_version.number == 1
    for applied in (engagement, third):
        applied.refresh_from_db()
        assert applied.catalogue_version == version_2
        assert applied.tasks.filter(responsibility__key=NEW_KEY).exists()
        assert_trail_clean(applied)


def test_verify_audit_names_a_withdrawal_or_wording_changed_in_the_database(
    engagement, version_2, carla
):
    catalogue_apply(engagement=engagement, version=version_2, user=carla)
    Task.objects.filter(engagement=engagement, responsibility__key="microsoft-avaliar-01").update(
        withdrawn_at=None
    )
    Task.objects.filter(engagement=engagement, responsibility__key="customer-avaliar-02").update(
        text_en="Rewritten"
    )
    problems = engagement_state_problems(engagement)
    assert any("withdrawn is False, but the trail says True" in p for p in problems)
    assert any("text differs from the one it was created with" in p for p in problems)


def test_every_apply_event_is_a_link_in_the_chain(engagement, version_2, carla):
    catalogue_apply(engagement=engagement, version=version_2, user=carla)
    ActivityEvent.objects.filter(engagement=engagement, kind=EventKind.TASK_ADDED).update(
        changes={"version": 2, "item": NEW_KEY, "cause": "catalogue", "text_hash": "0" * 64}
    )
    assert any("altered" in problem for problem in engagement_chain_problems(engagement))


@pytest.mark.parametrize(
    "language, added, withdrawn, applied",
    [
        (
            "en",
            "new in catalogue version 2",
            "its item was retired in catalogue version 2",
            "version 1 → 2: 5 tasks changed",
        ),
        (
            "pt-br",
            "nova na versão 2 do catálogo",
            "seu item foi desativado na versão 2 do catálogo",
            "versão 1 → 2: 5 tarefas alteradas",
        ),
    ],
)
def test_the_trail_tells_the_apply_in_the_readers_language(
    engagement, version_2, carla, language, added, withdrawn, applied
):
    catalogue_apply(engagement=engagement, version=version_2, user=carla)
    with translation.override(language):
        told = {
            event.kind: event_change_text(event) for event in engagement.events.order_by("sequence")
        }
    assert told[EventKind.TASK_ADDED] == added
    assert told[EventKind.TASK_WITHDRAWN] == withdrawn
    assert told[EventKind.CATALOGUE_APPLIED] == applied


def test_a_withdrawn_task_is_out_of_every_count_list_and_check(
    engagement, version_2, carla, miguel
):
    """Status and at-risk, the due lists and digests, reminder agendas, due notes and the
    sign-off's open-task check: none of them sees a withdrawn task."""
    withdrawn = task_of(engagement, "microsoft-avaliar-01")
    # What the engagement is at risk for without the task (its plan's dates are fixed: on a
    # clock moved past them, the plan itself is a reason).
    reasons_without_it = engagement_statuses([engagement], timezone.now())[
        engagement.pk
    ].risk_reasons(timezone.now())
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    task_set_due_date(task=withdrawn, user=miguel, due_date=yesterday)
    before = engagement_statuses([engagement], timezone.now())[engagement.pk]
    assert before.overdue == 1
    catalogue_apply(engagement=engagement, version=version_2, user=carla)
    now = timezone.now()
    status = engagement_statuses([engagement], now)[engagement.pk]
    assert status.overdue == 0 and status.risk_reasons(now) == reasons_without_it
    assert engagement_due_tasks(engagement, timezone.localdate()).overdue["microsoft"] == []
    assert user_due_tasks(miguel, timezone.localdate()) == []
    checkpoint = make_checkpoint(
        engagement, miguel, starts_at=now + datetime.timedelta(days=5), attendees=[miguel]
    )
    agenda = checkpoint_agenda(checkpoint, now)
    assert withdrawn not in agenda.overdue
    assert withdrawn not in [task for _party, tasks in agenda.open_by_party for task in tasks]
    queue_task_due_notes(now=now)
    assert not Notification.objects.filter(task=withdrawn).exists()
    # Avaliar's other tasks done, its gate signs with the withdrawn task still open.
    for task in engagement.tasks.in_force().filter(phase__code="avaliar", done=False):
        tick_with_evidence(task, carla if task.party == "customer" else miguel)
    gate_sign(engagement=engagement, phase=Phase.objects.get(code="avaliar"), user=miguel)
    assert_trail_clean(engagement)
