"""Bulk changes through the task page's own form, after the ticks (benchmarks/pages.py).

A manager of the middle engagement marks 5 of its open Microsoft tasks done in one request and
then not done, and the same with all of them but each phase's last, up to 50 (48 in the full
scope's middle engagement, fewer in the small scope's), BENCH_BULK_ROUNDS times each,
round-robin; the trail must grow by one event per task changed, and the request must cost as
many queries for many tasks as for 5 (the report marks it otherwise). The tasks end as they
were; the trail keeps the events (about 500 a run on the middle engagement).
"""

import os
import statistics
import sys

import psycopg

from .server import Client, database_url
from .ticks import MANAGERS

ROUNDS = int(os.environ.get("BENCH_BULK_ROUNDS", "5"))
FEW, MANY = 5, 50


def bulk_target(size: int) -> tuple[int, list[int]]:
    """The first manager's middle engagement and its open Microsoft phase tasks that need no
    evidence (what a manager may mark done without attaching any), but the last of each phase:
    a phase whose tasks all get done also tells its gate's signers, which is not what this
    measures."""
    with psycopg.connect(database_url(size)) as connection:
        (engagement_id,) = connection.execute(
            """SELECT m.engagement_id FROM engagements_membership m
               JOIN auth_user u ON u.id = m.user_id
               JOIN engagements_engagement e ON e.id = m.engagement_id
               WHERE u.username = %s ORDER BY e.customer LIMIT 1""",
            [MANAGERS[0]],
        ).fetchone()
        tasks = connection.execute(
            """SELECT id FROM (
                   SELECT id, position, row_number() OVER (
                       PARTITION BY phase_id ORDER BY position DESC) AS from_last
                   FROM engagements_task
                   WHERE engagement_id = %s AND party = 'microsoft' AND phase_id IS NOT NULL
                     AND NOT done AND NOT evidence_required AND withdrawn_at IS NULL) open
               WHERE from_last > 1 ORDER BY position DESC LIMIT %s""",
            [engagement_id, MANY],
        ).fetchall()
    if len(tasks) <= FEW:
        sys.exit(f"the {size} database has {len(tasks)} open tasks to change")
    return engagement_id, [task for (task,) in tasks]


def _trail_length(size: int, engagement_id: int) -> int:
    with psycopg.connect(database_url(size)) as connection:
        return connection.execute(
            "SELECT count(*) FROM engagements_activityevent WHERE engagement_id = %s",
            [engagement_id],
        ).fetchone()[0]


def measure_bulk(servers) -> dict[int, dict[str, dict]]:
    """Per size, for a few tasks and for many: how many, the seconds of each change and the
    query count of each action."""
    targets = {server.size: bulk_target(server.size) for server in servers}
    clients = {server.size: Client(server, MANAGERS[0]) for server in servers}
    results = {
        size: {
            label: {"tasks": count, "seconds": [], "queries": {}}
            for label, count in (("few", FEW), ("many", len(tasks)))
        }
        for size, (_engagement_id, tasks) in targets.items()
    }
    before = {
        size: _trail_length(size, engagement_id) for size, (engagement_id, _) in targets.items()
    }
    for _ in range(ROUNDS):
        for label in ("few", "many"):
            for size, (engagement_id, tasks) in targets.items():
                result = results[size][label]
                for action in ("done", "not_done"):
                    _content, elapsed, queries = clients[size].post(
                        f"/engagements/{engagement_id}/tasks/bulk/",
                        {"action": action, "tasks": tasks[: result["tasks"]]},
                        expect=302,
                    )
                    result["seconds"].append(elapsed)
                    result["queries"][action] = queries
    for size, (engagement_id, tasks) in targets.items():
        changed = 2 * ROUNDS * (FEW + len(tasks))
        if _trail_length(size, engagement_id) - before[size] != changed:
            sys.exit(f"the trail on the {size} server does not hold one event per task changed")
    return results


def median_ms(seconds) -> float:
    return statistics.median(seconds) * 1000
