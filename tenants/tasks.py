"""Reading connected tenants in Celery workers: on demand and from beat. A throttled read is
run again after Graph's Retry-After by Celery, never slept in a worker (the task time limit is
two minutes; Graph may ask for several)."""

import datetime
import logging
import random

from celery import shared_task
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from tenants.graph import ConsentMissing, NotConfigured, TenantUnreachable, Throttled
from tenants.models import ConnectionState, TenantConnection
from tenants.reading import tenant_read
from tenants.services import tenant_revoked, tenant_run_record

logger = logging.getLogger(__name__)
MAX_RETRIES = 6
# Without a Retry-After: Microsoft's advice, an exponential back-off with jitter.
BACKOFF_SECONDS = 30


def _backoff(retries: int) -> int:
    return BACKOFF_SECONDS * 2**retries + random.randint(0, BACKOFF_SECONDS)


@shared_task(bind=True, max_retries=MAX_RETRIES, acks_late=True)
def tenant_check(self, engagement_id: int, requested_by_id: int | None = None) -> str:
    """Read the engagement's tenant once and keep what it says. Returns what happened, for the
    worker's log and the tests."""
    now = timezone.now()
    connection = TenantConnection.objects.filter(engagement_id=engagement_id).first()
    if connection is None or connection.state != ConnectionState.CONNECTED:
        return "not connected"
    if connection.not_before and connection.not_before > now:
        wait = int((connection.not_before - now).total_seconds()) + 1
        raise self.retry(countdown=wait)
    try:
        seen, request_count = tenant_read(connection.tier, connection.tenant_id, now)
    except ConsentMissing as error:
        tenant_revoked(
            engagement_id=engagement_id, tenant_id=connection.tenant_id, cause=str(error)
        )
        return "revoked"
    except Throttled as error:
        wait = (
            error.retry_after if error.retry_after is not None else _backoff(self.request.retries)
        )
        # Every check of this tenant waits, not only this one: no request before then.
        TenantConnection.objects.filter(pk=connection.pk).update(
            not_before=now + datetime.timedelta(seconds=wait)
        )
        raise self.retry(countdown=wait) from None
    except TenantUnreachable as error:
        logger.warning("Tenant %s could not be read: %s", connection.tenant_id, error)
        raise self.retry(countdown=_backoff(self.request.retries)) from None
    except NotConfigured as error:
        logger.error("Tenant checks are not configured: %s", error)
        return "not configured"
    requested_by = (
        get_user_model().objects.filter(pk=requested_by_id).first() if requested_by_id else None
    )
    run = tenant_run_record(
        engagement_id=engagement_id,
        tenant_id=connection.tenant_id,
        seen=seen,
        request_count=request_count,
        requested_by=requested_by,
        now=timezone.now(),
    )
    return "recorded" if run else "disconnected meanwhile"


def tenant_check_queue(engagement_id: int, requested_by_id: int | None = None) -> None:
    """Queued once the transaction that asked for it commits."""
    transaction.on_commit(lambda: tenant_check.delay(engagement_id, requested_by_id))


@shared_task
def tenant_checks_due() -> int:
    """Beat: each connected tenant of an engagement not yet finished, read
    TENANT_CHECK_EVERY_HOURS after its last reading."""
    due_before = timezone.now() - datetime.timedelta(hours=settings.TENANT_CHECK_EVERY_HOURS)
    due = (
        TenantConnection.objects.filter(state=ConnectionState.CONNECTED)
        .exclude(last_checked_at__gte=due_before)
        # A finished engagement (every gate closed) has nothing left for its tenant to show.
        .exclude(engagement__status_current_phase__isnull=True)
        .values_list("engagement_id", flat=True)
    )
    count = 0
    for engagement_id in due.iterator():
        tenant_check.delay(engagement_id)
        count += 1
    return count
