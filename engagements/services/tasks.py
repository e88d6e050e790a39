"""Ticking tasks and changing their notes, due dates and owners, one task or many.

A change of several tasks is one change: every task's lock by primary key, then the
engagement's (the order single changes and catalogue applies take them in), every rule checked
on every task before anything is written (a task that refuses undoes them all), one event per
task recorded together, the stored status refreshed once. Its queries do not grow with the
number of tasks; a single task's change is the same change of one task.
"""

from datetime import date

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from engagements.access import engagement_access
from engagements.audit import membership_party
from engagements.journal import (
    engagement_changed,
    engagement_lock,
    event_record,
    events_record,
)
from engagements.models import Engagement, EventKind, GateSignOff, Membership, Task
from fasttrack import bounds
from fasttrack.formatting import format_date


def _standing_refusal(what: str) -> ValidationError:
    return ValidationError(
        {
            what: _(
                "General responsibilities are standing commitments: they have no due date and "
                "are not marked done, but acknowledged by each party's managers at the first "
                "phase's gate."
            )
        }
    )


def _locked(task: Task) -> Task:
    return Task.objects.select_for_update().get(pk=task.pk)


def _locked_change(tasks: list[Task]) -> tuple[Engagement, list[Task]]:
    """The tasks' locks by primary key, then their engagement's (two queries): the rows as they
    now are, with what the rules and events read of them."""
    locked = list(
        Task.objects.select_for_update(of=("self",))
        .select_related("phase", "owner")
        .filter(pk__in=[task.pk for task in tasks])
        .order_by("pk")
    )
    engagement_ids = {task.engagement_id for task in locked}
    if len(engagement_ids) != 1 or len(locked) != len({task.pk for task in tasks}):
        raise ValueError("A change of several tasks takes existing tasks of one engagement.")
    return engagement_lock(engagement_ids.pop()), locked


def refuse_withdrawn(task: Task) -> None:
    # A withdrawn task is history: it leaves the counts until a catalogue apply or a scope
    # change brings it back, so a due date, owner or evidence given now would count for
    # nothing and mislead whoever is told they own it. Its comments stay open: people may
    # still discuss why it went.
    if task.is_withdrawn:
        raise ValidationError(
            _("This task was withdrawn from the engagement: it can no longer be changed.")
        )


def _record(engagement, tasks, fields, *, user, entries, party=None) -> None:
    """Write the changed tasks' fields, one event per task, the stored status once."""
    Task.objects.bulk_update(tasks, fields)
    events_record(engagement=engagement, actor=user, party=party, entries=entries)
    engagement_changed(engagement_id=engagement.pk, engagement=engagement)


@transaction.atomic
def tasks_set_done(
    *, tasks: list[Task], user: AbstractBaseUser, done: bool, reason: str = ""
) -> list[Task]:
    """Put the tasks in the asked state; a task already in it changes nothing.

    A manager ticking the other party's task (allowed when that party has no manager) is
    recorded as acting on that party's behalf.
    """
    bounds.validate_fields({"reason": (reason, bounds.single_line(bounds.REASON_MAX_LENGTH))})
    engagement, tasks = _locked_change(tasks)
    if any(task.is_withdrawn for task in tasks):
        raise ValidationError(
            _("This task was withdrawn from the engagement: it can no longer be ticked.")
        )
    changing = [task for task in tasks if task.done != done]
    if not changing:
        return tasks
    if any(task.is_standing for task in changing):
        raise _standing_refusal("done")
    needing = [task.pk for task in changing if done and task.evidence_required]
    if needing and set(needing) - set(
        Task.objects.filter(pk__in=needing, evidence__isnull=False).values_list("pk", flat=True)
    ):
        raise ValidationError(
            {
                "done": _(
                    "This task needs evidence before it can be marked done: add a file or a "
                    "link that shows it was completed."
                )
            }
        )
    # Checked under the engagement's lock, which waits for a sign-off being written.
    if not done:
        signed = set(
            GateSignOff.objects.filter(
                gate__engagement_id=engagement.pk,
                gate__phase_id__in={task.phase_id for task in changing},
                withdrawn_at__isnull=True,
            ).values_list("gate__phase_id", flat=True)
        )
        if locked := next((task for task in changing if task.phase_id in signed), None):
            raise ValidationError(
                _(
                    "%(phase)s has been signed off: reopen it, with a reason, to mark a task "
                    "not done."
                )
                % {"phase": locked.phase.name}
            )
    party = membership_party(engagement.pk, user)
    now, entries = timezone.now(), []
    for task in changing:
        on_behalf_of = task.party if party and party != task.party else ""
        task.done = done
        task.done_at = now if done else None
        task.done_by = user if done else None
        # A tick on the other party's behalf waits for that party's managers to confirm it.
        task.awaiting_confirmation = done and bool(on_behalf_of)
        entries.append(
            {
                "task": task,
                "kind": EventKind.TASK_DONE if done else EventKind.TASK_REOPENED,
                "reason": reason,
                "on_behalf_of": on_behalf_of,
            }
        )
    fields = ["done", "done_at", "done_by", "awaiting_confirmation"]
    _record(engagement, changing, fields, user=user, party=party, entries=entries)
    return tasks


def task_set_done(*, task: Task, user: AbstractBaseUser, done: bool, reason: str = "") -> Task:
    """tasks_set_done for one task."""
    (task,) = tasks_set_done(tasks=[task], user=user, done=done, reason=reason)
    return task


@transaction.atomic
def tasks_confirm(*, tasks: list[Task], user: AbstractBaseUser) -> list[Task]:
    """A manager of the tasks' party confirms ticks made on its behalf; confirming one that
    awaits nothing changes nothing."""
    engagement, tasks = _locked_change(tasks)
    access = engagement_access(engagement, user)
    if not all(access.can_confirm_task(task) for task in tasks):
        raise ValidationError(_("Only a manager of the task's party can confirm its tick."))
    changing = [task for task in tasks if task.awaiting_confirmation]
    if not changing:
        return tasks
    for task in changing:
        task.awaiting_confirmation = False
    entries = [{"task": task, "kind": EventKind.TASK_CONFIRMED} for task in changing]
    _record(
        engagement,
        changing,
        ["awaiting_confirmation"],
        user=user,
        party=access.party,
        entries=entries,
    )
    return tasks


def task_confirm(*, task: Task, user: AbstractBaseUser) -> Task:
    """tasks_confirm for one task."""
    (task,) = tasks_confirm(tasks=[task], user=user)
    return task


@transaction.atomic
def task_set_note(*, task: Task, user: AbstractBaseUser, note: str) -> Task:
    """Replace the task's note, logging the old and the new text."""
    note = note.strip()
    bounds.validate_fields({"note": (note, bounds.multi_line(bounds.NOTE_MAX_LENGTH))})
    task = _locked(task)
    refuse_withdrawn(task)
    if task.note == note:
        return task
    old_note, task.note = task.note, note
    task.save(update_fields=["note"])
    event_record(
        engagement_id=task.engagement_id,
        task=task,
        actor=user,
        kind=EventKind.NOTE_CHANGED,
        changes={"old": old_note, "new": note},
    )
    engagement_changed(engagement_id=task.engagement_id)
    return task


@transaction.atomic
def tasks_set_due_date(
    *, tasks: list[Task], user: AbstractBaseUser, due_date: date | None
) -> list[Task]:
    """Set or clear the tasks' due date, logging each change."""
    engagement, tasks = _locked_change(tasks)
    for task in tasks:
        refuse_withdrawn(task)
    if due_date is not None and any(task.is_standing for task in tasks):
        raise _standing_refusal("due_date")
    if due_date is not None:
        bounds.validate_fields({"due_date": (due_date, [bounds.validate_date_in_window])})
        if due_date < engagement.purchase_date:
            raise ValidationError(
                {
                    "due_date": _(
                        "A due date cannot be before the licence purchase date (%(date)s)."
                    )
                    % {"date": format_date(engagement.purchase_date)}
                }
            )
    changing = [task for task in tasks if task.due_date != due_date]
    if not changing:
        return tasks
    entries = []
    for task in changing:
        old_date, task.due_date = task.due_date, due_date
        entries.append(
            {
                "task": task,
                "kind": EventKind.DUE_DATE_CHANGED,
                "changes": {
                    "old": old_date.isoformat() if old_date else None,
                    "new": due_date.isoformat() if due_date else None,
                },
            }
        )
    _record(engagement, changing, ["due_date"], user=user, entries=entries)
    return tasks


def task_set_due_date(*, task: Task, user: AbstractBaseUser, due_date: date | None) -> Task:
    """tasks_set_due_date for one task."""
    (task,) = tasks_set_due_date(tasks=[task], user=user, due_date=due_date)
    return task


def owner_value(user) -> dict | None:
    """An owner as the trail keeps it: the account, and the name it had then."""
    if user is None:
        return None
    return {"id": user.pk, "name": user.get_full_name() or user.get_username()}


@transaction.atomic
def tasks_set_owner(
    *,
    tasks: list[Task],
    user: AbstractBaseUser,
    owner: AbstractBaseUser | None,
    reason: str = "",
) -> list[Task]:
    """Give the tasks to a member of their party (or to nobody); the new owner is emailed."""
    engagement, tasks = _locked_change(tasks)
    # Taking the owner away stays allowed: a member leaving the engagement leaves no task,
    # withdrawn or not, with an owner from outside it.
    if owner is not None:
        for task in tasks:
            refuse_withdrawn(task)
        # Checked under the tasks' locks, so a member removed meanwhile cannot end up owning
        # one.
        parties = set(
            Membership.objects.filter(engagement_id=engagement.pk, user=owner).values_list(
                "party", flat=True
            )
        )
        if any(task.party not in parties for task in tasks):
            raise ValidationError({"owner": _("Only a member of the task's party can own it.")})
    changing = [task for task in tasks if task.owner_id != (owner.pk if owner else None)]
    if not changing:
        return tasks
    entries = []
    for task in changing:
        old_owner, task.owner = task.owner, owner
        entries.append(
            {
                "task": task,
                "kind": EventKind.OWNER_CHANGED,
                "reason": reason,
                "changes": {"old": owner_value(old_owner), "new": owner_value(owner)},
            }
        )
    _record(engagement, changing, ["owner"], user=user, entries=entries)
    return tasks


def task_set_owner(
    *, task: Task, user: AbstractBaseUser, owner: AbstractBaseUser | None, reason: str = ""
) -> Task:
    """tasks_set_owner for one task."""
    (task,) = tasks_set_owner(tasks=[task], user=user, owner=owner, reason=reason)
    return task


BULK_CHANGES = {
    "done": lambda tasks, user, fields: tasks_set_done(tasks=tasks, user=user, done=True),
    "not_done": lambda tasks, user, fields: tasks_set_done(tasks=tasks, user=user, done=False),
    "due_date": lambda tasks, user, fields: tasks_set_due_date(
        tasks=tasks, user=user, due_date=fields["due_date"]
    ),
    "owner": lambda tasks, user, fields: tasks_set_owner(
        tasks=tasks, user=user, owner=fields["owner"]
    ),
    "confirm": lambda tasks, user, fields: tasks_confirm(tasks=tasks, user=user),
}


def tasks_bulk_change(*, tasks: list[Task], user: AbstractBaseUser, action: str, **fields) -> int:
    """Make one change to several tasks, each with its own event, in one transaction and a
    fixed number of queries: a task that refuses it undoes them all. Returns how many tasks
    were asked."""
    BULK_CHANGES[action](tasks, user, fields)
    return len(tasks)
