"""What one beat run costs at 100 and at 10,000 checkpoints, on PostgreSQL.

Both data sets owe the same 20 due reminders; the larger one adds ~40,000 pending reminders
for later. The run should cost the same: an indexed query finds the due rows. Sizes run in
the order 100, 10,000, 100 so drift on a shared machine shows as a gap between the two
100 rows. Run with `make bench-reminders`; writes docs/benchmark-reminders.md.
"""

import datetime
import os
import platform
import statistics
import sys
import time
from pathlib import Path

import django

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fasttrack.settings")
django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from engagements.models import Checkpoint, Engagement, Membership  # noqa: E402
from engagements.services.engagements import engagement_create  # noqa: E402
from notifications.keys import checkpoint_reminder_key  # noqa: E402
from notifications.models import Notification, NotificationKind  # noqa: E402
from notifications.sending import notifications_due  # noqa: E402
from notifications.tasks import dispatch_notifications  # noqa: E402
from responsibilities.models import Phase  # noqa: E402

DUE_REMINDERS = 20
RUNS = 40
OFFSETS = (24 * 60, 60)


def seed(checkpoint_count: int) -> int:
    """A fresh database with `checkpoint_count` checkpoints; returns the reminder rows."""
    call_command("flush", interactive=False, verbosity=0)
    call_command("load_catalogue", verbosity=0)
    User = get_user_model()
    users = [
        User.objects.create_user(username=name, email=f"{name}@bench.example")
        for name in ("ana", "bruno")
    ]
    engagement = engagement_create(
        engagement=Engagement(
            customer="Bench",
            aad_premium=True,
            licence_count=500,
            purchase_date=datetime.date(2026, 1, 1),
            start_date=datetime.date(2026, 1, 2),
        ),
        created_by=users[0],
    )
    for user in users:
        Membership.objects.create(engagement=engagement, user=user, party="customer")
    phase = Phase.objects.get(code="corrigir")
    now = timezone.now()
    checkpoints = Checkpoint.objects.bulk_create(
        Checkpoint(
            engagement=engagement,
            phase=phase,
            kind="checkpoint_call",
            title=f"Chamada {index}",
            starts_at=now + datetime.timedelta(days=2, minutes=10 * index),
            ends_at=now + datetime.timedelta(days=2, minutes=10 * index + 60),
        )
        for index in range(checkpoint_count)
    )
    reminders = []
    for index, checkpoint in enumerate(checkpoints):
        for user in users:
            for minutes in OFFSETS:
                due_now = index < DUE_REMINDERS // (len(users) * len(OFFSETS))
                later = checkpoint.starts_at - datetime.timedelta(minutes=minutes)
                reminders.append(
                    Notification(
                        key=checkpoint_reminder_key(
                            checkpoint_id=checkpoint.pk,
                            starts_at=checkpoint.starts_at,
                            minutes_before=minutes,
                            user_id=user.pk,
                        ),
                        kind=NotificationKind.CHECKPOINT_REMINDER,
                        recipient=user,
                        checkpoint=checkpoint,
                        minutes_before=minutes,
                        due_at=now if due_now else later,
                    )
                )
    Notification.objects.bulk_create(reminders, batch_size=5000)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return len(reminders)


def measure(checkpoint_count: int) -> dict:
    rows = seed(checkpoint_count)
    assert len(notifications_due(now=timezone.now())) == DUE_REMINDERS
    timings, query_counts = [], set()
    for _ in range(RUNS):
        # Each run finds the same reminders due, as if no worker had picked them up yet.
        Notification.objects.filter(queued_at__isnull=False).update(queued_at=None)
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            dispatch_notifications()
            timings.append(time.perf_counter() - started)
        query_counts.add(len(queries))
    plan = (
        Notification.objects.filter(status="pending", due_at__lte=timezone.now())
        .values("pk")
        .explain()
    )
    plan = next(line.strip(" ->") for line in plan.splitlines() if "Scan" in line)
    return {
        "checkpoints": checkpoint_count,
        "reminders": rows,
        "median_ms": statistics.median(timings) * 1000,
        "p95_ms": sorted(timings)[int(0.95 * len(timings)) - 1] * 1000,
        "queries": sorted(query_counts),
        "plan": plan,
    }


def main():
    if connection.vendor != "postgresql":
        sys.exit("Set DATABASE_URL to a PostgreSQL database made for benchmarks (it is flushed).")
    call_command("migrate", verbosity=0)
    results = [measure(100), measure(10_000), measure(100)]
    small = statistics.mean([results[0]["median_ms"], results[2]["median_ms"]])
    ratio = results[1]["median_ms"] / small
    lines = [
        "# Benchmark: one beat run of `dispatch_notifications`",
        "",
        f"Machine: {platform.platform()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}, PostgreSQL {connection.pg_version // 10000}. "
        f"{RUNS} runs per size; each run finds and enqueues the same {DUE_REMINDERS} due "
        "reminders (memory broker, so the broker's own cost is not measured).",
        "",
        "| checkpoints | reminder rows | median ms | p95 ms | queries per run | due-query plan |",
        "|---:|---:|---:|---:|---|---|",
    ]
    for result in results:
        lines.append(
            f"| {result['checkpoints']:,} | {result['reminders']:,} | "
            f"{result['median_ms']:.2f} | {result['p95_ms']:.2f} | "
            f"{', '.join(map(str, result['queries']))} | {result['plan']} |"
        )
    lines += [
        "",
        f"Ratio of medians, 10,000 to 100 checkpoints: **{ratio:.2f}x**.",
        "",
        "Reproduce: `make bench-reminders` (needs PostgreSQL; flushes the benchmark database).",
        "",
    ]
    report = "\n".join(lines)
    print(report)
    (ROOT / "docs" / "benchmark-reminders.md").write_text(report, encoding="utf-8")


if __name__ == "__main__":
    main()
