"""When a notification is owed: each function writes the rows it decides are owed (or
withdraws those no longer owed), in the caller's transaction. Keys make a second call harmless.
"""

import datetime
import zoneinfo

from django.conf import settings
from django.db.models import Max, Q
from django.utils import timezone

from accounts.models import Profile
from engagements.models import Checkpoint, Membership, Role, Task
from notifications import keys
from notifications.models import Delivery, Notification, NotificationKind, NotificationStatus
from notifications.preferences import deliveries_of


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


def _profiles(user_ids) -> dict:
    """The profiles of these users that exist, by user id."""
    profiles = Profile.objects.filter(user_id__in=user_ids).only("user_id", "time_zone")
    return {profile.user_id: profile for profile in profiles}


def _zone(profiles, user_id) -> zoneinfo.ZoneInfo:
    profile = profiles.get(user_id)
    return zoneinfo.ZoneInfo(profile.time_zone if profile else settings.TIME_ZONE)


def _local_now(profiles, user_id, now):
    return now.astimezone(_zone(profiles, user_id))


def queue_task_due_notes(*, now: datetime.datetime) -> None:
    """Owe a note the day before a task is due and the day after: to its owner when it has an
    active one, to its party's managers otherwise.

    Due from 08:00 in each recipient's time zone on that day; keys make a second scan harmless.
    """
    portal_today = timezone.localdate(now)
    # Time zones run about a day either side of the portal's.
    window = [portal_today + datetime.timedelta(days=d) for d in (-2, -1, 0, 1, 2)]
    tasks = list(
        Task.objects.open()
        .filter(due_date__in=window)
        .select_related("owner")
        .only("pk", "engagement_id", "party", "due_date", "owner__id", "owner__is_active")
    )
    if not tasks:
        return
    managers = Membership.objects.filter(
        engagement_id__in={t.engagement_id for t in tasks}, role=Role.MANAGER, user__is_active=True
    ).values_list("engagement_id", "party", "user_id")
    managers_of = {}
    for engagement_id, party, user_id in managers:
        managers_of.setdefault((engagement_id, party), []).append(user_id)

    def recipients(task) -> list[int]:
        if task.owner is not None and task.owner.is_active:
            return [task.owner_id]
        return managers_of.get((task.engagement_id, task.party), [])

    user_ids = {user_id for task in tasks for user_id in recipients(task)}
    profiles = _profiles(user_ids)
    deliveries = deliveries_of(
        user_ids, [NotificationKind.TASK_DUE_TOMORROW, NotificationKind.TASK_OVERDUE]
    )
    owed = []
    for task in tasks:
        for user_id in recipients(task):
            local = _local_now(profiles, user_id, now)
            if local.hour < settings.DIGEST_HOUR:
                continue
            if local.date() == task.due_date - datetime.timedelta(days=1):
                kind, key = NotificationKind.TASK_DUE_TOMORROW, keys.task_due_tomorrow_key
            elif local.date() == task.due_date + datetime.timedelta(days=1):
                kind, key = NotificationKind.TASK_OVERDUE, keys.task_overdue_key
            else:
                continue
            if deliveries.get((user_id, kind)) == Delivery.NEVER:
                continue
            owed.append(
                Notification(
                    key=key(task_id=task.pk, due_date=task.due_date, user_id=user_id),
                    kind=kind,
                    recipient_id=user_id,
                    task=task,
                    due_at=now,
                )
            )
    Notification.objects.bulk_create(owed, ignore_conflicts=True)


def _digest_date(key: str) -> datetime.date:
    return datetime.date.fromisoformat(key.rsplit(":", 1)[1])


def _eight_local(day: datetime.date, zone: zoneinfo.ZoneInfo) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(settings.DIGEST_HOUR), tzinfo=zone)


def queue_digests(*, now: datetime.datetime) -> None:
    """Owe each member who wants one a digest for each local calendar day, due at 08:00 their
    time on that day.

    Each member keeps one waiting digest, for the first 08:00 still ahead of them (or at this
    very moment) on a local date later than their last digest's: someone who joins at 20:00
    hears at 08:00 the next day, a clock change moves nothing (08:00 is worked out for each
    date), and someone who moves from Tokyo to Los Angeles after 08:00 reaches a local date
    whose digest they had already, so the next is the day after. A waiting digest not yet
    due follows its recipient's time zone; one already due is left for the send.
    """
    members = set(Membership.objects.filter(user__is_active=True).values_list("user_id", flat=True))
    profiles = _profiles(members)
    turned_off = deliveries_of(members, [NotificationKind.DIGEST])
    eligible = {
        user_id
        for user_id in members
        if turned_off.get((user_id, NotificationKind.DIGEST)) != Delivery.NEVER
    }
    digests = Notification.objects.filter(kind=NotificationKind.DIGEST, recipient_id__in=eligible)
    waiting = {
        row.recipient_id: row
        for row in digests.filter(status=NotificationStatus.PENDING).only(
            "pk", "key", "recipient_id", "due_at"
        )
    }
    # Keys end in the ISO date, so the greatest key of a user is their latest digest. Only one
    # due in the last two days can be for a local date as late as the one worked out below
    # (time zones are at most about a day apart), so older ones are left unread: there is one
    # per member per day, kept for ever.
    recent = digests.filter(due_at__gte=now - datetime.timedelta(days=2))
    last_dates = {
        user_id: _digest_date(key)
        for user_id, key in recent.exclude(status=NotificationStatus.PENDING)
        .values("recipient_id")
        .annotate(last=Max("key"))
        .values_list("recipient_id", "last")
    }
    owed = []
    for user_id in eligible:
        row = waiting.get(user_id)
        if row is not None and row.due_at <= now:
            continue
        zone = _zone(profiles, user_id)
        local = now.astimezone(zone)
        day = local.date()
        if local > _eight_local(day, zone):
            day += datetime.timedelta(days=1)
        if user_id in last_dates:
            day = max(day, last_dates[user_id] + datetime.timedelta(days=1))
        key, due_at = keys.digest_key(user_id=user_id, local_date=day), _eight_local(day, zone)
        if row is None:
            owed.append(
                Notification(
                    key=key,
                    kind=NotificationKind.DIGEST,
                    recipient_id=user_id,
                    due_at=due_at,
                    created_at=now,
                )
            )
        elif (row.key, row.due_at) != (key, due_at):
            # Its recipient changed time zone since it was owed.
            Notification.objects.filter(pk=row.pk, status=NotificationStatus.PENDING).update(
                key=key, due_at=due_at
            )
    Notification.objects.bulk_create(owed, ignore_conflicts=True)
