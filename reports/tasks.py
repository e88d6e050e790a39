"""Celery tasks: filing each checkpoint's status report once the meeting ended.

The task keeps the name it had when it was the engagements app's, so the beat schedule and
messages queued by a running deployment still find it."""

from celery import shared_task
from django.utils import timezone

from reports import filing


@shared_task(name="engagements.tasks.file_checkpoint_reports")
def file_checkpoint_reports() -> None:
    # Each filing locks its checkpoint and files only what is missing, so two beats (or a
    # retried task) running this at once file and owe each report once.
    now = timezone.now()
    for checkpoint_id in filing.checkpoints_awaiting_report(now=now):
        filing.checkpoint_report_file(checkpoint_id=checkpoint_id, now=now)
