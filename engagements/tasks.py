"""Celery tasks of the core: catalogue applies across many engagements
(engagements/sync/jobs.py)."""

from celery import shared_task
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from engagements.sync import jobs


@shared_task(acks_late=True)
def catalogue_apply_job_run(job_id: int) -> str:
    """Apply a job's waiting engagements for half the task's time limit, then queue the rest,
    so no run is cut short by the limit in the middle of an engagement."""
    outcome = jobs.catalogue_apply_job_run(job_id, seconds=settings.CELERY_TASK_SOFT_TIME_LIMIT / 2)
    if outcome == "more":
        catalogue_apply_job_run.delay(job_id)
    return outcome


@shared_task
def catalogue_applies_resume() -> int:
    """Beat: a job whose worker was killed (its hold lapsed) goes on in another."""
    lapsed = jobs.lapsed_jobs(timezone.now())
    for job_id in lapsed:
        catalogue_apply_job_run.delay(job_id)
    return len(lapsed)


def catalogue_apply_job_queue(job_id: int) -> None:
    """Queued once the transaction that started the job commits."""
    transaction.on_commit(lambda: catalogue_apply_job_run.delay(job_id))
