"""The unique key of each kind of notification: one builder per kind, used everywhere.

A key names everything that makes a notification a different email: a rescheduled checkpoint's
reminders have new keys (the start time is in them), a moved due date owes a new note.
"""

import datetime


def checkpoint_reminder_key(
    *, checkpoint_id: int, starts_at: datetime.datetime, minutes_before: int, user_id: int
) -> str:
    start_stamp = int(starts_at.timestamp())
    return f"checkpoint-reminder:{checkpoint_id}:{start_stamp}:{minutes_before}:{user_id}"


def checkpoint_cancelled_key(*, checkpoint_id: int, user_id: int) -> str:
    return f"checkpoint-cancelled:{checkpoint_id}:{user_id}"


def checkpoint_updated_key(*, checkpoint_id: int, sequence: int, user_id: int) -> str:
    """One update per change a calendar must pick up: the raised SEQUENCE is in the key."""
    return f"checkpoint-updated:{checkpoint_id}:{sequence}:{user_id}"


def task_due_tomorrow_key(*, task_id: int, due_date: datetime.date, user_id: int) -> str:
    return f"task-due-tomorrow:{task_id}:{due_date.isoformat()}:{user_id}"


def task_overdue_key(*, task_id: int, due_date: datetime.date, user_id: int) -> str:
    return f"task-overdue:{task_id}:{due_date.isoformat()}:{user_id}"


def digest_key(*, user_id: int, local_date: datetime.date) -> str:
    return f"digest:{user_id}:{local_date.isoformat()}"


def invitation_key(*, membership_id: int) -> str:
    return f"invitation:{membership_id}"


def task_assigned_key(*, task_id: int, event_id: int) -> str:
    """One note per assignment: the event that made it is in the key."""
    return f"task-assigned:{task_id}:{event_id}"


def gate_signed_key(*, event_id: int, user_id: int) -> str:
    """One note per sign-off to each manager of the party still to sign."""
    return f"gate-signed:{event_id}:{user_id}"


def gate_ready_key(*, event_id: int, user_id: int) -> str:
    """One note per tick that finished a phase, to each manager of either party."""
    return f"gate-ready:{event_id}:{user_id}"


def gate_reopened_key(*, event_id: int, user_id: int) -> str:
    return f"gate-reopened:{event_id}:{user_id}"


def tenant_revoked_key(*, event_id: int, user_id: int) -> str:
    """One note per revoked consent, to each manager of either party."""
    return f"tenant-revoked:{event_id}:{user_id}"


def tenant_drift_key(*, event_id: int, user_id: int) -> str:
    """One note per drift (the drift itself is opened once), to each manager."""
    return f"tenant-drift:{event_id}:{user_id}"


def mention_key(*, comment_id: int, user_id: int) -> str:
    """One note per comment to each member it names: saving it again owes nothing more."""
    return f"mention:{comment_id}:{user_id}"


def checkpoint_report_key(*, checkpoint_id: int, user_id: int) -> str:
    """One status report per attendee of each meeting that ended."""
    return f"checkpoint-report:{checkpoint_id}:{user_id}"
