"""Celery tasks: thin wrappers that take ids and call the webhook services.

Each keeps the name it had when the tasks were the engagements app's, so messages queued by a
running deployment and the beat schedule still find them."""

import logging

from celery import shared_task
from django.utils import timezone

from webhooks import sending, teams

logger = logging.getLogger(__name__)


@shared_task(name="engagements.tasks.send_webhook", acks_late=True)
def send_webhook(delivery_id: int) -> None:
    # acks_late is safe: a redelivered message finds the row already claimed or delivered.
    sending.webhook_delivery_send(delivery_id=delivery_id)


@shared_task(name="engagements.tasks.dispatch_webhooks")
def dispatch_webhooks() -> None:
    now = timezone.now()
    # Teams channels' reminders and overdue cards are owed by the clock, not by an event.
    teams.clock_cards_owe(now=now)
    due = sending.webhook_deliveries_due(now=now)
    for delivery_id in due:
        send_webhook.delay(delivery_id)
    if due:
        logger.info("Dispatched %d webhook deliveries", len(due))
