"""Carrying out a plan's entries (engagements/sync/planner.py) on an engagement whose tasks and row
the caller has locked: each changed task is saved with its audit event, then new and moved
tasks are put in their catalogue place."""

from django.db import models
from django.db.models import Case, F, Value, When
from django.utils import timezone

from engagements.audit import task_text_hash
from engagements.journal import event_record
from engagements.models import Engagement, EventKind, Task
from engagements.services.engagements import new_task
from engagements.sync.planner import COPIED, PLACE, Effect, Entry
from responsibilities.models import CatalogueVersion, Phase, ResponsibilityVersion
from responsibilities.publishing import phase_orders, version_items

# What taking an item's wording and place, or coming back, may change of a task.
_TAKEN = [
    *COPIED.values(),
    "phase",
    "section",
    "parent",
    "item_version",
    "newer_wording",
    "withdrawn_at",
]


class Cause(models.TextChoices):
    """Why a task was added, brought back or withdrawn (kept in its event)."""

    CATALOGUE = "catalogue"
    SCOPE = "scope"


def _why_withdrawn(entry: Entry, cause: str) -> str:
    if cause == Cause.SCOPE:
        return "out_of_scope"
    if entry.item is None:
        return "removed"
    return "retired" if not entry.item.is_active else "not_applicable"


def _take(task: Task, item: ResponsibilityVersion, *, phases, in_force: dict) -> dict:
    """Give an open task its item's wording and place; return what changed, {field: [old,
    new]} by the item's field names (phases as codes, parents by key)."""
    changes = {}
    for name, copy in COPIED.items():
        if getattr(task, copy) != getattr(item, name):
            changes[name] = [getattr(task, copy), getattr(item, name)]
            setattr(task, copy, getattr(item, name))
    old_place = {
        "phase_code": task.phase.code if task.phase_id else "",
        "section": task.section,
        "parent_key": (
            task.parent.responsibility.key
            if task.parent_id and task.parent.responsibility_id
            else ""
        ),
    }
    for name in PLACE:
        if old_place[name] != getattr(item, name):
            changes[name] = [old_place[name], getattr(item, name)]
    task.phase, task.section = phases.get(item.phase_code), item.section
    if "parent_key" in changes:
        task.parent = in_force.get(item.parent_key)
    task.item_version, task.newer_wording = item, None
    return changes


class _Run:
    """One apply's working state: the engagement's tasks, and those in force by item key."""

    def __init__(self, engagement: Engagement, cause: str):
        self.engagement, self.cause = engagement, cause
        self.now = timezone.now()
        self.phases = {phase.code: phase for phase in Phase.objects.all()}
        self.tasks = {
            task.pk: task
            for task in Task.objects.filter(engagement=engagement).select_related(
                "phase", "parent__responsibility", "responsibility"
            )
        }
        self.in_force = {
            task.responsibility.key: task
            for task in self.tasks.values()
            if task.responsibility_id and not task.is_withdrawn
        }
        self.placed: list[int] = []  # new and moved tasks, to put in their catalogue place

    def add(self, entry: Entry) -> tuple[Task, str, dict]:
        task = new_task(
            self.engagement,
            entry.item,
            parent=self.in_force.get(entry.item.parent_key),
            position=0,
            phases=self.phases,
        )
        task.save()
        self.in_force[entry.key] = task
        self.placed.append(task.pk)
        return task, EventKind.TASK_ADDED, {"cause": self.cause}

    def update(self, entry: Entry) -> tuple[Task, str, dict]:
        """An open task takes the item's wording and place; a withdrawn one comes back too."""
        task = self.tasks[entry.task.pk]
        task.withdrawn_at = None
        fields = _take(task, entry.item, phases=self.phases, in_force=self.in_force)
        task.save(update_fields=_TAKEN)
        self.in_force[entry.key] = task
        # A withdrawn task kept its place; only a new one in the catalogue moves it.
        if set(PLACE) & set(fields):
            self.placed.append(task.pk)
        if entry.effect == Effect.RESTORE:
            return task, EventKind.TASK_RESTORED, {"fields": fields, "cause": self.cause}
        return task, EventKind.TASK_UPDATED, {"fields": fields}

    def keep(self, entry: Entry) -> tuple[Task, str, dict]:
        task = self.tasks[entry.task.pk]
        task.newer_wording = entry.item
        task.save(update_fields=["newer_wording"])
        fields = {
            name: [getattr(task, COPIED[name]), getattr(entry.item, name)]
            for name in entry.reworded
        }
        return task, EventKind.TASK_WORDING_KEPT, {"fields": fields}

    def withdraw(self, entry: Entry) -> tuple[Task, str, dict]:
        task = self.tasks[entry.task.pk]
        task.withdrawn_at = self.now
        task.save(update_fields=["withdrawn_at"])
        self.in_force.pop(entry.key, None)
        return task, EventKind.TASK_WITHDRAWN, {"cause": _why_withdrawn(entry, self.cause)}


def carry_out(
    *,
    engagement: Engagement,
    entries: list[Entry],
    user,
    version: CatalogueVersion,
    cause: str,
) -> int:
    """Apply the entries in catalogue order (parents before their sub-items), each task with
    its event; return how many tasks changed."""
    run = _Run(engagement, cause)
    steps = {
        Effect.ADD: run.add,
        Effect.RESTORE: run.update,
        Effect.UPDATE: run.update,
        Effect.KEEP: run.keep,
        Effect.WITHDRAW: run.withdraw,
    }
    for entry in entries:
        task, kind, said = steps[entry.effect](entry)
        said = {"version": version.number, "item": entry.key, **said}
        if kind != EventKind.TASK_WORDING_KEPT and kind != EventKind.TASK_WITHDRAWN:
            # The texts it now holds, as the creation event keeps them for the first tasks.
            said["text_hash"] = task_text_hash(task)
        event_record(engagement_id=engagement.pk, actor=user, kind=kind, task=task, changes=said)
    if run.placed:
        _tidy(engagement, version, run.placed)
    return len(entries)


def _tidy(engagement: Engagement, version: CatalogueVersion, placed: list[int]) -> None:
    """Put new and moved tasks after the task of the item before them in the catalogue, number
    every task again and set each one's depth under its parent."""
    orders = phase_orders()
    ranked = sorted(version_items(version).values(), key=lambda item: item.catalogue_order(orders))
    rank = {item.key: index for index, item in enumerate(ranked)}
    tasks = list(
        Task.objects.filter(engagement=engagement)
        .order_by("position", "pk")
        .values_list("pk", "position", "depth", "parent_id", "responsibility__key", named=True)
    )
    key = {task.pk: task.responsibility__key or "" for task in tasks}
    anchors = sorted(
        (rank[key[task.pk]], task.position)
        for task in tasks
        if task.pk not in placed and key[task.pk] in rank
    )

    def sort_key(task):
        if task.pk not in placed:
            return (task.position, 0, 0, task.pk)
        index = rank.get(key[task.pk], len(rank))
        before = [position for anchor, position in anchors if anchor < index]
        return (before[-1] if before else 0, 1, index, task.pk)

    parent_of = {task.pk: task.parent_id for task in tasks}

    def depth(pk):
        return 1 if parent_of[pk] is None else depth(parent_of[pk]) + 1

    # The tasks after a new one all move by the same step: one condition per step and per
    # depth, where a condition per task (bulk_update's) took most of an apply's time.
    steps: dict[int, list[int]] = {}
    depths: dict[int, list[int]] = {}
    for position, task in enumerate(sorted(tasks, key=sort_key), start=1):
        if task.position != position:
            steps.setdefault(position - task.position, []).append(task.pk)
        if task.depth != depth(task.pk):
            depths.setdefault(depth(task.pk), []).append(task.pk)
    if not (steps or depths):
        return
    Task.objects.filter(
        pk__in={pk for pks in [*steps.values(), *depths.values()] for pk in pks}
    ).update(
        position=Case(
            *(When(pk__in=pks, then=F("position") + step) for step, pks in steps.items()),
            default=F("position"),
            output_field=models.PositiveIntegerField(),
        ),
        depth=Case(
            *(When(pk__in=pks, then=Value(level)) for level, pks in depths.items()),
            default=F("depth"),
            output_field=models.PositiveIntegerField(),
        ),
    )
