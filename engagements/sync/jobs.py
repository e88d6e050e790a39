"""Catalogue applies across many engagements as a job (engagements/models/applies.py).

Claim before acting: a run holds the job by a conditional update of `held_until` and renews
it after each engagement; a worker killed mid-job lets the hold lapse and the beat's
`catalogue_applies_resume` hands the job to the next worker, which goes on with the
engagements that have no outcome yet. Each engagement's apply and its outcome commit in one
transaction, under the outcome row's lock, so none is applied twice.
"""

import datetime
import time

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import DatabaseError, IntegrityError, transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from engagements.models import ApplyOutcome, CatalogueApplyItem, CatalogueApplyJob
from engagements.sync.services import catalogue_apply


def _hold() -> datetime.timedelta:
    return datetime.timedelta(seconds=settings.CATALOGUE_APPLY_HOLD_SECONDS)


def catalogue_apply_job_start(*, engagement_ids: list[int], version, user) -> CatalogueApplyJob:
    """A job bringing `version` into the engagements (engagements.tasks.catalogue_apply_job_queue
    hands it to a worker); refused while another runs."""
    try:
        with transaction.atomic():
            job = CatalogueApplyJob.objects.create(version=version, started_by=user)
            CatalogueApplyItem.objects.bulk_create(
                CatalogueApplyItem(job=job, engagement_id=pk) for pk in sorted(engagement_ids)
            )
    except IntegrityError:
        raise ValidationError(
            _("A catalogue apply is already running: wait for it to finish, then start this one.")
        ) from None
    return job


def _claim(job_id: int, now) -> bool:
    lapsed = Q(held_until__isnull=True) | Q(held_until__lt=now)
    return (
        CatalogueApplyJob.objects.filter(lapsed, pk=job_id, running=True).update(
            held_until=now + _hold()
        )
        == 1
    )


def _apply_one(item: CatalogueApplyItem, job: CatalogueApplyJob) -> None:
    try:
        with transaction.atomic():
            # Read again under its lock: an outcome written meanwhile (by a worker whose hold
            # lapsed while it was still at work) means this engagement is done with.
            item = CatalogueApplyItem.objects.select_for_update().get(pk=item.pk)
            if item.outcome:
                return
            result = catalogue_apply(
                engagement=item.engagement, version=job.version, user=job.started_by
            )
            item.outcome, item.tasks_changed = ApplyOutcome.DONE, result.changed
            item.finished_at = timezone.now()
            item.save(update_fields=["outcome", "tasks_changed", "finished_at"])
    except ValidationError as refusal:
        _record(item, ApplyOutcome.REFUSED, " ".join(refusal.messages))
    except DatabaseError as error:
        _record(item, ApplyOutcome.FAILED, str(error))


def _record(item, outcome: str, reason: str) -> None:
    CatalogueApplyItem.objects.filter(pk=item.pk, outcome=ApplyOutcome.WAITING).update(
        outcome=outcome, reason=reason, finished_at=timezone.now()
    )


def catalogue_apply_job_run(job_id: int, *, seconds: float) -> str:
    """Apply the job's engagements still waiting, for about `seconds`: "finished", "more" (to
    be run again), or "held" (another worker has it, or it is over)."""
    if not _claim(job_id, timezone.now()):
        return "held"
    # The version's items, read once for the whole job: each engagement's plan reads them.
    job = (
        CatalogueApplyJob.objects.select_related("version", "started_by")
        .prefetch_related("version__items")
        .get(pk=job_id)
    )
    deadline = time.monotonic() + seconds
    waiting = job.items.filter(outcome=ApplyOutcome.WAITING).select_related("engagement")
    while (item := waiting.order_by("pk").first()) is not None:
        _apply_one(item, job)
        if time.monotonic() > deadline:
            CatalogueApplyJob.objects.filter(pk=job_id).update(held_until=None)
            return "more"
        CatalogueApplyJob.objects.filter(pk=job_id).update(held_until=timezone.now() + _hold())
    CatalogueApplyJob.objects.filter(pk=job_id).update(
        running=False, held_until=None, finished_at=timezone.now()
    )
    return "finished"


def lapsed_jobs(now) -> list[int]:
    """The running jobs no worker holds: killed mid-job, or never picked up."""
    return list(
        CatalogueApplyJob.objects.filter(
            Q(held_until__isnull=True) | Q(held_until__lt=now), running=True
        ).values_list("pk", flat=True)
    )


def job_progress(jobs):
    """The jobs with how many of their engagements have each outcome (one query)."""
    counts = {
        f"count_{outcome.value or 'waiting'}": Count("items", filter=Q(items__outcome=outcome))
        for outcome in ApplyOutcome
    }
    return jobs.annotate(count_all=Count("items"), **counts)
