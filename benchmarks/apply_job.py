"""A catalogue apply into every engagement, as the job an admin starts (`make bench`, after the
pages; BENCH_APPLY_SIZES, by default the sizes up to 10,000).

Per size, on a copy of the seeded database (CREATE DATABASE ... TEMPLATE, dropped after): the
catalogue gains one customer responsibility in Avaliar and is published, the job is started for
every engagement, and a real Celery worker on a Redis of its own carries it out. Halfway, the
worker is killed (SIGKILL, as a machine would end it) and a second one starts; the beat's task
that resumes lapsed jobs is sent once a hold (CATALOGUE_APPLY_HOLD_SECONDS=10 here), as beat
would send it, and takes the job over once the first's hold lapses (beat itself would also run
the other schedules on the copy, which this does not measure). Progress is read every second
as the admin's page reads it (`job_progress`, one query). At the end every engagement must
have exactly one outcome, done, one new task and one "catalogue applied" event: nothing twice.

    python -m benchmarks.apply_job <size>   # with DATABASE_URL naming the copy; prints JSON
"""

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psycopg

from .server import ROOT, SERVER, database_url

HOLD_SECONDS = 10
NEW_KEY = "bench-apply-avaliar"


def measure_apply(sizes) -> dict[int, dict]:
    """Per size: the seconds to apply into every engagement, the progress read on the way and
    how the killed worker's share was taken over."""
    results = {}
    for size in sizes:
        copy = f"fasttrack_bench_apply_{size}"
        # FORCE: a killed worker's connection may not be gone yet.
        drop = f"DROP DATABASE IF EXISTS {copy} WITH (FORCE)"
        with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as connection:
            connection.execute(drop)
            connection.execute(f"CREATE DATABASE {copy} TEMPLATE fasttrack_bench_{size}")
        try:
            results[size] = _run_child(size, database_url(size).rsplit("/", 1)[0] + f"/{copy}")
        finally:
            with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as connection:
                connection.execute(drop)
    return results


def _run_child(size: int, url: str) -> dict:
    """The child's result, or why it failed (the report shows it, and the run's other
    figures are kept)."""
    finished = subprocess.run(
        [sys.executable, "-m", "benchmarks.apply_job", str(size)],
        cwd=ROOT,
        env={
            **os.environ,
            "DATABASE_URL": url,
            "DJANGO_SETTINGS_MODULE": "fasttrack.settings",
            # Nothing the copy's engagements owe anyone leaves the machine.
            "EMAIL_URL": "dummymail://",
        },
        capture_output=True,
        text=True,
    )
    if finished.returncode:
        return {"error": (finished.stderr.strip().splitlines() or ["no output"])[-1]}
    return json.loads(finished.stdout.strip().splitlines()[-1])


def _apply(size: int) -> dict:
    import django

    os.environ.setdefault("SECRET_KEY", "benchmark-only-not-secret")
    django.setup()
    from django.contrib.auth import get_user_model
    from django.db.models import Count, Q

    from engagements.models import ApplyOutcome, CatalogueApplyJob, Engagement, EventKind, Task
    from engagements.sync.jobs import catalogue_apply_job_start, job_progress
    from fasttrack.celery import app
    from responsibilities.models import Phase, Responsibility
    from responsibilities.publishing import catalogue_publish

    from .celery_worker import OwnRedis, Worker, wait_until

    admin = get_user_model().objects.get(username="bench")
    Responsibility.objects.create(
        key=NEW_KEY,
        party="customer",
        phase=Phase.objects.get(code="avaliar"),
        position=90,
        text_pt="Revise o plano de migração com a Microsoft.",
        text_en="Review the migration plan with Microsoft.",
    )
    version = catalogue_publish(note="Bench", actor=admin)
    job = catalogue_apply_job_start(
        engagement_ids=list(Engagement.objects.values_list("pk", flat=True)),
        version=version,
        user=admin,
    )
    jobs = CatalogueApplyJob.objects.filter(pk=job.pk)

    def done() -> int:
        return job_progress(jobs).get().count_done

    progress, read_seconds = [], []
    with tempfile.TemporaryDirectory() as folder:
        broker = OwnRedis(Path(folder))
        environment = {
            **os.environ,
            "CELERY_BROKER_URL": broker.url,
            "CATALOGUE_APPLY_HOLD_SECONDS": str(HOLD_SECONDS),
        }
        workers = []
        try:
            first = Worker(ROOT, Path(folder) / "first.log", environment, concurrency=1)
            workers.append(first)
            started = time.monotonic()
            with app.connection_for_write(broker.url) as connection:
                app.send_task(
                    "engagements.tasks.catalogue_apply_job_run",
                    args=[job.pk],
                    connection=connection,
                )

            def read_progress() -> int:
                before = time.perf_counter()
                count = done()
                read_seconds.append(time.perf_counter() - before)
                progress.append((round(time.monotonic() - started, 1), count))
                return count

            wait_until(lambda: read_progress() >= size // 2, 3600, "half the job", interval=1)
            first.kill()
            killed_at = progress[-1]
            workers.append(Worker(ROOT, Path(folder) / "rescuer.log", environment, concurrency=1))
            next_resume = time.monotonic()

            def finished() -> bool:
                nonlocal next_resume
                read_progress()
                if not jobs.get().running:
                    return True
                # As beat sends it, once a hold: it queues a run only for a job nobody holds.
                if time.monotonic() >= next_resume:
                    with app.connection_for_write(broker.url) as connection:
                        app.send_task(
                            "engagements.tasks.catalogue_applies_resume", connection=connection
                        )
                    next_resume += HOLD_SECONDS
                return False

            wait_until(finished, 3600, "the rescuer to finish the job", interval=1)
            seconds = time.monotonic() - started
        finally:
            for worker in workers:
                worker.stop()
            broker.stop()
    outcomes = dict(job.items.values_list("outcome").annotate(n=Count("pk")))
    applied = Count("events", filter=Q(events__kind=EventKind.CATALOGUE_APPLIED))
    applied_twice = Engagement.objects.annotate(applied=applied).exclude(applied=1).count()
    new_tasks = Task.objects.filter(responsibility__key=NEW_KEY).count()
    if outcomes != {ApplyOutcome.DONE: size} or applied_twice or new_tasks != size:
        sys.exit(
            f"the apply into {size} engagements ended with {outcomes}, {applied_twice} "
            f"engagements not applied exactly once and {new_tasks} new tasks"
        )
    return {
        "seconds": seconds,
        "killed_at": killed_at,
        "progress": progress,
        "read_ms": sorted(read_seconds)[len(read_seconds) // 2] * 1000,
    }


if __name__ == "__main__":
    print(json.dumps(_apply(int(sys.argv[1]))))
