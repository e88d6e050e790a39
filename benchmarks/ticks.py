"""Ticks on seeded data, through the page's own request (the htmx POST a checkbox sends).

Every engagement ticked has a READY forecast (benchmarks/seed.py makes them so), so each tick
runs the Monte Carlo as it stores the status. Three scenarios per size: one manager alone;
eight managers at once, each on an engagement of their own; eight managers at once on the
same engagement, each ticking a task of their own (the engagement's row lock puts their ticks
in a line). Each manager toggles their task done and not done for BENCH_TICK_SECONDS; the
trail must have grown by exactly the ticks answered, or the run stops.
"""

import os
import statistics
import sys
import threading
import time
from dataclasses import dataclass

import psycopg

from .server import Client, Server, database_url

SECONDS = float(os.environ.get("BENCH_TICK_SECONDS", "10"))
MANAGERS = [f"manager{n}" for n in range(1, 9)]


@dataclass
class TickResult:
    latencies: list[float]
    seconds: float

    @property
    def median_ms(self):
        return statistics.median(self.latencies) * 1000

    @property
    def p95_ms(self):
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))] * 1000

    @property
    def per_second(self):
        return len(self.latencies) / self.seconds


def tick_targets(size: int) -> dict[str, list[tuple[str, int, int, bool]]]:
    """Per scenario, each manager's (username, engagement, task, done now): a Microsoft phase
    task that needs no evidence, in the middle engagement or in the manager's own."""
    with psycopg.connect(database_url(size)) as connection:
        rows = connection.execute(
            """SELECT u.username, m.engagement_id, e.status_forecast
               FROM engagements_membership m
               JOIN auth_user u ON u.id = m.user_id
               JOIN engagements_engagement e ON e.id = m.engagement_id
               WHERE u.username = ANY(%s) ORDER BY u.username, e.customer""",
            [MANAGERS],
        ).fetchall()
        engagements = {}
        for username, engagement_id, forecast in rows:
            # A tick recomputes a READY forecast (the Monte Carlo) in its transaction: what
            # is measured is a tick with the forecast kept current.
            if forecast != "ready":
                sys.exit(f"engagement {engagement_id} has no forecast to keep current")
            engagements.setdefault(username, []).append(engagement_id)

        def tickable(engagement_id, count):
            return connection.execute(
                """SELECT id, done FROM engagements_task
                   WHERE engagement_id = %s AND party = 'microsoft' AND phase_id IS NOT NULL
                     AND NOT evidence_required AND withdrawn_at IS NULL
                   ORDER BY position LIMIT %s""",
                [engagement_id, count],
            ).fetchall()

        middle = engagements[MANAGERS[0]][0]
        shared = tickable(middle, len(MANAGERS))
        return {
            "one manager": [(MANAGERS[0], middle, *shared[0])],
            "8 managers, different engagements": [
                (name, engagements[name][1], *tickable(engagements[name][1], 1)[0])
                for name in MANAGERS
            ],
            "8 managers, same engagement": [
                (name, middle, *task) for name, task in zip(MANAGERS, shared, strict=True)
            ],
        }


def _trail_length(size: int, engagement_ids) -> int:
    with psycopg.connect(database_url(size)) as connection:
        return connection.execute(
            "SELECT count(*) FROM engagements_activityevent WHERE engagement_id = ANY(%s)",
            [list(engagement_ids)],
        ).fetchone()[0]


def _run(server: Server, targets) -> TickResult:
    clients = [Client(server, username) for username, *_ in targets]
    latencies = [[] for _ in targets]
    start = threading.Barrier(len(targets) + 1)

    failures = []

    def manager(index):
        # sys.exit in a thread ends only the thread: the main thread stops the run instead.
        try:
            tick_for(index)
        except SystemExit as failure:
            failures.append(str(failure))

    def tick_for(index):
        client = clients[index]
        _username, engagement_id, task_id, done = targets[index]
        path = f"/engagements/{engagement_id}/tasks/{task_id}/done/"
        start.wait()
        deadline = time.monotonic() + SECONDS
        while time.monotonic() < deadline:
            done = not done
            content, elapsed, _queries = client.post(
                path, {"done": "1" if done else "0"}, {"HX-Request": "true"}
            )
            if b'role="alert"' in content:
                sys.exit(f"the tick on task {task_id} was refused on the {server.size} server")
            latencies[index].append(elapsed)
        # Leave the task as the seed had it, so every run starts from the same data.
        if done != targets[index][3]:
            client.post(path, {"done": "1" if targets[index][3] else "0"}, {"HX-Request": "true"})
            latencies[index].append(None)

    engagement_ids = {target[1] for target in targets}
    before = _trail_length(server.size, engagement_ids)
    threads = [threading.Thread(target=manager, args=(index,)) for index in range(len(targets))]
    for thread in threads:
        thread.start()
    start.wait()
    began = time.perf_counter()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - began
    if failures:
        sys.exit(failures[0])
    answered = [latency for per_manager in latencies for latency in per_manager]
    if _trail_length(server.size, engagement_ids) - before != len(answered):
        sys.exit(f"the trail on the {server.size} server does not hold one event per tick")
    return TickResult([latency for latency in answered if latency is not None], seconds)


def measure_ticks(servers) -> dict[tuple[int, str], TickResult]:
    """Each scenario on each server, in turn (one at a time: they share the machine)."""
    results = {}
    for server in servers:
        for scenario, targets in tick_targets(server.size).items():
            results[(server.size, scenario)] = _run(server, targets)
    return results
