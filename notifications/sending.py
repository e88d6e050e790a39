"""Sending notifications exactly once.

A send first claims its row with one conditional UPDATE that stamps a fresh claim token; only
the process whose claim took sends, so a beat that fires twice, two workers or a task enqueued
twice cannot send a second copy. A claim whose worker died is retaken after a lease; the token
tells a retaken claim from the new one, so the old sender, checking its claim just before
talking to the mail server and again when it finishes, neither sends nor overwrites the new
sender's outcome. (Settings keep the lease longer than Celery's task time limit, so a live send
is killed before its lease can run out.) A failed send returns the row to waiting with a
back-off. The one window left open is a crash after the mail server accepted a message and
before the row is marked sent: that message is sent again when the lease runs out, so the
portal errs towards a rare duplicate rather than a loss.
"""

import datetime
import logging
import secrets

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.mail import get_connection
from django.db import connection
from django.db.models import F, Q
from django.utils import timezone

from engagements.models import Membership
from notifications import preferences
from notifications.emails import notification_message
from notifications.models import Delivery, Notification, NotificationKind, NotificationStatus

logger = logging.getLogger(__name__)

DISPATCH_BATCH = 500
# However many attempts failed, the next one is at most this far off.
RETRY_CAP_SECONDS = 3600


def _ready(now):
    return Q(status=NotificationStatus.PENDING, due_at__lte=now) & (
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
    )


def notifications_due(*, now: datetime.datetime) -> list[int]:
    """Retake claims whose worker died, then stamp what is ready to send and list it (two
    indexed statements, however many are due).

    A stamped row that no worker claimed is listed again after NOTIFICATION_REQUEUE_SECONDS,
    not after the (much longer) claim lease: if the broker lost its queue, the reminder waits a
    minute, not five; a backlog that merely waits for workers is enqueued again that often,
    which is harmless (the claim decides)."""
    lease = datetime.timedelta(seconds=settings.NOTIFICATION_CLAIM_LEASE_SECONDS)
    requeue = datetime.timedelta(seconds=settings.NOTIFICATION_REQUEUE_SECONDS)
    retaken = Notification.objects.filter(
        status=NotificationStatus.SENDING, claimed_at__lt=now - lease
    ).update(status=NotificationStatus.PENDING, queued_at=None, claim_token="")
    if retaken:
        logger.warning("Retook %d notifications whose sender did not finish", retaken)
    due = (
        Notification.objects.filter(_ready(now))
        .filter(Q(queued_at__isnull=True) | Q(queued_at__lt=now - requeue))
        .order_by("due_at")
        .values("pk")[:DISPATCH_BATCH]
    )
    return _stamp(due, now)


def _stamp(due, now) -> list[int]:
    """Stamp the rows of `due` as queued and return their ids: one UPDATE ... RETURNING, so
    no id list travels to the database and back, and no row changes between listing and
    stamping. On PostgreSQL it skips rows another beat is stamping this very moment."""
    sql, params = due.query.sql_with_params()
    if connection.features.has_select_for_update_skip_locked:
        sql += " FOR UPDATE SKIP LOCKED"
    table = connection.ops.quote_name(Notification._meta.db_table)
    key = connection.ops.quote_name(Notification._meta.pk.column)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET queued_at = %s WHERE {key} IN ({sql}) RETURNING {key}",
            [connection.ops.adapt_datetimefield_value(now), *params],
        )
        return [row[0] for row in cursor.fetchall()]


def notifications_retry(ids) -> int:
    """Give failed notifications a fresh run of attempts (staff, from the admin); return how
    many. Only failed ones: a dropped, skipped or withdrawn notification was not owed any more,
    and a send decides again whether a retried one still is (a meeting that started drops it)."""
    return Notification.objects.filter(pk__in=ids, status=NotificationStatus.FAILED).update(
        status=NotificationStatus.PENDING,
        attempts=0,
        next_attempt_at=None,
        queued_at=None,
        claim_token="",
    )


def _finish(notification_id, claim_token, status, **fields) -> bool:
    """End this claim, and only this one: a claim retaken after its lease is not ours."""
    return bool(
        Notification.objects.filter(
            pk=notification_id, status=NotificationStatus.SENDING, claim_token=claim_token
        ).update(status=status, **fields)
    )


def _retry_delay(attempts: int) -> datetime.timedelta:
    seconds = settings.NOTIFICATION_RETRY_SECONDS * 2 ** max(attempts - 1, 0)
    return datetime.timedelta(seconds=min(seconds, RETRY_CAP_SECONDS))


def _stale_reason(notification: Notification, now) -> tuple[str, str]:
    """(the status to end in, why) when a claimed notification must not be sent after all,
    or ('', '')."""
    checkpoint = notification.checkpoint
    if notification.kind == NotificationKind.CHECKPOINT_REMINDER:
        if checkpoint.is_cancelled:
            return NotificationStatus.DROPPED, "the checkpoint was cancelled"
        if checkpoint.starts_at != notification.owed_for:
            # Its reschedule found it mid-send; the new time has reminders of its own.
            return NotificationStatus.WITHDRAWN, "the checkpoint was rescheduled"
        if checkpoint.has_started(now):
            return NotificationStatus.DROPPED, "the checkpoint had already started"
    if notification.kind == NotificationKind.CHECKPOINT_UPDATED:
        if checkpoint.sequence != notification.sequence:
            # A newer change (or the cancellation) raised it again and owes its own email.
            return NotificationStatus.WITHDRAWN, "a newer update supersedes it"
        if checkpoint.has_started(now):
            return NotificationStatus.DROPPED, "the checkpoint had already started"
    if notification.task is not None and notification.task.done:
        return NotificationStatus.DROPPED, "the task was done"
    if notification.task is not None and notification.task.is_withdrawn:
        return NotificationStatus.WITHDRAWN, "the task was withdrawn"
    if (
        notification.kind == NotificationKind.TASK_ASSIGNED
        and notification.task.owner_id != notification.recipient_id
    ):
        return NotificationStatus.WITHDRAWN, "the task was given to someone else"
    recipient = notification.recipient
    if not recipient.is_active:
        return NotificationStatus.DROPPED, "the recipient's account is inactive"
    if not recipient.email:
        return NotificationStatus.DROPPED, "the recipient has no email address"
    engagement_id = (
        notification.engagement_id
        or (checkpoint and checkpoint.engagement_id)
        or (notification.task and notification.task.engagement_id)
    )
    if (
        engagement_id
        and not Membership.objects.filter(engagement_id=engagement_id, user=recipient).exists()
    ):
        return NotificationStatus.DROPPED, "the recipient is no longer a member"
    # Decided at the send, not when owed: a digest is owed the day before it is due, and the
    # recipient may have changed their mind since about any kind.
    delivery = preferences.delivery_for(recipient.pk, notification.kind)
    if delivery == Delivery.NEVER:
        return NotificationStatus.WITHDRAWN, "the recipient turned this kind of email off"
    if delivery == Delivery.DIGEST:
        return NotificationStatus.HELD, "held for the recipient's digest"
    return "", ""


def notification_claim(*, notification_id: int, now: datetime.datetime) -> str | None:
    """Claim a ready notification for this sender: its claim token, or None if it was not
    ready (already claimed, sent, waiting for a retry, withdrawn...)."""
    claim_token = secrets.token_hex(16)
    claimed = Notification.objects.filter(_ready(now), pk=notification_id).update(
        status=NotificationStatus.SENDING,
        claimed_at=now,
        claim_token=claim_token,
        attempts=F("attempts") + 1,
    )
    return claim_token if claimed == 1 else None


def _claimed(notification_id: int, claim_token: str) -> Notification | None:
    """The notification as it is now, if it is still in this sender's claim."""
    return (
        Notification.objects.select_related(
            "recipient",
            "engagement",
            "checkpoint__engagement",
            "checkpoint__phase",
            "task__engagement",
            "report",
        )
        .filter(pk=notification_id, status=NotificationStatus.SENDING, claim_token=claim_token)
        .first()
    )


def _still_owed(notification_id, claim_token, now) -> tuple[Notification | None, str]:
    """The claimed notification and '' when it may be sent; (None, outcome) when it may not."""
    notification = _claimed(notification_id, claim_token)
    if notification is None:
        logger.warning("Notification %s: its claim was retaken, not sending", notification_id)
        return None, "claim lost"
    status, reason = _stale_reason(notification, now)
    if status:
        verb = {NotificationStatus.WITHDRAWN: "Withdrew", NotificationStatus.HELD: "Held"}.get(
            status, "Dropped"
        )
        logger.warning("%s notification %s: %s", verb, notification.key, reason)
        _finish(notification_id, claim_token, status, last_error=reason)
        return None, status
    return notification, ""


def _hand_over(message) -> None:
    """Send the message on a connection of our own, so that Celery's soft time limit ends the
    conversation at once: Django's clean-up would say QUIT and wait for an answer that a server
    slow to answer DATA gives only after the hard limit killed the task, the message gone."""
    connection = get_connection()
    try:
        connection.open()
        connection.send_messages([message])
    except SoftTimeLimitExceeded:
        smtp = getattr(connection, "connection", None)
        if smtp is not None:
            smtp.close()  # the socket, without a QUIT
            connection.connection = None
        raise
    finally:
        connection.close()


def notification_deliver(*, notification_id: int, claim_token: str, now: datetime.datetime) -> str:
    """Send a notification this sender claimed; return the status it ended in ('claim lost'
    when the claim was retaken meanwhile)."""
    notification, outcome = _still_owed(notification_id, claim_token, now)
    if notification is None:
        return outcome
    try:
        message = notification_message(notification, now)
        if message is None:
            _finish(
                notification_id,
                claim_token,
                NotificationStatus.SKIPPED,
                last_error="nothing to report",
            )
            return NotificationStatus.SKIPPED
        # Composing took time (the agenda's queries): the checkpoint may have moved and the
        # lease may have run out meanwhile. Look again just before the mail server.
        still_owed, outcome = _still_owed(notification_id, claim_token, now)
        if still_owed is None:
            return outcome
        _hand_over(message)
    # SMTP refusals, timeouts, DNS, Celery's soft time limit: all mean "try again later".
    except Exception as error:
        failed_for_good = notification.attempts >= settings.NOTIFICATION_MAX_ATTEMPTS
        logger.exception(
            "Sending notification %s failed (attempt %d)", notification.key, notification.attempts
        )
        _finish(
            notification_id,
            claim_token,
            NotificationStatus.FAILED if failed_for_good else NotificationStatus.PENDING,
            last_error=f"{type(error).__name__}: {error}"[:2000],
            next_attempt_at=now + _retry_delay(notification.attempts),
            queued_at=None,
        )
        return NotificationStatus.FAILED if failed_for_good else NotificationStatus.PENDING
    if not _finish(
        notification_id,
        claim_token,
        NotificationStatus.SENT,
        sent_at=timezone.now(),
        last_error="",
    ):
        # Sent, but the lease ran out first: another sender may send it too (the rare
        # duplicate the lease-longer-than-the-time-limit setting exists to prevent).
        logger.error("Notification %s was sent after its claim was retaken", notification.key)
    Notification.objects.filter(pk__in=message.held_ids, status=NotificationStatus.HELD).update(
        status=NotificationStatus.DIGESTED, sent_at=timezone.now()
    )
    return NotificationStatus.SENT


def notification_send(*, notification_id: int, now: datetime.datetime | None = None) -> str:
    """Claim the notification and send it; return the status it ended in (or 'not claimed')."""
    now = now or timezone.now()
    claim_token = notification_claim(notification_id=notification_id, now=now)
    if claim_token is None:
        return "not claimed"
    return notification_deliver(notification_id=notification_id, claim_token=claim_token, now=now)
