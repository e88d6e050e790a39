"""Celery tasks: thin wrappers that take ids and call the notification, report and webhook
services."""

import logging

from celery import shared_task
from django.utils import timezone

from engagements.notifications import owing, sending
from engagements.reports import filing as reports
from engagements.webhooks import sending as webhook_sending

logger = logging.getLogger(__name__)


@shared_task(acks_late=True)
def send_notification(notification_id: int) -> None:
    # acks_late is safe: a redelivered message finds the row already claimed or sent.
    sending.notification_send(notification_id=notification_id)


@shared_task
def dispatch_notifications() -> None:
    due = sending.notifications_due(now=timezone.now())
    for notification_id in due:
        send_notification.delay(notification_id)
    if due:
        logger.info("Dispatched %d notifications", len(due))


@shared_task
def queue_daily_notifications() -> None:
    now = timezone.now()
    owing.queue_task_due_notes(now=now)
    owing.queue_digests(now=now)


@shared_task
def file_checkpoint_reports() -> None:
    # Each filing locks its checkpoint and files only what is missing, so two beats (or a
    # retried task) running this at once file and owe each report once.
    now = timezone.now()
    for checkpoint_id in reports.checkpoints_awaiting_report(now=now):
        reports.checkpoint_report_file(checkpoint_id=checkpoint_id, now=now)


@shared_task(acks_late=True)
def send_webhook(delivery_id: int) -> None:
    # acks_late is safe: a redelivered message finds the row already claimed or delivered.
    webhook_sending.webhook_delivery_send(delivery_id=delivery_id)


@shared_task
def dispatch_webhooks() -> None:
    due = webhook_sending.webhook_deliveries_due(now=timezone.now())
    for delivery_id in due:
        send_webhook.delay(delivery_id)
    if due:
        logger.info("Dispatched %d webhook deliveries", len(due))
