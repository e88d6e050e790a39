"""Sending notifications exactly once.

A send first claims its row with one conditional UPDATE; only the process whose claim took sends, so
a beat that fires twice, two workers or a task enqueued twice cannot send a second copy. A
failed send returns the row to waiting with a back-off; a claim whose worker died is retaken
after a lease. The one window left open is a crash after the mail server accepted a message
and before the row is marked sent: that message is sent again when the lease runs out, so the
portal errs towards a rare duplicate rather than a loss.
"""

import datetime
import logging

from django.conf import settings
from django.db.models import F, Q
from django.utils import timezone

from ..models import Membership, Notification, NotificationKind, NotificationStatus
from .emails import notification_message

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
