"""Sending notifications exactly once.

Each notification is a row with a unique key, created when the portal decides it is owed
(scheduling a checkpoint, cancelling one, the daily scan of due dates and digests). A send
first claims its row with one conditional UPDATE; only the process whose claim took sends, so
a beat that fires twice, two workers or a task enqueued twice cannot send a second copy. A
failed send returns the row to waiting with a back-off; a claim whose worker died is retaken
after a lease. The one window left open is a crash after the mail server accepted a message
and before the row is marked sent: that message is sent again when the lease runs out, so the
portal errs towards a rare duplicate rather than a loss.
"""

import datetime
import logging
import zoneinfo

from django.conf import settings
from django.db.models import F, Q
from django.utils import timezone

from .emails import notification_message
from .models import (
    Membership,
    Notification,
    NotificationKind,
    NotificationStatus,
    Profile,
    Role,
    Task,
)

logger = logging.getLogger(__name__)

DISPATCH_BATCH = 500


def _ready(now):
    return Q(status=NotificationStatus.PENDING, due_at__lte=now) & (
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
    )


def notifications_due(*, now: datetime.datetime) -> list[int]:
    """Retake claims whose worker died, then list and stamp what is ready to send (three
    indexed queries, two when nothing is due). A stamped row is not listed again for a lease,
    so a backlog that waits for workers is not enqueued again on every beat."""
    lease = datetime.timedelta(seconds=settings.NOTIFICATION_CLAIM_LEASE_SECONDS)
    retaken = Notification.objects.filter(
        status=NotificationStatus.SENDING, claimed_at__lt=now - lease
    ).update(status=NotificationStatus.PENDING, queued_at=None)
    if retaken:
        logger.warning("Retook %d notifications whose sender did not finish", retaken)
    due = list(
        Notification.objects.filter(_ready(now))
        .filter(Q(queued_at__isnull=True) | Q(queued_at__lt=now - lease))
        .order_by("due_at")
        .values_list("pk", flat=True)[:DISPATCH_BATCH]
    )
    Notification.objects.filter(pk__in=due).update(queued_at=now)
    return due


def _finish(notification_id, status, **fields) -> None:
    Notification.objects.filter(pk=notification_id, status=NotificationStatus.SENDING).update(
        status=status, **fields
    )


def _retry_delay(attempts: int) -> datetime.timedelta:
    seconds = settings.NOTIFICATION_RETRY_SECONDS * 2 ** max(attempts - 1, 0)
    return datetime.timedelta(seconds=min(seconds, 3600))


def _stale_reason(notification: Notification, now) -> str:
    """Why a claimed notification must not be sent after all, or ''."""
    checkpoint = notification.checkpoint
    if notification.kind == NotificationKind.CHECKPOINT_REMINDER:
        if checkpoint.is_cancelled:
            return "the checkpoint was cancelled"
        if checkpoint.has_started(now):
            return "the checkpoint had already started"
    if notification.task is not None and notification.task.done:
        return "the task was done"
    recipient = notification.recipient
    if not recipient.is_active:
        return "the recipient's account is inactive"
    if not recipient.email:
        return "the recipient has no email address"
    engagement_id = (
        notification.engagement_id
        or (checkpoint and checkpoint.engagement_id)
        or (notification.task and notification.task.engagement_id)
    )
    if (
        engagement_id
        and not Membership.objects.filter(engagement_id=engagement_id, user=recipient).exists()
    ):
        return "the recipient is no longer a member"
    return ""


def notification_send(*, notification_id: int, now: datetime.datetime | None = None) -> str:
    """Claim the notification and send it; return the status it ended in (or 'not claimed')."""
    now = now or timezone.now()
    claimed = Notification.objects.filter(_ready(now), pk=notification_id).update(
        status=NotificationStatus.SENDING, claimed_at=now, attempts=F("attempts") + 1
    )
    if claimed != 1:
        return "not claimed"
    notification = Notification.objects.select_related(
        "recipient", "engagement", "checkpoint__engagement", "checkpoint__phase", "task__engagement"
    ).get(pk=notification_id)

    reason = _stale_reason(notification, now)
    if reason:
        logger.warning("Dropped notification %s: %s", notification.key, reason)
        _finish(notification_id, NotificationStatus.DROPPED, last_error=reason)
        return NotificationStatus.DROPPED
    try:
        message = notification_message(notification, now)
        if message is None:
            _finish(notification_id, NotificationStatus.SKIPPED, last_error="nothing to report")
            return NotificationStatus.SKIPPED
        message.send()
    except Exception as error:  # SMTP refusals, timeouts, DNS: all mean "try again later"
        failed_for_good = notification.attempts >= settings.NOTIFICATION_MAX_ATTEMPTS
        logger.exception(
            "Sending notification %s failed (attempt %d)", notification.key, notification.attempts
        )
        _finish(
            notification_id,
            NotificationStatus.FAILED if failed_for_good else NotificationStatus.PENDING,
            last_error=f"{type(error).__name__}: {error}"[:2000],
            next_attempt_at=now + _retry_delay(notification.attempts),
            queued_at=None,
        )
        return NotificationStatus.FAILED if failed_for_good else NotificationStatus.PENDING
    _finish(notification_id, NotificationStatus.SENT, sent_at=timezone.now(), last_error="")
    return NotificationStatus.SENT


def _local_now(user_zones, user_id, now):
    return now.astimezone(zoneinfo.ZoneInfo(user_zones.get(user_id, settings.TIME_ZONE)))


def queue_task_due_notes(*, now: datetime.datetime) -> None:
    """Owe the owner party's managers a note the day before a task is due and the day after.

    Due from 08:00 in each manager's time zone on that day; keys make a second scan harmless.
    """
    portal_today = timezone.localdate(now)
    # Time zones run about a day either side of the portal's.
    window = [portal_today + datetime.timedelta(days=d) for d in (-2, -1, 0, 1, 2)]
    tasks = list(Task.objects.filter(done=False, due_date__in=window))
    if not tasks:
        return
    managers = Membership.objects.filter(
        engagement_id__in={t.engagement_id for t in tasks}, role=Role.MANAGER, user__is_active=True
    ).values_list("engagement_id", "party", "user_id")
    managers_of = {}
    for engagement_id, party, user_id in managers:
        managers_of.setdefault((engagement_id, party), []).append(user_id)
    user_ids = {u for users in managers_of.values() for u in users}
    zones = dict(Profile.objects.filter(user_id__in=user_ids).values_list("user_id", "time_zone"))
    owed = []
    for task in tasks:
        for user_id in managers_of.get((task.engagement_id, task.party), []):
            local = _local_now(zones, user_id, now)
            if local.hour < settings.DIGEST_HOUR:
                continue
            if local.date() == task.due_date - datetime.timedelta(days=1):
                kind, prefix = NotificationKind.TASK_DUE_TOMORROW, "task-due-tomorrow"
            elif local.date() == task.due_date + datetime.timedelta(days=1):
                kind, prefix = NotificationKind.TASK_OVERDUE, "task-overdue"
            else:
                continue
            owed.append(
                Notification(
                    key=f"{prefix}:{task.pk}:{task.due_date.isoformat()}:{user_id}",
                    kind=kind,
                    recipient_id=user_id,
                    task=task,
                    due_at=now,
                )
            )
    Notification.objects.bulk_create(owed, ignore_conflicts=True)


def queue_digests(*, now: datetime.datetime) -> None:
    """Owe each member who wants one a digest for their local day, from 08:00 their time."""
    members = set(Membership.objects.filter(user__is_active=True).values_list("user_id", flat=True))
    zones, opted_out = {}, set()
    for user_id, time_zone, receives_digest in Profile.objects.filter(
        user_id__in=members
    ).values_list("user_id", "time_zone", "receives_digest"):
        zones[user_id] = time_zone
        if not receives_digest:
            opted_out.add(user_id)
    owed = []
    for user_id in members - opted_out:
        local = _local_now(zones, user_id, now)
        if local.hour < settings.DIGEST_HOUR:
            continue
        owed.append(
            Notification(
                key=f"digest:{user_id}:{local.date().isoformat()}",
                kind=NotificationKind.DIGEST,
                recipient_id=user_id,
                due_at=now,
            )
        )
    Notification.objects.bulk_create(owed, ignore_conflicts=True)
