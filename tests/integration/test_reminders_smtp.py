"""Reminders through a real worker and beat to an SMTP server the test runs, which can refuse a
message (451) or hold it: edits, reschedules and slow sends never lose or double a reminder."""

import datetime
import time

import pytest
from django.utils import timezone

from notifications.keys import checkpoint_reminder_key
from notifications.models import Notification, NotificationStatus

from ..factories import change_checkpoint, make_checkpoint
from .conftest import wait_for

pytestmark = [
    pytest.mark.celery_integration,
    pytest.mark.filterwarnings("ignore::celery.exceptions.AlwaysEagerIgnored"),
]

OFFSET = 5  # minutes: a meeting 5 minutes and a few seconds ahead is reminded at once


@pytest.fixture
def soon(settings, postgres_db, engagement, carla):
    """Schedule a checkpoint whose only reminder, to Carla, falls due `seconds` from now."""
    settings.CHECKPOINT_REMINDER_MINUTES = [OFFSET]

    def schedule(seconds=1):
        start = timezone.now() + datetime.timedelta(minutes=OFFSET, seconds=seconds)
        return make_checkpoint(
            engagement, carla, phase="corrigir", title="Chamada", starts_at=start, attendees=[carla]
        )

    return schedule


def row(notification):
    return Notification.objects.get(pk=notification.pk)


def test_a_reminder_refused_once_and_then_its_agenda_edited_is_delivered_once(
    own_redis, start_worker, smtp_server, soon, carla
):
    smtp_server.will(refuse=True)
    checkpoint = soon()
    reminder = checkpoint.notifications.get()
    start_worker(
        own_redis.url,
        beat=True,
        EMAIL_URL=smtp_server.url,
        CHECKPOINT_REMINDER_MINUTES=str(OFFSET),
        NOTIFICATION_RETRY_SECONDS="4",  # time to edit the agenda before the retry
    )
    wait_for(
        lambda: (row(reminder).status, row(reminder).attempts) == (NotificationStatus.PENDING, 1),
        what="the first attempt to be refused",
    )
    assert reminder.due_at < timezone.now()  # its moment has passed, the meeting is ahead
    change_checkpoint(checkpoint, carla, agenda="1. Rede\n2. Identidade")
    wait_for(lambda: row(reminder).status == NotificationStatus.SENT, what="the retry")
    time.sleep(2)
    # The edit also sends the attendee the updated .ics at once; reminders are counted here.
    assert smtp_server.keys("checkpoint-reminder") == [reminder.key]


def test_a_reschedule_while_the_server_holds_the_old_reminder_sends_only_the_new_one(
    own_redis, start_worker, smtp_server, soon, carla
):
    smtp_server.will(hold=3, refuse=True)
    checkpoint = soon()
    old = checkpoint.notifications.get()
    start_worker(
        own_redis.url,
        beat=True,
        EMAIL_URL=smtp_server.url,
        CHECKPOINT_REMINDER_MINUTES=str(OFFSET),
        # The hold must fit in the task time limit, and the lease must outlast both.
        CELERY_TASK_TIME_LIMIT="8",
        CELERY_TASK_SOFT_TIME_LIMIT="7",
        NOTIFICATION_CLAIM_LEASE_SECONDS="10",
    )
    wait_for(lambda: smtp_server.holding == 1, what="the old reminder to reach the server")
    assert row(old).status == NotificationStatus.SENDING
    new_start = timezone.now() + datetime.timedelta(minutes=OFFSET, seconds=1)
    change_checkpoint(
        checkpoint, carla, starts_at=new_start, ends_at=new_start + datetime.timedelta(hours=1)
    )
    new_key = checkpoint_reminder_key(
        checkpoint_id=checkpoint.pk, starts_at=new_start, minutes_before=OFFSET, user_id=carla.pk
    )
    wait_for(
        lambda: Notification.objects.filter(key=new_key, status=NotificationStatus.SENT).exists(),
        what="the new time's reminder",
    )
    wait_for(
        lambda: row(old).status not in (NotificationStatus.PENDING, NotificationStatus.SENDING),
        what="the old one's retry",
    )
    time.sleep(2)
    assert smtp_server.keys("checkpoint-reminder") == [new_key]
    assert (row(old).status, row(old).last_error) == (
        NotificationStatus.WITHDRAWN,
        "the checkpoint was rescheduled",
    )


def test_a_send_held_longer_than_the_lease_is_delivered_exactly_once(
    own_redis, start_worker, smtp_server, soon
):
    # Lease 3 s, task time limit 2 s (conftest): the held send is killed before its lease
    # runs out, so the retaken claim is the only one that reaches the server.
    smtp_server.will(hold=6)
    reminder = soon().notifications.get()
    start_worker(
        own_redis.url, beat=True, EMAIL_URL=smtp_server.url, CHECKPOINT_REMINDER_MINUTES="5"
    )
    wait_for(lambda: smtp_server.holding == 1, what="the send to be held")
    wait_for(lambda: row(reminder).status == NotificationStatus.SENT, what="the retaken send")
    time.sleep(6)  # past the hold: the first send never lands
    assert len(smtp_server.keys()) == 1
    assert row(reminder).attempts == 2


def test_a_slow_data_answer_fails_the_send_in_time_and_the_resend_keeps_its_message_id(
    own_redis, start_worker, smtp_server, soon
):
    # The configuration of the report: lease 5 s, hard limit 4 s, soft 3 s. The server takes
    # the message on its final dot and answers only after 6 s, past both limits.
    smtp_server.will(hold=6, taken=True)
    reminder = soon().notifications.get()
    worker = start_worker(
        own_redis.url,
        beat=True,
        EMAIL_URL=smtp_server.url,
        CHECKPOINT_REMINDER_MINUTES=str(OFFSET),
        NOTIFICATION_CLAIM_LEASE_SECONDS="5",
        CELERY_TASK_TIME_LIMIT="4",
        CELERY_TASK_SOFT_TIME_LIMIT="3",
    )
    wait_for(lambda: row(reminder).status == NotificationStatus.SENT, what="the retry")
    assert row(reminder).attempts == 2
    assert "TimeoutError" in worker.log()  # EMAIL_TIMEOUT (a third of the soft limit) ended it
    assert "TimeLimitExceeded" not in worker.log()
    # The one window no SMTP client can close: the server kept the first copy although it
    # never said so. Both carry one Message-ID, so mail clients show one email.
    first, second = smtp_server.accepted
    assert first["Message-ID"] == second["Message-ID"]
