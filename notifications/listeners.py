"""Which events owe which notifications: listeners of engagements/journal.py, called with a
change's events in the transaction that records them, so a change and what it owes commit
together."""

from django.utils import timezone

from engagements.gates.state import gate_managers
from engagements.meetings.calendar import CALENDAR_FIELDS
from engagements.models import ActivityEvent, EventKind, Membership, Task
from notifications.models import NotificationKind
from notifications.owing import (
    checkpoint_reminders_sync,
    owe_assignment_notes,
    owe_cancellation_notices,
    owe_checkpoint_updates,
    owe_event_notes,
    owe_invitation,
    owe_mention_notes,
    withdraw_checkpoint_updates,
    withdraw_member_notifications,
)
from responsibilities.models import PARTIES


def _other(party: str) -> str:
    return next(p for p in PARTIES if p != party)


def gate_notes_owe(events: list[ActivityEvent], membership: Membership | None) -> None:
    """Ticks that finished their phase ask every manager to sign the phase off (once, on the
    phase's last tick of the change); a sign-off that leaves the gate open asks the other
    party's managers (not the signer, who may have signed for the other party); a reopened
    phase tells the other party's managers."""
    last_tick_of_phase = {
        event.task.phase_id: event for event in events if event.kind == EventKind.TASK_DONE
    }
    if last_tick_of_phase:
        engagement_id = events[0].engagement_id
        still_open = Task.objects.open().filter(
            engagement_id=engagement_id, phase_id__in=list(last_tick_of_phase)
        )
        for phase_id in set(still_open.values_list("phase_id", flat=True)):
            del last_tick_of_phase[phase_id]
    managers = None
    for event in events:
        if event.kind == EventKind.TASK_DONE:
            if last_tick_of_phase.get(event.task.phase_id) is not event:
                continue
            managers = managers or gate_managers(event.engagement)
            user_ids = [pk for party in PARTIES for pk in managers[party]]
            kind = NotificationKind.GATE_READY
        elif event.kind == EventKind.GATE_SIGNED and not event.changes["closed"]:
            managers = managers or gate_managers(event.engagement)
            other = _other(event.changes["party"])
            user_ids = [pk for pk in managers[other] if pk != event.actor_id]
            kind = NotificationKind.GATE_SIGNED
        elif event.kind == EventKind.GATE_REOPENED:
            managers = managers or gate_managers(event.engagement)
            user_ids = managers[_other(event.party)]
            kind = NotificationKind.GATE_REOPENED
        else:
            continue
        owe_event_notes(event=event, kind=kind, user_ids=user_ids, now=event.created_at)


_TENANT_NOTES = {
    EventKind.TENANT_REVOKED: NotificationKind.TENANT_REVOKED,
    EventKind.TENANT_DRIFT: NotificationKind.TENANT_DRIFT,
}


def tenant_notes_owe(events: list[ActivityEvent], membership: Membership | None) -> None:
    """Every manager hears that the customer's tenant withdrew its consent (its checks stop)
    or stopped confirming a done task."""
    for event in events:
        kind = _TENANT_NOTES.get(event.kind)
        if kind is None:
            continue
        managers = gate_managers(event.engagement)
        user_ids = [pk for party in PARTIES for pk in managers[party]]
        owe_event_notes(event=event, kind=kind, user_ids=user_ids, now=event.created_at)


def checkpoint_notes_owe(events: list[ActivityEvent], membership: Membership | None) -> None:
    """Reminders follow a checkpoint's time and attendees; a change the calendars must pick up
    sends the attendees its new .ics at once; a cancellation withdraws what waits and tells
    the attendees."""
    for event in events:
        if event.kind not in (
            EventKind.CHECKPOINT_SCHEDULED,
            EventKind.CHECKPOINT_CHANGED,
            EventKind.CHECKPOINT_CANCELLED,
        ):
            continue
        checkpoint, now = event.checkpoint, event.created_at
        checkpoint_reminders_sync(checkpoint, now)
        if event.kind == EventKind.CHECKPOINT_CHANGED and CALENDAR_FIELDS & set(event.changes):
            owe_checkpoint_updates(checkpoint, now)
        elif event.kind == EventKind.CHECKPOINT_CANCELLED:
            withdraw_checkpoint_updates(checkpoint)
            owe_cancellation_notices(checkpoint, now)


_ASSIGNING = {EventKind.OWNER_CHANGED, EventKind.TASK_CREATED}


def assignment_note_owe(events: list[ActivityEvent], membership: Membership | None) -> None:
    """A task's new owner is told, unless they took it themselves (one insert for a change of
    many tasks); so is the owner a one-off task was added with."""
    owe_assignment_notes(
        events=[event for event in events if event.kind in _ASSIGNING],
        now=timezone.now(),
    )


def member_notes_owe(events: list[ActivityEvent], membership: Membership | None) -> None:
    """A new member is invited; a removed one hears nothing more of the engagement (their
    reminders of meetings still to come included)."""
    for event in events:
        if event.kind == EventKind.MEMBER_ADDED:
            owe_invitation(membership, timezone.now())
        elif event.kind == EventKind.MEMBER_REMOVED:
            withdraw_member_notifications(
                engagement_id=event.engagement_id, user=event.changes["user"]
            )


def mention_notes_owe(events: list[ActivityEvent], membership: Membership | None) -> None:
    """Each member a comment mentions is told, unless they wrote it."""
    for event in events:
        if event.kind != EventKind.COMMENT_ADDED:
            continue
        user_ids = [
            mention["id"]
            for mention in event.changes.get("mentions", [])
            if mention["id"] != event.actor_id
        ]
        if user_ids:
            owe_mention_notes(event=event, user_ids=user_ids, now=event.created_at)
