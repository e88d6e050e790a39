"""`make bench`: the pages' speed at 1,000, 10,000 and 100,000 engagements, side by side.

For each size a PostgreSQL database is seeded (benchmarks/seed.py, reused when it already
holds that many engagements; from 100,000 on with the small scope) and served by gunicorn
(2 workers of 4 threads) under benchmarks.settings. Requests go round-robin over all sizes and
pages, so a noisy neighbour slows every page alike. For each page: median and 95th-percentile
latency over real HTTP, its first byte and its query count, against its floor (the same rows
as `.values()` in JSON, benchmarks/floors.py). Then ticks under concurrent managers
(benchmarks/ticks.py) and a worker's memory while it streams the CSV (benchmarks/memory.py).
The report is printed and written to docs/benchmarks.md.

Environment: BENCH_SIZES (default 1000,10000,100000; the first is the baseline), BENCH_ROUNDS
(20), BENCH_TICK_SECONDS (10), BENCH_RESEED=1 to drop and seed again, BENCH_DATABASE_SERVER
(postgres://postgres@127.0.0.1:5432).
"""

import os
import platform
import statistics
import subprocess
import sys
import urllib.parse

import django
import psycopg

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "benchmarks.settings")
django.setup()

from engagements.status.portfolio import PORTFOLIO_SORTS  # noqa: E402

from .memory import csv_memory  # noqa: E402
from .seed import SEED_VERSION  # noqa: E402
from .server import ROOT, SERVER, Client, Server, database_url  # noqa: E402
from .ticks import SECONDS as TICK_SECONDS  # noqa: E402
from .ticks import measure_ticks  # noqa: E402

SIZES = [int(size) for size in os.environ.get("BENCH_SIZES", "1000,10000,100000").split(",")]
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "20"))
# From this size on, engagements hold the small scope (Azure AD Premium alone): fewer tasks
# each, so 100,000 of them seed in minutes rather than the best part of an hour.
SMALL_SCOPE_FROM = 100_000
FIRST_PORT = 8701
SEARCH = "Customer 0004"
# Targets from the issue: against the first size, the second within 1.5x and the others
# within 2x; every portfolio view within 3x of its floor.
GROWTH_LIMITS = {10_000: 1.5, 100_000: 2.0}
FLOOR_LIMIT = 3.0


def _portfolio_views() -> dict[str, tuple[str, str]]:
    """Every portfolio view: name -> (its path, its floor's path)."""

    def portfolio(query=""):
        suffix = f"?{query}" if query else ""
        return f"/portfolio/{suffix}", f"/bench/floor/portfolio/{suffix}"

    views = {
        "engagement list": ("/", "/bench/floor/engagements/"),
        "engagement list, searched": (
            f"/?q={urllib.parse.quote(SEARCH)}",
            f"/bench/floor/engagements/?q={urllib.parse.quote(SEARCH)}",
        ),
        "portfolio": portfolio(),
    }
    for sort in PORTFOLIO_SORTS:
        for direction in ("", "-"):
            views[f"sorted by {direction}{sort}"] = portfolio(f"sort={direction}{sort}")
    filters = {
        "phase Corrigir": "phase=corrigir",
        "phase completed": "phase=completed",
        "at risk": "at_risk=yes",
        "on track": "at_risk=no",
        "service Intune": "service=intune",
        "customer searched": f"q={urllib.parse.quote(SEARCH)}",
        "at risk, most overdue first": "at_risk=yes&sort=-overdue",
    }
    for name, query in filters.items():
        views[f"filtered: {name}"] = portfolio(query)
    views["matrix"] = ("/portfolio/matrix/", "/bench/floor/portfolio/")
    views["summary"] = ("/portfolio/summary/", "/bench/floor/portfolio/summary/")
    views["CSV, every engagement"] = ("/portfolio/export.csv", "/bench/floor/portfolio/all/")
    return views


PORTFOLIO_VIEWS = _portfolio_views()
ENGAGEMENT_PAGES = {
    "engagement dashboard": ("/engagements/{id}/dashboard/", "/bench/floor/engagement/{id}/"),
    "engagement task page": ("/engagements/{id}/", "/bench/floor/engagement/{id}/"),
}
PEER = {"admin changelist": "/admin/engagements/engagement/"}


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


def prepare_database(size) -> tuple[int, int]:
    """Seed the size's database if it needs it; the middle engagement and its task count."""
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
        return connection.execute(
            """SELECT e.id, (SELECT count(*) FROM engagements_task t WHERE t.engagement_id = e.id)
               FROM engagements_engagement e ORDER BY customer, id OFFSET %s LIMIT 1""",
            [size // 2],
        ).fetchone()


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def measure(clients, paths):
    """Per (size, path): the seconds to the last byte and to the first, and the query count;
    round-robin over everything."""
    elapsed = {(size, path): [] for size in clients for path in paths}
    first_byte = {key: [] for key in elapsed}
    queries = {}
    for client in clients.values():
        for path in paths:
            for _ in range(2):  # warm-up: connections, caches, compiled templates
                client.get(path.format(id=client.engagement_id))
    for _ in range(ROUNDS):
        for size, client in clients.items():
            for path in paths:
                first, last, count = client.get(path.format(id=client.engagement_id))
                elapsed[(size, path)].append(last)
                first_byte[(size, path)].append(first)
                queries[(size, path)] = count
    return elapsed, first_byte, queries


def main():
    servers, clients, tasks = [], {}, {}
    try:
        for index, size in enumerate(SIZES):
            engagement_id, tasks[size] = prepare_database(size)
            server = Server(size, FIRST_PORT + index)
            servers.append(server)
            clients[size] = Client(server, "bench")
            clients[size].engagement_id = engagement_id
        paths = {
            path
            for pages in (PORTFOLIO_VIEWS, ENGAGEMENT_PAGES)
            for pair in pages.values()
            for path in pair
        } | set(PEER.values())
        elapsed, first_byte, queries = measure(clients, sorted(paths))
        ticks = measure_ticks(servers)
    finally:
        for server in servers:
            server.stop()
    memory = {
        size: csv_memory(size, FIRST_PORT + len(SIZES) + index) for index, size in enumerate(SIZES)
    }
    report = Report(elapsed, first_byte, queries, ticks, memory, tasks).render()
    print(report)
    (ROOT / "docs" / "benchmarks.md").write_text(report, encoding="utf-8")


class Report:
    def __init__(self, elapsed, first_byte, queries, ticks, memory, tasks):
        self.median = {key: statistics.median(values) * 1000 for key, values in elapsed.items()}
        self.p95 = {key: percentile(values, 0.95) * 1000 for key, values in elapsed.items()}
        self.first_byte = {
            key: statistics.median(values) * 1000 for key, values in first_byte.items()
        }
        self.queries, self.ticks, self.memory, self.tasks = queries, ticks, memory, tasks
        self.base = SIZES[0]
        self.failures = []

    def check(self, name, what, value, limit) -> str:
        if value > limit:
            self.failures.append(f"{name}: {what} {value:.2f}x, over {limit}x")
            return f"**{value:.2f}**"
        return f"{value:.2f}"

    def render(self) -> str:
        sizes = " · ".join(f"{size:,}" for size in SIZES)
        lines = [
            f"# Benchmark: {sizes} engagements",
            "",
            f"Machine: {platform.platform()}, {os.cpu_count()} cores, Python "
            f"{platform.python_version()}; PostgreSQL on the same machine; gunicorn with 2 "
            f"workers of 4 threads per size. {ROUNDS} rounds of requests, round-robin over "
            "sizes and pages, as the superuser who sees every engagement. Times are medians in "
            "milliseconds over real HTTP, to the response's last byte.",
            "",
            "Tasks per engagement: "
            + ", ".join(f"{self.tasks[size]} at {size:,}" for size in SIZES)
            + f" (from {SMALL_SCOPE_FROM:,} on, only Azure AD Premium is in scope: fewer tasks "
            "to seed; the portfolio reads the stored status, which is one row per engagement "
            "whatever its task count).",
            "",
            "Reproduce: `make bench` (needs PostgreSQL; seeds `fasttrack_bench_<size>` once; "
            "`BENCH_SIZES=1000,10000 make bench` skips the largest).",
            "",
            *self.portfolio_table(),
            *self.csv_table(),
            *self.engagement_table(),
            *self.ticks_table(),
        ]
        lines += ["## Targets", ""]
        if self.failures:
            lines += ["Over their targets (bold above):", ""]
            lines += [f"- {failure}" for failure in self.failures]
        else:
            lines.append(
                "Every portfolio view is within its targets: "
                + ", ".join(
                    f"{size:,} within {limit}x of {self.base:,}"
                    for size, limit in GROWTH_LIMITS.items()
                    if size in SIZES
                )
                + f", and within {FLOOR_LIMIT:g}x of its floor at every size."
            )
        lines.append("")
        return "\n".join(lines)

    def portfolio_table(self):
        others = SIZES[1:]
        lines = [
            "## Portfolio views",
            "",
            "Each against its floor: the same rows fetched with `.values()` (the page of fifty "
            "stored statuses and the count the pager shows; the summary's grouped counts; every "
            "row for the CSV) and returned as JSON (benchmarks/floors.py). x floor is the "
            "largest ratio over the sizes.",
            "",
            "| view | "
            + " | ".join(f"{size:,}" for size in SIZES)
            + " | "
            + " | ".join(f"x {self.base:,} at {size:,}" for size in others)
            + " | floor at "
            + f"{SIZES[-1]:,} | x floor | queries |",
            "|---|" + "---:|" * (len(SIZES) + len(others) + 3),
        ]
        for name, (path, floor) in PORTFOLIO_VIEWS.items():
            medians = [self.median[(size, path)] for size in SIZES]
            if path.endswith(".csv"):
                # The whole file grows with the portfolio; its first byte must not.
                growth = [
                    self.first_byte[(size, path)] / self.first_byte[(self.base, path)]
                    for size in others
                ]
                name += " (x: first byte)"
            else:
                growth = [
                    self.median[(size, path)] / self.median[(self.base, path)] for size in others
                ]
            floor_ratio = max(
                self.median[(size, path)] / self.median[(size, floor)] for size in SIZES
            )
            counts = sorted({self.queries[(size, path)] for size in SIZES})
            lines.append(
                f"| {name} | "
                + " | ".join(f"{median:.1f}" for median in medians)
                + " | "
                + " | ".join(
                    self.check(
                        name,
                        f"at {size:,} against {self.base:,}",
                        ratio,
                        GROWTH_LIMITS.get(size, 2.0),
                    )
                    for size, ratio in zip(others, growth, strict=True)
                )
                + f" | {self.median[(SIZES[-1], floor)]:.1f} | "
                + self.check(name, "against its floor", floor_ratio, FLOOR_LIMIT)
                + f" | {', '.join(map(str, counts))} |"
            )
        for name, path in PEER.items():
            counts = sorted({self.queries[(size, path)] for size in SIZES})
            lines.append(
                f"| {name} (peer) | "
                + " | ".join(f"{self.median[(size, path)]:.1f}" for size in SIZES)
                + " | "
                + " | ".join(
                    f"{self.median[(size, path)] / self.median[(self.base, path)]:.2f}"
                    for size in others
                )
                + f" | | | {', '.join(map(str, counts))} |"
            )
        lines.append("")
        return lines

    def csv_table(self):
        path, floor = PORTFOLIO_VIEWS["CSV, every engagement"]
        lines = [
            "## The CSV of every engagement",
            "",
            "Streamed as the database yields the rows. The peak is a fresh one-worker gunicorn's "
            "resident set, read every 2 ms while it streams the whole file, after three "
            "portfolio pages warmed it.",
            "",
            "| engagements | rows | first byte | whole file | its floor | x floor | "
            "worker before | worker peak | growth |",
            "|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for size in SIZES:
            memory = self.memory[size]
            lines.append(
                f"| {size:,} | {memory.rows:,} | {self.first_byte[(size, path)]:.1f} ms | "
                f"{self.median[(size, path)]:.0f} ms | {self.median[(size, floor)]:.0f} ms | "
                f"{self.median[(size, path)] / self.median[(size, floor)]:.2f} | "
                f"{memory.before_mb:.1f} MB | {memory.peak_mb:.1f} MB | "
                f"{memory.growth_mb:.1f} MB |"
            )
        lines.append("")
        return lines

    def engagement_table(self):
        lines = [
            "## One engagement's pages",
            "",
            "Against the floor of the engagement's rows (tasks, checkpoints, recent events). "
            "They depend on the engagement's task count, not the portfolio's size.",
            "",
            "| page | engagements | median | p95 | queries | floor | x floor |",
            "|---|---:|---:|---:|---:|---:|---:|",
        ]
        for name, (path, floor) in ENGAGEMENT_PAGES.items():
            for size in SIZES:
                key = (size, path)
                lines.append(
                    f"| {name} | {size:,} | {self.median[key]:.1f} | {self.p95[key]:.1f} | "
                    f"{self.queries[key]} | {self.median[(size, floor)]:.1f} | "
                    f"{self.median[key] / self.median[(size, floor)]:.2f} |"
                )
        lines.append("")
        return lines

    def ticks_table(self):
        lines = [
            "## Ticks",
            "",
            f"Each manager toggles a task of their own, done and not done, for {TICK_SECONDS:g} s "
            "through the checkbox's own request (the task row, progress and activity it "
            "answers with); the trail is checked to hold one event per tick. On the same "
            "engagement the ticks queue on its row lock.",
            "",
            "| engagements | managers | ticks | median | p95 | ticks/s |",
            "|---:|---|---:|---:|---:|---:|",
        ]
        for (size, scenario), result in self.ticks.items():
            lines.append(
                f"| {size:,} | {scenario} | {len(result.latencies)} | "
                f"{result.median_ms:.1f} ms | {result.p95_ms:.1f} ms | {result.per_second:.1f} |"
            )
        lines.append("")
        return lines


if __name__ == "__main__":
    main()
