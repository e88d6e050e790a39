"""When a notification is owed: each function writes the rows it decides are owed (or
withdraws those no longer owed), in the caller's transaction. Keys make a second call harmless.
"""

import datetime

from django.conf import settings
from django.db.models import Q

from engagements.models import Checkpoint, Membership
from notifications import keys
from notifications.models import Notification, NotificationKind, NotificationStatus


def checkpoint_reminders_sync(checkpoint: Checkpoint, now) -> None:
    """Make the reminders match the checkpoint's time and attendees.

    A reminder's key holds the start time, so a rescheduled checkpoint gets fresh reminders
    while the ones already sent for the old time stay in the log. Only offsets still ahead are
    newly owed (one already past when the meeting is scheduled has nothing to remind of), but a
    reminder that fell due and is still waiting for a worker or a retry stays owed: an edit
    that keeps the time and the attendee must not withdraw it.
    """
    kept, new = set(), {}
    if not checkpoint.is_cancelled:
        for user in checkpoint.attendees.all():
            for minutes in settings.CHECKPOINT_REMINDER_MINUTES:
                due_at = checkpoint.starts_at - datetime.timedelta(minutes=minutes)
                key = keys.checkpoint_reminder_key(
                    checkpoint_id=checkpoint.pk,
                    starts_at=checkpoint.starts_at,
                    minutes_before=minutes,
                    user_id=user.pk,
                )
                kept.add(key)
                if due_at > now:
                    new[key] = Notification(
                        key=key,
                        kind=NotificationKind.CHECKPOINT_REMINDER,
                        recipient=user,
                        checkpoint=checkpoint,
                        minutes_before=minutes,
                        owed_for=checkpoint.starts_at,
                        due_at=due_at,
                    )
    reminders = Notification.objects.filter(
        checkpoint=checkpoint, kind=NotificationKind.CHECKPOINT_REMINDER
    )
    reminders.filter(status=NotificationStatus.PENDING).exclude(key__in=kept).update(
        status=NotificationStatus.WITHDRAWN
    )
    reminders.filter(status=NotificationStatus.WITHDRAWN, key__in=new).update(
        status=NotificationStatus.PENDING
    )
    Notification.objects.bulk_create(new.values(), ignore_conflicts=True)


def owe_cancellation_notices(checkpoint: Checkpoint, now) -> None:
    """Every attendee of a cancelled meeting is told, at once."""
    Notification.objects.bulk_create(
        [
            Notification(
                key=keys.checkpoint_cancelled_key(checkpoint_id=checkpoint.pk, user_id=user_id),
                kind=NotificationKind.CHECKPOINT_CANCELLED,
                recipient_id=user_id,
                checkpoint=checkpoint,
                due_at=now,
            )
            for user_id in checkpoint.attendees.values_list("pk", flat=True)
        ],
        ignore_conflicts=True,
    )


def owe_checkpoint_updates(checkpoint: Checkpoint, now) -> None:
    """Every current attendee of a changed meeting gets its new calendar file, at once.

    Called when a change raised the SEQUENCE; the key holds it, so each change owes its own
    update. An older update still waiting is left for the send to withdraw (its SEQUENCE is no
    longer the checkpoint's), and an attendee the change removed gets nothing new.
    """
    Notification.objects.bulk_create(
        [
            Notification(
                key=keys.checkpoint_updated_key(
                    checkpoint_id=checkpoint.pk, sequence=checkpoint.sequence, user_id=user_id
                ),
                kind=NotificationKind.CHECKPOINT_UPDATED,
                recipient_id=user_id,
                checkpoint=checkpoint,
                sequence=checkpoint.sequence,
                due_at=now,
            )
            for user_id in checkpoint.attendees.values_list("pk", flat=True)
        ],
        ignore_conflicts=True,
    )


def owe_checkpoint_reports(checkpoint: Checkpoint, report_for: dict, now) -> None:
    """Every attendee of a meeting that ended gets its status report (`report_for`: attendee
    id -> the report filed in their language and time zone), at once."""
    Notification.objects.bulk_create(
        [
            Notification(
                key=keys.checkpoint_report_key(checkpoint_id=checkpoint.pk, user_id=user_id),
                kind=NotificationKind.CHECKPOINT_REPORT,
                recipient_id=user_id,
                checkpoint=checkpoint,
                report=report,
                due_at=now,
            )
            for user_id, report in report_for.items()
        ],
        ignore_conflicts=True,
    )


def withdraw_checkpoint_updates(checkpoint: Checkpoint) -> None:
    """A cancelled meeting's waiting updates are withdrawn: its cancellation notice says it all."""
    Notification.objects.filter(
        checkpoint=checkpoint,
        kind=NotificationKind.CHECKPOINT_UPDATED,
        status=NotificationStatus.PENDING,
    ).update(status=NotificationStatus.WITHDRAWN)


def owe_invitation(membership: Membership, now) -> None:
    """A new member is told they were added (with a link to set a password if they need one)."""
    Notification.objects.create(
        key=keys.invitation_key(membership_id=membership.pk),
        kind=NotificationKind.INVITATION,
        recipient=membership.user,
        engagement=membership.engagement,
        due_at=now,
    )


def owe_assignment_notes(*, events, now) -> None:
    """Each task's new owner is told, unless they took it themselves (events of owner
    changes, whose tasks hold their new owner)."""
    owed = [
        Notification(
            key=keys.task_assigned_key(task_id=event.task.pk, event_id=event.pk),
            kind=NotificationKind.TASK_ASSIGNED,
            recipient_id=event.task.owner_id,
            task=event.task,
            due_at=now,
        )
        for event in events
        if event.task.owner_id is not None and event.task.owner_id != event.actor_id
    ]
    if owed:
        Notification.objects.bulk_create(owed)


_EVENT_NOTE_KEYS = {
    NotificationKind.GATE_SIGNED: keys.gate_signed_key,
    NotificationKind.GATE_REOPENED: keys.gate_reopened_key,
    NotificationKind.GATE_READY: keys.gate_ready_key,
    NotificationKind.TENANT_REVOKED: keys.tenant_revoked_key,
    NotificationKind.TENANT_DRIFT: keys.tenant_drift_key,
}


def owe_event_notes(*, event, kind: str, user_ids: list[int], now) -> None:
    """Managers hear at once that a phase's tasks are done (and wait on their sign-off), that
    the other party signed it off, that it was reopened, that the customer's tenant withdrew
    its consent or stopped confirming a done task; the event says what happened."""
    Notification.objects.bulk_create(
        [
            Notification(
                key=_EVENT_NOTE_KEYS[kind](event_id=event.pk, user_id=user_id),
                kind=kind,
                recipient_id=user_id,
                engagement_id=event.engagement_id,
                event=event,
                due_at=now,
            )
            for user_id in user_ids
        ],
        ignore_conflicts=True,
    )


def owe_mention_notes(*, event, user_ids: list[int], now) -> None:
    """Each member a comment names hears of it at once (the event keeps the comment)."""
    Notification.objects.bulk_create(
        [
            Notification(
                key=keys.mention_key(comment_id=event.changes["comment"], user_id=user_id),
                kind=NotificationKind.MENTION,
                recipient_id=user_id,
                engagement_id=event.engagement_id,
                event=event,
                due_at=now,
            )
            for user_id in user_ids
        ],
        ignore_conflicts=True,
    )


def withdraw_member_notifications(*, engagement_id: int, user) -> None:
    """A removed member hears nothing more about the engagement."""
    Notification.objects.filter(
        Q(engagement_id=engagement_id)
        | Q(checkpoint__engagement_id=engagement_id)
        | Q(task__engagement_id=engagement_id),
        recipient=user,
        status__in=[NotificationStatus.PENDING, NotificationStatus.HELD],
    ).update(status=NotificationStatus.WITHDRAWN)
