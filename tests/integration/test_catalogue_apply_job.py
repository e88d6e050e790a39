"""A catalogue apply across many engagements as a job: a real worker killed halfway, another
takes the job over once its hold lapses, and no engagement is applied twice."""

import pytest

from engagements.models import ApplyOutcome, CatalogueApplyJob, EventKind, Task
from engagements.sync.jobs import catalogue_apply_job_start
from fasttrack.celery import app
from responsibilities.models import Phase, Responsibility
from responsibilities.publishing import catalogue_publish

from ..factories import make_engagement
from ..test_sync import assert_trail_clean
from .conftest import wait_for

pytestmark = [
    pytest.mark.celery_integration,
    pytest.mark.filterwarnings("ignore::celery.exceptions.AlwaysEagerIgnored"),
]
ENGAGEMENTS = 30
NEW_KEY = "customer-avaliar-07"
# A hold short enough for the test to wait out (the workers' time limits are the suite's, a
# second or two: each run applies engagements for half a second, then queues the next run).
WORKER_ENV = {"CATALOGUE_APPLY_HOLD_SECONDS": "3"}


@pytest.fixture
def job(postgres_db, catalogue, ada):
    engagements = [
        make_engagement(created_by=ada, customer=f"Cliente {number:02d}")
        for number in range(ENGAGEMENTS)
    ]
    Responsibility.objects.create(
        key=NEW_KEY,
        party="customer",
        phase=Phase.objects.get(code="avaliar"),
        position=26,
        text_pt="Revise o plano de migração com a Microsoft.",
        text_en="Review the migration plan with Microsoft.",
    )
    version = catalogue_publish(note="Avaliar", actor=ada)
    return catalogue_apply_job_start(
        engagement_ids=[engagement.pk for engagement in engagements], version=version, user=ada
    )


def outcomes(job) -> dict[str, int]:
    counted = dict.fromkeys(ApplyOutcome.values, 0)
    for outcome in job.items.values_list("outcome", flat=True):
        counted[outcome] += 1
    return counted


def test_a_worker_killed_halfway_leaves_the_rest_to_the_next_and_nothing_twice(
    own_redis, start_worker, job
):
    first = start_worker(own_redis.url, name="first", **WORKER_ENV)
    with app.connection_for_write(own_redis.url) as connection:
        app.send_task(
            "engagements.tasks.catalogue_apply_job_run", args=[job.pk], connection=connection
        )
    wait_for(
        lambda: outcomes(job)[ApplyOutcome.DONE] >= 3,
        interval=0.05,
        what="the first engagements",
        evidence=first.log_tail,
    )
    first.kill()
    halfway = outcomes(job)
    assert 3 <= halfway[ApplyOutcome.DONE] < ENGAGEMENTS, halfway

    rescuer = start_worker(own_redis.url, beat=True, name="rescuer", **WORKER_ENV)
    wait_for(
        lambda: not CatalogueApplyJob.objects.get(pk=job.pk).running,
        timeout=120,
        what="the rescuer to take the job over and finish it",
        evidence=rescuer.log_tail,
    )
    assert outcomes(job)[ApplyOutcome.DONE] == ENGAGEMENTS
    for item in job.items.select_related("engagement"):
        engagement = item.engagement
        assert engagement.events.filter(kind=EventKind.CATALOGUE_APPLIED).count() == 1
        assert Task.objects.filter(engagement=engagement, responsibility__key=NEW_KEY).count() == 1
        assert_trail_clean(engagement)
