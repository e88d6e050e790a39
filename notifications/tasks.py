"""Celery tasks: thin wrappers that take ids and call the notification services.

Each keeps the name it had when the tasks were the engagements app's, so messages queued by a
running deployment and the beat schedule still find them."""

import logging

from celery import shared_task
from django.utils import timezone

from notifications import daily, sending

logger = logging.getLogger(__name__)


@shared_task(name="engagements.tasks.send_notification", acks_late=True)
def send_notification(notification_id: int) -> None:
    # acks_late is safe: a redelivered message finds the row already claimed or sent.
    sending.notification_send(notification_id=notification_id)


@shared_task(name="engagements.tasks.dispatch_notifications")
def dispatch_notifications() -> None:
    due = sending.notifications_due(now=timezone.now())
    for notification_id in due:
        send_notification.delay(notification_id)
    if due:
        logger.info("Dispatched %d notifications", len(due))


@shared_task(name="engagements.tasks.queue_daily_notifications")
def queue_daily_notifications() -> None:
    now = timezone.now()
    daily.queue_task_due_notes(now=now)
    daily.queue_digests(now=now)
