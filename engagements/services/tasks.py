"""Ticking tasks and changing their notes and due dates."""

from datetime import date

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from engagements.access import engagement_access
from engagements.audit import membership_party
from engagements.journal import engagement_changed, event_record
from engagements.models import Engagement, EventKind, Membership, Task, phase_is_signed
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


def refuse_withdrawn(task: Task) -> None:
    # A withdrawn task is history: it leaves the counts until a catalogue apply or a scope
    # change brings it back, so a due date, owner or evidence given now would count for
    # nothing and mislead whoever is told they own it. Its comments stay open: people may
    # still discuss why it went.
    if task.is_withdrawn:
        raise ValidationError(
            _("This task was withdrawn from the engagement: it can no longer be changed.")
        )


@transaction.atomic
def task_set_done(*, task: Task, user: AbstractBaseUser, done: bool, reason: str = "") -> Task:
    """Put the task in the asked state; asking for the state it is already in changes nothing.

    A manager ticking the other party's task (allowed when that party has no manager) is
    recorded as acting on that party's behalf.
    """
    bounds.validate_fields({"reason": (reason, bounds.single_line(bounds.REASON_MAX_LENGTH))})
    task = _locked(task)
    if task.is_withdrawn:
        raise ValidationError(
            _("This task was withdrawn from the engagement: it can no longer be ticked.")
        )
    if task.done == done:
        return task
    if task.is_standing:
        raise _standing_refusal("done")
    if done and task.evidence_required and not task.evidence.exists():
        raise ValidationError(
            {
                "done": _(
                    "This task needs evidence before it can be marked done: add a file or a "
                    "link that shows it was completed."
                )
            }
        )
    # The engagement lock (taken after the task's, as event_record does) waits for a sign-off
    # being written, so the check below sees it.
    Engagement.objects.select_for_update().only("pk").get(pk=task.engagement_id)
    if not done and phase_is_signed(task):
        raise ValidationError(
            _("%(phase)s has been signed off: reopen it, with a reason, to mark a task not done.")
            % {"phase": task.phase.name}
        )
    party = membership_party(task.engagement_id, user)
    on_behalf_of = task.party if party and party != task.party else ""
    task.done = done
    task.done_at = timezone.now() if done else None
    task.done_by = user if done else None
    # A tick on the other party's behalf waits for that party's managers to confirm it.
    task.awaiting_confirmation = done and bool(on_behalf_of)
    task.save(update_fields=["done", "done_at", "done_by", "awaiting_confirmation"])
    event_record(
        engagement_id=task.engagement_id,
        task=task,
        actor=user,
        party=party,
        kind=EventKind.TASK_DONE if done else EventKind.TASK_REOPENED,
        reason=reason,
        on_behalf_of=on_behalf_of,
    )
    engagement_changed(engagement_id=task.engagement_id)
    return task


@transaction.atomic
def task_confirm(*, task: Task, user: AbstractBaseUser) -> Task:
    """A manager of the task's party confirms a tick made on its behalf; confirming one that
    awaits nothing changes nothing."""
    task = _locked(task)
    access = engagement_access(task.engagement, user)
    if not access.can_confirm_task(task):
        raise ValidationError(_("Only a manager of the task's party can confirm its tick."))
    if not task.awaiting_confirmation:
        return task
    task.awaiting_confirmation = False
    task.save(update_fields=["awaiting_confirmation"])
    event_record(
        engagement_id=task.engagement_id,
        task=task,
        actor=user,
        party=access.party,
        kind=EventKind.TASK_CONFIRMED,
    )
    engagement_changed(engagement_id=task.engagement_id)
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
def task_set_due_date(*, task: Task, user: AbstractBaseUser, due_date: date | None) -> Task:
    """Set or clear the task's due date, logging the change."""
    task = _locked(task)
    refuse_withdrawn(task)
    if due_date is not None and task.is_standing:
        raise _standing_refusal("due_date")
    if due_date is not None:
        bounds.validate_fields({"due_date": (due_date, [bounds.validate_date_in_window])})
        purchase_date = task.engagement.purchase_date
        if due_date < purchase_date:
            raise ValidationError(
                {
                    "due_date": _(
                        "A due date cannot be before the licence purchase date (%(date)s)."
                    )
                    % {"date": format_date(purchase_date)}
                }
            )
    if task.due_date == due_date:
        return task
    old_date, task.due_date = task.due_date, due_date
    task.save(update_fields=["due_date"])
    event_record(
        engagement_id=task.engagement_id,
        task=task,
        actor=user,
        kind=EventKind.DUE_DATE_CHANGED,
        changes={
            "old": old_date.isoformat() if old_date else None,
            "new": due_date.isoformat() if due_date else None,
        },
    )
    engagement_changed(engagement_id=task.engagement_id)
    return task


def owner_value(user) -> dict | None:
    """An owner as the trail keeps it: the account, and the name it had then."""
    if user is None:
        return None
    return {"id": user.pk, "name": user.get_full_name() or user.get_username()}


@transaction.atomic
def task_set_owner(
    *, task: Task, user: AbstractBaseUser, owner: AbstractBaseUser | None, reason: str = ""
) -> Task:
    """Give the task to a member of its party (or to nobody); the new owner is emailed."""
    task = _locked(task)
    # Taking the owner away stays allowed: a member leaving the engagement leaves no task,
    # withdrawn or not, with an owner from outside it.
    if owner is not None:
        refuse_withdrawn(task)
    # Checked under the task's lock, so a member removed meanwhile cannot end up owning it.
    if (
        owner is not None
        and not Membership.objects.filter(
            engagement_id=task.engagement_id, user=owner, party=task.party
        ).exists()
    ):
        raise ValidationError({"owner": _("Only a member of the task's party can own it.")})
    if task.owner_id == (owner.pk if owner else None):
        return task
    old_owner, task.owner = task.owner, owner
    task.save(update_fields=["owner"])
    event_record(
        engagement_id=task.engagement_id,
        task=task,
        actor=user,
        kind=EventKind.OWNER_CHANGED,
        reason=reason,
        changes={"old": owner_value(old_owner), "new": owner_value(owner)},
    )
    engagement_changed(engagement_id=task.engagement_id)
    return task


BULK_CHANGES = {
    "done": lambda task, user, fields: task_set_done(task=task, user=user, done=True),
    "not_done": lambda task, user, fields: task_set_done(task=task, user=user, done=False),
    "due_date": lambda task, user, fields: task_set_due_date(
        task=task, user=user, due_date=fields["due_date"]
    ),
    "owner": lambda task, user, fields: task_set_owner(task=task, user=user, owner=fields["owner"]),
    "confirm": lambda task, user, fields: task_confirm(task=task, user=user),
}


@transaction.atomic
def tasks_bulk_change(*, tasks: list[Task], user: AbstractBaseUser, action: str, **fields) -> int:
    """Make one change to several tasks, each with its own event, in one transaction: a task
    that refuses it undoes them all. Returns how many tasks were asked."""
    change = BULK_CHANGES[action]
    # All the tasks' locks before the engagement's, by primary key, the order single changes
    # and catalogue applies take them in: locking each task only in its turn, with the
    # engagement's lock held since the first event, deadlocked against a change of a later one.
    locked = Task.objects.select_for_update().filter(pk__in=[task.pk for task in tasks])
    for task in locked.order_by("pk"):
        change(task, user, fields)
    return len(tasks)
