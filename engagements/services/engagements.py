"""Creating an engagement (a snapshot of the latest catalogue version) and editing its details."""

import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from engagements.audit import task_text_hash
from engagements.journal import engagement_changed, event_record
from engagements.models import Engagement, EventKind, Task
from engagements.models.stored_status import STORED_FIELDS
from responsibilities.models import CatalogueVersion, Phase, ResponsibilityVersion
from responsibilities.publishing import applicable_items, latest_version, version_items


def new_task(
    engagement: Engagement,
    item: ResponsibilityVersion,
    *,
    parent: Task | None,
    position: int,
    phases: dict[str, Phase],
) -> Task:
    """A task copied from a published item, unsaved (the planner adds tasks this way too);
    `phases` by code."""
    return Task(
        engagement=engagement,
        responsibility_id=item.responsibility_id,
        item_version=item,
        parent=parent,
        phase=phases.get(item.phase_code),
        party=item.party,
        section=item.section,
        depth=parent.depth + 1 if parent else 1,
        position=position,
        text_pt=item.text_pt,
        text_en=item.text_en,
        catalogue_note_pt=item.note_pt,
        catalogue_note_en=item.note_en,
        evidence_required=item.evidence_required,
        evidence_hint_pt=item.evidence_hint_pt,
        evidence_hint_en=item.evidence_hint_en,
    )


def _snapshot_catalogue(engagement: Engagement, version: CatalogueVersion) -> int:
    """Copy the version's items that apply into tasks; return how many were created."""
    items = applicable_items(
        version_items(version),
        services=engagement.services(),
        conditions=engagement.conditions(),
    )
    phases = {phase.code: phase for phase in Phase.objects.all()}
    task_for_key: dict[str, Task] = {}
    tasks_by_depth: dict[int, list[Task]] = {}
    for position, item in enumerate(items, start=1):
        task = new_task(
            engagement,
            item,
            parent=task_for_key.get(item.parent_key),
            position=position,
            phases=phases,
        )
        task_for_key[item.key] = task
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
    """Save a new engagement and snapshot the items of the latest published catalogue version
    that apply to it into tasks (an admin's unpublished edits wait for their version)."""
    engagement.catalogue_version = latest_version()
    if engagement.catalogue_version is None:
        raise ValidationError(
            _(
                "The catalogue has no published version yet: load it (load_catalogue) or "
                "publish it in the admin first."
            )
        )
    engagement.full_clean()
    engagement.save()
    task_count = _snapshot_catalogue(engagement, engagement.catalogue_version)
    event_record(
        engagement_id=engagement.pk,
        actor=created_by,
        kind=EventKind.ENGAGEMENT_CREATED,
        changes={
            "tasks": task_count,
            "texts": task_text_hashes(engagement.tasks.all()),
            "version": engagement.catalogue_version.number,
        },
    )
    engagement_changed(engagement_id=engagement.pk)
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
                name: [as_data(getattr(before, name)), as_data(getattr(engagement, name))]
                for name in changed_fields
            },
        )
    # Always: a save without named fields writes the whole row, stored status included.
    engagement_changed(engagement_id=engagement.pk)
    return engagement


def as_data(value):
    """A detail as JSON holds it: dates as ISO dates, the rest (text, numbers, yes/no) as is."""
    return value.isoformat() if isinstance(value, datetime.date) else value
