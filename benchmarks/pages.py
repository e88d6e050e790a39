"""`make bench`: the pages' speed at 1,000, 10,000 and 100,000 engagements, side by side.

For each size a PostgreSQL database is seeded (benchmarks/seed.py, reused when it already
holds that many engagements; from 100,000 on with the small scope) and served by gunicorn
(2 workers of 4 threads) under benchmarks.settings. Requests go round-robin over all sizes and
pages (each round in a shuffled order), so a noisy neighbour slows every page alike. For each
page: median and 95th-percentile latency over real HTTP, its first byte and its query count,
against its floor (the same rows as `.values()` in JSON, benchmarks/floors.py). Then ticks
under concurrent managers (benchmarks/ticks.py), a tick against its forecast alone
(benchmarks/tick_forecast.py), bulk changes of 5 and 50 tasks (benchmarks/bulk.py), a worker's
memory while it streams the CSV (benchmarks/memory.py) and a catalogue apply into every
engagement as a job, its worker killed halfway (benchmarks/apply_job.py). The report
(benchmarks/report.py) is printed and written to docs/benchmarks.md.

Environment: BENCH_SIZES (default 1000,10000,100000; the first is the baseline), BENCH_ROUNDS
(20), BENCH_TICK_SECONDS (10), BENCH_BULK_ROUNDS (5), BENCH_APPLY_SIZES (the sizes up to
10,000), BENCH_RESEED=1 to drop and seed again, BENCH_DATABASE_SERVER
(postgres://postgres@127.0.0.1:5432).
"""

import os
import random
import subprocess
import sys

import django
import psycopg

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "benchmarks.settings")
django.setup()

from .apply_job import measure_apply  # noqa: E402
from .bulk import measure_bulk  # noqa: E402
from .measured import (  # noqa: E402
    APPLY_SIZES,
    ENGAGEMENT_PAGES,
    FIRST_PORT,
    PEER,
    PORTFOLIO_VIEWS,
    ROUNDS,
    SIZES,
    SMALL_SCOPE_FROM,
    SU,
    USERS,
)
from .memory import csv_memory  # noqa: E402
from .report import Report  # noqa: E402
from .seed import SEED_VERSION  # noqa: E402
from .server import ROOT, SERVER, Client, Server, database_url  # noqa: E402
from .tick_forecast import measure_tick_forecasts  # noqa: E402
from .ticks import measure_ticks  # noqa: E402


def seeded_by_this_version(size) -> bool:
    try:
        with psycopg.connect(database_url(size)) as connection:
            row = connection.execute(
                "SELECT version, engagements, scope FROM bench_seed"
            ).fetchone()
    except psycopg.Error:
        return False
    return row == (SEED_VERSION, size, scope_of(size))


def scope_of(size) -> str:
    return "small" if size >= SMALL_SCOPE_FROM else "full"


def prepare_database(size) -> tuple[int, int, str]:
    """Seed the size's database if it needs it; the middle engagement, its task count and the
    member's calendar feed token."""
    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as connection:
        name = f"fasttrack_bench_{size}"
        # An older seed's data would first go through every migration since: start afresh.
        if os.environ.get("BENCH_RESEED") or not seeded_by_this_version(size):
            connection.execute(f"DROP DATABASE IF EXISTS {name}")
        exists = connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [name]
        ).fetchone()
        if not exists:
            connection.execute(f"CREATE DATABASE {name}")
    subprocess.run(
        [
            sys.executable,
            str(ROOT / "benchmarks" / "seed.py"),
            str(size),
            f"--scope={scope_of(size)}",
        ],
        env={**os.environ, "DATABASE_URL": database_url(size)},
        check=True,
    )
    with psycopg.connect(database_url(size)) as connection:
        engagement_id, tasks = connection.execute(
            """SELECT e.id, (SELECT count(*) FROM engagements_task t WHERE t.engagement_id = e.id)
               FROM engagements_engagement e ORDER BY customer, id OFFSET %s LIMIT 1""",
            [size // 2],
        ).fetchone()
        (feed,) = connection.execute(
            "SELECT secret FROM bench_secrets WHERE name = 'member_feed'"
        ).fetchone()
    return engagement_id, tasks, feed


def measure(clients, paths):
    """Per (size, user, path): the seconds to the last byte and to the first, and the query
    count; round-robin over everything."""
    # The admin's changelist is the superuser's alone.
    paths = {
        key: sorted(set(paths) - (set(PEER.values()) if key[1] != SU else set())) for key in clients
    }
    elapsed = {key + (path,): [] for key in clients for path in paths[key]}
    first_byte = {key: [] for key in elapsed}
    queries = {}

    def address(client, path):
        return path.format(id=client.engagement_id, feed=client.feed)

    for key, client in clients.items():
        for path in paths[key]:
            for _ in range(2):  # warm-up: connections, caches, compiled templates
                client.get(address(client, path))
    # Each round takes a client's pages in an order of its own: in one fixed order each floor
    # ran just before its page (their paths sort so) and warmed what the page then read.
    order = random.Random(0)
    for _ in range(ROUNDS):
        for key, client in clients.items():
            for path in order.sample(paths[key], len(paths[key])):
                first, last, count = client.get(address(client, path))
                elapsed[key + (path,)].append(last)
                first_byte[key + (path,)].append(first)
                queries[key + (path,)] = count
    return elapsed, first_byte, queries


def main():
    servers, clients, tasks = [], {}, {}
    try:
        for index, size in enumerate(SIZES):
            engagement_id, tasks[size], feed = prepare_database(size)
            server = Server(size, FIRST_PORT + index)
            servers.append(server)
            for who, username in USERS.items():
                client = clients[(size, who)] = Client(server, username)
                client.engagement_id, client.feed = engagement_id, feed
        paths = {
            path
            for pages in (PORTFOLIO_VIEWS, ENGAGEMENT_PAGES)
            for pair in pages.values()
            for path in pair
        } | set(PEER.values())
        elapsed, first_byte, queries = measure(clients, sorted(paths))
        ticks = measure_ticks(servers)
        tick_forecasts = measure_tick_forecasts(servers)
        bulk = measure_bulk(servers)
    finally:
        for server in servers:
            server.stop()
    memory = {
        size: csv_memory(size, FIRST_PORT + len(SIZES) + index) for index, size in enumerate(SIZES)
    }
    applies = measure_apply(APPLY_SIZES)
    report = Report(
        elapsed, first_byte, queries, ticks, tick_forecasts, bulk, applies, memory, tasks
    ).render()
    print(report)
    (ROOT / "docs" / "benchmarks.md").write_text(report, encoding="utf-8")


if __name__ == "__main__":
    main()
