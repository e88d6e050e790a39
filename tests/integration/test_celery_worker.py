"""Exactly once, never lost: real workers, real beat, real Redis, real PostgreSQL."""

import datetime
import threading
import time

import pytest
from django.utils import timezone

from fasttrack.celery import app
from notifications.models import Notification, NotificationStatus

from ..factories import make_checkpoint
from .conftest import count_messages, wait_for

pytestmark = [
    pytest.mark.celery_integration,
    pytest.mark.filterwarnings("ignore::celery.exceptions.AlwaysEagerIgnored"),
]


@pytest.fixture
def due_reminder(postgres_db, engagement, carla):
    """A committed checkpoint reminder for Carla whose moment is now."""
    start = timezone.now() + datetime.timedelta(hours=2)
    checkpoint = make_checkpoint(
        engagement,
        carla,
        phase="corrigir",
        title="Chamada de correção",
        starts_at=start,
        attendees=[carla],
    )
    reminder = checkpoint.notifications.get(minutes_before=60)
    Notification.objects.filter(pk=reminder.pk).update(due_at=timezone.now())
    return reminder


def status_of(notification):
    return Notification.objects.get(pk=notification.pk).status


def publish_send(broker_url, notification_id):
    with app.connection_for_write(broker_url) as connection:
        app.send_task(
            "engagements.tasks.send_notification", args=[notification_id], connection=connection
        )


def test_worker_and_beat_deliver_a_due_reminder_once(
    own_redis, start_worker, due_reminder, mail_dir
):
    worker = start_worker(own_redis.url, beat=True)
    wait_for(
        lambda: status_of(due_reminder) == NotificationStatus.SENT,
        what="the reminder",
        evidence=worker.log_tail,
    )
    time.sleep(3)  # beat keeps firing every second: nothing more may go out
    assert count_messages(mail_dir) == 1
    assert "Dispatched 1 notifications" in worker.log()


def test_the_same_task_enqueued_twice_at_once_delivers_once(
    own_redis, start_worker, due_reminder, mail_dir
):
    start_worker(own_redis.url)  # two pool processes, no beat
    publishers = [
        threading.Thread(target=publish_send, args=(own_redis.url, due_reminder.pk))
        for _ in range(2)
    ]
    for publisher in publishers:
        publisher.start()
    for publisher in publishers:
        publisher.join()
    wait_for(lambda: status_of(due_reminder) == NotificationStatus.SENT, what="the reminder")
    time.sleep(2)
    assert count_messages(mail_dir) == 1
    assert Notification.objects.get(pk=due_reminder.pk).attempts == 1


def test_a_worker_killed_mid_send_loses_nothing(own_redis, start_worker, due_reminder, mail_dir):
    stuck = start_worker(
        own_redis.url,
        name="stuck",
        EMAIL_BACKEND="tests.support.SlowFileEmailBackend",
        SLOW_EMAIL_SECONDS="60",
    )
    publish_send(own_redis.url, due_reminder.pk)
    wait_for(lambda: status_of(due_reminder) == NotificationStatus.SENDING, what="the claim")
    stuck.kill()
    assert count_messages(mail_dir) == 0

    rescuer = start_worker(own_redis.url, beat=True, name="rescuer")
    wait_for(
        lambda: status_of(due_reminder) == NotificationStatus.SENT,
        timeout=45,
        what="the rescuer to retake the claim after its lease and send",
        evidence=rescuer.log_tail,
    )
    time.sleep(2)
    assert count_messages(mail_dir) == 1
    assert Notification.objects.get(pk=due_reminder.pk).attempts == 2


def test_redis_stopped_and_started_again_the_reminder_goes_out_once(
    own_redis, start_worker, postgres_db, engagement, carla, mail_dir
):
    worker = start_worker(own_redis.url, beat=True, name="survivor")
    own_redis.stop()
    start = timezone.now() + datetime.timedelta(hours=2)
    checkpoint = make_checkpoint(
        engagement,
        carla,
        phase="corrigir",
        title="Chamada durante a queda",
        starts_at=start,
        attendees=[carla],
    )
    reminder = checkpoint.notifications.get(minutes_before=60)
    Notification.objects.filter(pk=reminder.pk).update(due_at=timezone.now())
    time.sleep(3)
    assert status_of(reminder) == NotificationStatus.PENDING
    assert count_messages(mail_dir) == 0

    own_redis.start()
    # The worker reconnects with a growing back-off while beat queues three tasks a second;
    # on a loaded machine that has taken over 90 s. What is tested is "once", not how soon.
    wait_for(
        lambda: status_of(reminder) == NotificationStatus.SENT,
        timeout=240,
        what="the reminder after Redis came back",
        evidence=lambda: f"worker log:\n{worker.log_tail()}\nRedis log:\n{own_redis.log()[-3000:]}",
    )
    time.sleep(2)
    assert count_messages(mail_dir) == 1
    assert worker.process.poll() is None
