"""Every write to an engagement goes through these functions: they validate, save and log."""

from datetime import date

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from responsibilities.models import Responsibility

from .models import ActivityEvent, Engagement, EventKind, Task


def _applicable_items(engagement: Engagement) -> list[Responsibility]:
    """Active catalogue items that apply, less any whose ancestor does not apply."""
    items = list(
        Responsibility.objects.applicable(
            services=engagement.services(), conditions=engagement.conditions()
        ).in_catalogue_order()
    )
    included = {item.pk for item in items}
    parent_of = {item.pk: item.parent_id for item in items}

    def ancestors_included(item):
        parent_id = item.parent_id
        while parent_id is not None:
            if parent_id not in included:
                return False
            parent_id = parent_of[parent_id]
        return True

    return [item for item in items if ancestors_included(item)]


def _snapshot_catalogue(engagement: Engagement) -> int:
    """Copy the applicable catalogue into tasks; return how many were created."""
    items = _applicable_items(engagement)
    task_for_item: dict[int, Task] = {}
    tasks_by_depth: dict[int, list[Task]] = {}
    for position, item in enumerate(items, start=1):
        parent_task = task_for_item.get(item.parent_id)
        task = Task(
            engagement=engagement,
            responsibility=item,
            parent=parent_task,
            phase=item.phase,
            party=item.party,
            section=item.section,
            depth=parent_task.depth + 1 if parent_task else 1,
            position=position,
            text_pt=item.text_pt,
            text_en=item.text_en,
            catalogue_note_pt=item.note_pt,
            catalogue_note_en=item.note_en,
        )
        task_for_item[item.pk] = task
        tasks_by_depth.setdefault(task.depth, []).append(task)
    # A level at a time, so each child's parent already has its primary key.
    for depth in sorted(tasks_by_depth):
        Task.objects.bulk_create(tasks_by_depth[depth])
    return len(items)


@transaction.atomic
def engagement_create(*, engagement: Engagement, created_by: AbstractBaseUser) -> Engagement:
    """Save a new engagement and snapshot the catalogue items that apply to it into tasks."""
    engagement.full_clean()
    engagement.save()
    task_count = _snapshot_catalogue(engagement)
    ActivityEvent.objects.create(
        engagement=engagement,
        actor=created_by,
        kind=EventKind.ENGAGEMENT_CREATED,
        new_value=str(task_count),
    )
    return engagement


def _locked(task: Task) -> Task:
    return Task.objects.select_for_update().get(pk=task.pk)


@transaction.atomic
def task_set_done(*, task: Task, user: AbstractBaseUser, done: bool, reason: str = "") -> Task:
    """Put the task in the asked state; asking for the state it is already in changes nothing."""
    task = _locked(task)
    if task.done == done:
        return task
    task.done = done
    task.done_at = timezone.now() if done else None
    task.done_by = user if done else None
    task.save(update_fields=["done", "done_at", "done_by"])
    ActivityEvent.objects.create(
        engagement_id=task.engagement_id,
        task=task,
        actor=user,
        kind=EventKind.TASK_DONE if done else EventKind.TASK_REOPENED,
        reason=reason,
    )
    return task


@transaction.atomic
def task_set_note(*, task: Task, user: AbstractBaseUser, note: str) -> Task:
    """Replace the task's note, logging the old and the new text."""
    task = _locked(task)
    note = note.strip()
    if task.note == note:
        return task
    old_note, task.note = task.note, note
    task.save(update_fields=["note"])
    ActivityEvent.objects.create(
        engagement_id=task.engagement_id,
        task=task,
        actor=user,
        kind=EventKind.NOTE_CHANGED,
        old_value=old_note,
        new_value=note,
    )
    return task


@transaction.atomic
def task_set_due_date(*, task: Task, user: AbstractBaseUser, due_date: date | None) -> Task:
    """Set or clear the task's due date, logging the change."""
    task = _locked(task)
    if task.due_date == due_date:
        return task
    old_date, task.due_date = task.due_date, due_date
    task.save(update_fields=["due_date"])
    ActivityEvent.objects.create(
        engagement_id=task.engagement_id,
        task=task,
        actor=user,
        kind=EventKind.DUE_DATE_CHANGED,
        old_value=old_date.isoformat() if old_date else "",
        new_value=due_date.isoformat() if due_date else "",
    )
    return task
