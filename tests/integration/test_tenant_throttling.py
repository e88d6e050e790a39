"""A throttled reading of a customer's tenant with a real Celery worker, Redis and PostgreSQL,
against the Graph stand-in (tests/entra.py) started here and named to the worker through its
environment, as a deployment names Microsoft's: Celery runs the reading again once Graph's
Retry-After has passed, and no worker process sleeps through the wait."""

import re
import time

import pytest

from fasttrack.celery import app
from tenants.models import CheckRun

from ..graph_tenants import contoso_complete
from ..tenant_support import connect, point_at
from .conftest import wait_for

pytestmark = [
    pytest.mark.celery_integration,
    pytest.mark.filterwarnings("ignore::celery.exceptions.AlwaysEagerIgnored"),
]

TENANT = "5b1e7a4c-2d3f-4e6a-9b8c-7d6e5f4a3b21"
RETRY_AFTER = 2
# Celery's worker log: "[2026-06-12 14:02:01,123: INFO/ForkPoolWorker-1] Task ...".
LOG_LINE = re.compile(r"^\[(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}): [^\]]+\] (.*)$", re.M)


@pytest.fixture
def graph(entra, settings):
    return point_at(entra, settings)


def stand_in_environment(settings) -> dict:
    """The stand-in's address, CA and app registrations, as the worker's settings read them."""
    environment = {
        "GRAPH_API_BASE": settings.GRAPH_API_BASE,
        "ENTRA_AUTHORITY_HOST": settings.ENTRA_AUTHORITY_HOST,
        "ENTRA_CA_FILE": settings.ENTRA_CA_FILE,
        # A reading (twenty requests and its records) outlasts the one-second soft limit the
        # worker fixture sets for sends on a busy machine; the lease must outlast the limit.
        "CELERY_TASK_TIME_LIMIT": "60",
        "CELERY_TASK_SOFT_TIME_LIMIT": "50",
        "NOTIFICATION_CLAIM_LEASE_SECONDS": "90",
    }
    for tier, registration in settings.TENANT_APPS.items():
        environment[f"TENANT_APP_{tier.upper()}_CLIENT_ID"] = registration["client_id"]
        environment[f"TENANT_APP_{tier.upper()}_SECRET"] = registration["secret"]
    return environment


def task_lines(log: str, task_id: str) -> list[tuple[float, str]]:
    """(when, what) of each worker log line about the task, `when` as time.time() reads it."""
    # logging writes the local time (time.localtime), in the worker's time zone, which is
    # this process's: both take TZ from Django's TIME_ZONE.
    return [
        (time.mktime(time.strptime(stamp[:19], "%Y-%m-%d %H:%M:%S")) + int(stamp[20:]) / 1000, text)
        for stamp, text in LOG_LINE.findall(log)
        if f"[{task_id}]" in text
    ]


def test_a_throttled_reading_is_run_again_by_celery_after_retry_after(
    own_redis, start_worker, graph, engagement, carla, settings
):
    connect(graph, engagement, contoso_complete(TENANT), by=carla)
    graph.throttle(TENANT, times=1, retry_after=RETRY_AFTER)
    worker = start_worker(own_redis.url, name="tenants", **stand_in_environment(settings))
    with app.connection_for_write(own_redis.url) as broker:
        task_id = app.send_task(
            "tenants.tasks.tenant_check", args=[engagement.pk], connection=broker
        ).id
    wait_for(
        lambda: CheckRun.objects.filter(engagement=engagement).exists(),
        timeout=60,
        what="the reading after Graph's Retry-After",
        evidence=worker.log_tail,
    )

    asked = [r for r in graph.graph_requests if r.tenant_id == TENANT]
    throttled, *after = asked
    assert throttled.status == 429 and after
    assert [r.status for r in after] == [200] * len(after)
    assert CheckRun.objects.get(engagement=engagement).request_count == len(after)
    # Nothing reached the tenant, nor its token service, before Retry-After had passed.
    not_before = throttled.at + RETRY_AFTER
    assert all(r.at >= not_before for r in after)
    assert all(r.at >= not_before for r in graph.token_requests if r.at > throttled.at)

    # The wait was Celery's: the first run ended with a retry before Retry-After passed (a
    # worker sleeping through it would have ended it later), and the reading came as a second
    # message (the worker may log its receipt before the first run logs the retry).
    lines = task_lines(worker.log(), task_id)
    outcomes = [re.search(r"\] (received|retry|succeeded)", text)[1] for _at, text in lines]
    assert outcomes[0] == "received" and outcomes[-1] == "succeeded"
    assert sorted(outcomes) == ["received", "received", "retry", "succeeded"]
    ((retried_at, retry),) = [line for line in lines if "] retry: " in line[1]]
    assert f"retry: Retry in {RETRY_AFTER}s" in retry
    # The log keeps whole milliseconds.
    assert throttled.at - 0.001 <= retried_at < not_before
    assert lines[-1][1].endswith(": 'recorded'")
