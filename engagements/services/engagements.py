"""Creating an engagement (a snapshot of the catalogue) and editing its details."""

import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from responsibilities.models import Responsibility

from ..audit import event_record, task_text_hash
from ..models import Engagement, EventKind, Task
from ..stored_status import STORED_FIELDS
from .status import engagement_status_refresh


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
            evidence_required=item.evidence_required,
            evidence_hint_pt=item.evidence_hint_pt,
            evidence_hint_en=item.evidence_hint_en,
        )
        task_for_item[item.pk] = task
        tasks_by_depth.setdefault(task.depth, []).append(task)
    # A level at a time, so each child's parent already has its primary key.
    for depth in sorted(tasks_by_depth):
        Task.objects.bulk_create(tasks_by_depth[depth])
    return len(items)


def task_text_hashes(tasks) -> dict[str, str]:
    """Each task's text hash by its id (a string: JSON keys are), for the creation event."""
    return {str(task.pk): task_text_hash(task) for task in tasks}


@transaction.atomic
def engagement_create(*, engagement: Engagement, created_by: AbstractBaseUser) -> Engagement:
    """Save a new engagement and snapshot the catalogue items that apply to it into tasks."""
    engagement.full_clean()
    engagement.save()
    task_count = _snapshot_catalogue(engagement)
    event_record(
        engagement_id=engagement.pk,
        actor=created_by,
        kind=EventKind.ENGAGEMENT_CREATED,
        changes={"tasks": task_count, "texts": task_text_hashes(engagement.tasks.all())},
    )
    engagement_status_refresh(engagement_id=engagement.pk)
    engagement.refresh_from_db(fields=["audit_length", "audit_head", *STORED_FIELDS])
    return engagement


@transaction.atomic
def engagement_update(
    *, engagement: Engagement, changed_by: AbstractBaseUser, changed_fields: list[str]
) -> Engagement:
    """Save an admin's edit of an engagement's details, recording from what to what."""
    before = Engagement.objects.get(pk=engagement.pk)
    engagement.full_clean()
    engagement.save(update_fields=changed_fields or None)
    if changed_fields:
        event_record(
            engagement_id=engagement.pk,
            actor=changed_by,
            kind=EventKind.ENGAGEMENT_CHANGED,
            changes={
                name: [_as_data(getattr(before, name)), _as_data(getattr(engagement, name))]
                for name in changed_fields
            },
        )
    # Always: a save without named fields writes the whole row, stored status included.
    engagement_status_refresh(engagement_id=engagement.pk)
    return engagement


def _as_data(value):
    """A detail as JSON holds it: dates as ISO dates, the rest (text, numbers, yes/no) as is."""
    return value.isoformat() if isinstance(value, datetime.date) else value
