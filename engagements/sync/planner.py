"""What bringing a catalogue version (or a new scope) into an engagement would do to each of its
tasks: a plan. It is a pure function of the tasks as they stand and the items that will apply,
so the preview a manager reads and the apply that follows are the same plan by construction
(engagements/sync/services.py computes it again under the engagement's lock and carries it out).

Rules, whatever the cause:
- an item that applies and has no task gets a new one; one whose task was withdrawn gets that
  task back, with its history (and the item's current wording, as it is open);
- an open task whose item no longer applies (retired, deleted, or left out by its conditions or
  the scope) is withdrawn: kept, marked, out of every count;
- an open task takes its item's new wording and place; a done task keeps the wording it was done
  under and its place, and the new wording is shown beside it;
- nothing touches a phase that is signed off (closed phases are locked): such a change waits,
  and the plan says so.
"""

import hashlib
import json
from dataclasses import dataclass, field

from django.db import models
from django.utils.translation import gettext_lazy as _

from responsibilities.models import ResponsibilityVersion, in_active_language

# An item's field -> the task's copy of it.
COPIED = {
    "text_pt": "text_pt",
    "text_en": "text_en",
    "note_pt": "catalogue_note_pt",
    "note_en": "catalogue_note_en",
    "evidence_required": "evidence_required",
    "evidence_hint_pt": "evidence_hint_pt",
    "evidence_hint_en": "evidence_hint_en",
}
PLACE = ["phase_code", "section", "parent_key"]


class Effect(models.TextChoices):
    ADD = "add", _("a new task")
    RESTORE = "restore", _("its withdrawn task comes back, with its history")
    UPDATE = "update", _("the open task takes the new wording")
    KEEP = "keep", _("the task is done: it keeps its wording, and the new one is shown beside it")
    WITHDRAW = "withdraw", _("the open task is withdrawn (kept, but out of the counts)")
    STAYS_DONE = "stays_done", _("nothing: the task is done and stays as it is")
    NOTHING = "nothing", _("nothing: it does not change this engagement's tasks")


CHANGING = {Effect.ADD, Effect.RESTORE, Effect.UPDATE, Effect.KEEP, Effect.WITHDRAW}


@dataclass(frozen=True)
class TaskState:
    """What the plan needs of a task: its item's key, its state, place and copied fields."""

    pk: int
    key: str
    party: str
    done: bool
    withdrawn: bool
    phase_code: str
    section: str
    parent_key: str
    copied: dict  # by the item's field names
    newer: dict | None = None  # the wording a done task was last shown beside it


@dataclass
class Entry:
    """One item and what the plan does to its task."""

    key: str
    effect: str
    item: ResponsibilityVersion | None
    task: TaskState | None
    kinds: list[str] = field(default_factory=list)  # the catalogue's changes to the item
    reworded: list[str] = field(default_factory=list)  # copied fields that differ
    moved: bool = False
    blocked_by: str = ""  # the code of the signed phase it would touch

    @property
    def actionable(self) -> bool:
        return self.effect in CHANGING and not self.blocked_by

    @property
    def effect_label(self) -> str:
        return str(Effect(self.effect).label)

    @property
    def text(self) -> str:
        source = self.item or self.task
        values = source.copied if isinstance(source, TaskState) else source.frozen()
        return in_active_language(values["text_pt"], values["text_en"])

    @property
    def old_text(self) -> str:
        """The task's wording, where the plan gives it a new one."""
        if not (self.task and {"text_pt", "text_en"} & set(self.reworded)):
            return ""
        return in_active_language(self.task.copied["text_pt"], self.task.copied["text_en"])

    @property
    def phases(self) -> set[str]:
        """The phases whose tasks the entry changes (a done task's shown wording changes none)."""
        if self.effect in (Effect.ADD, Effect.RESTORE, Effect.UPDATE, Effect.WITHDRAW):
            touched = {self.task.phase_code} if self.task else set()
            if self.item and self.effect != Effect.WITHDRAW:
                touched.add(self.item.phase_code)
            return touched - {""}
        return set()


@dataclass
class Plan:
    entries: list[Entry]

    @property
    def actionable(self) -> list[Entry]:
        return [entry for entry in self.entries if entry.actionable]

    @property
    def blocked(self) -> list[Entry]:
        return [entry for entry in self.entries if entry.effect in CHANGING and entry.blocked_by]

    def counts(self) -> dict[str, int]:
        """How many tasks each effect reaches (blocked ones not counted)."""
        counts = {effect: 0 for effect in Effect if effect in CHANGING}  # in Effect's order
        for entry in self.actionable:
            counts[entry.effect] += 1
        return counts

    @property
    def fingerprint(self) -> str:
        """A digest of what the plan would do: an apply checks the preview it was asked from
        still holds, so what a manager read is what happens."""
        rows = sorted(
            [e.key, e.effect, e.task.pk if e.task else None, e.blocked_by, e.reworded, e.moved]
            for e in self.entries
        )
        return hashlib.sha256(json.dumps(rows).encode()).hexdigest()


def _differences(task: TaskState, item: ResponsibilityVersion) -> tuple[list[str], bool]:
    reworded = [name for name in COPIED if task.copied[name] != getattr(item, name)]
    moved = any(getattr(task, name) != getattr(item, name) for name in PLACE)
    return reworded, moved


def plan(
    *,
    tasks: list[TaskState],
    target: dict[str, ResponsibilityVersion],
    applicable: set[str],
    signed_phases: set[str],
    order: dict[str, int],
    kinds: dict[str, list[str]] | None = None,
    was_applicable: set[str] | None = None,
) -> Plan:
    """The plan for bringing the engagement's tasks to `target` (a version's items by key), of
    which the keys in `applicable` apply. `order` ranks keys in catalogue order.

    For a new version, `kinds` holds the catalogue's changes against the engagement's version:
    every difference is planned, and changed items that leave the tasks alone are listed too.
    For a new scope, `was_applicable` holds what applied before: only the items whose
    applicability changes are planned, and only their tasks' presence changes.
    """
    kinds = kinds or {}
    scope_only = was_applicable is not None
    by_key: dict[str, TaskState] = {}
    for task in tasks:
        # Should a key have two tasks, the one in force is the one that counts.
        if task.key and (task.key not in by_key or by_key[task.key].withdrawn):
            by_key[task.key] = task
    entries = []
    for key in target.keys() | by_key.keys():
        if scope_only and (key in applicable) == (key in was_applicable):
            continue
        entry = _entry(
            key,
            target.get(key),
            by_key.get(key),
            applies=key in applicable,
            kinds=kinds.get(key, []),
            # A changed item, or one the new scope takes in or out, is listed even where its
            # task stays as it is.
            listed=bool(kinds.get(key)) or scope_only,
        )
        if entry is None or (scope_only and entry.effect in (Effect.UPDATE, Effect.KEEP)):
            continue
        blocked = sorted(entry.phases & signed_phases)
        entry.blocked_by = blocked[0] if blocked else ""
        entries.append(entry)
    entries.sort(key=lambda entry: (order.get(entry.key, len(order)), entry.key))
    return Plan(entries=entries)


def _entry(key, item, task, *, applies: bool, kinds: list[str], listed: bool) -> Entry | None:
    """What the plan does to the task of one item (None: nothing worth listing)."""
    entry = Entry(key=key, effect=Effect.NOTHING, item=item, task=task, kinds=kinds)
    if task is None or task.withdrawn:
        if not applies:
            return entry if listed else None
        entry.effect = Effect.ADD if task is None else Effect.RESTORE
        if task is not None:
            entry.reworded, entry.moved = _differences(task, item)
        return entry
    if not applies:
        entry.effect = Effect.STAYS_DONE if task.done else Effect.WITHDRAW
        return entry if entry.effect == Effect.WITHDRAW or listed else None
    entry.reworded, entry.moved = _differences(task, item)
    if task.done:
        wording = {name: getattr(item, name) for name in COPIED}
        if entry.reworded and task.newer != wording:
            entry.effect = Effect.KEEP
        elif entry.reworded or entry.moved:
            entry.effect = Effect.STAYS_DONE
    elif entry.reworded or entry.moved:
        entry.effect = Effect.UPDATE
    if entry.effect in (Effect.NOTHING, Effect.STAYS_DONE) and not listed:
        return None
    return entry
