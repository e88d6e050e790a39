"""The report `make bench` prints and writes to docs/benchmarks.md: each view against the
baseline size and its floor, the CSV's memory, one engagement's pages and the ticks; the
views over their targets in bold and listed at the end."""

import os
import platform
import statistics

from .bulk import FEW as BULK_FEW
from .bulk import MANY as BULK_MANY
from .bulk import ROUNDS as BULK_ROUNDS
from .bulk import median_ms
from .measured import (
    ENGAGEMENT_PAGES,
    FLOOR_LIMIT,
    GROWTH_EXCEPTED,
    GROWTH_LIMITS,
    PEER,
    PORTFOLIO_VIEWS,
    ROUNDS,
    SIZES,
    SMALL_SCOPE_FROM,
    SU,
    USERS,
)
from .ticks import SECONDS as TICK_SECONDS


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


class Report:
    def __init__(
        self, elapsed, first_byte, queries, ticks, tick_forecasts, bulk, applies, memory, tasks
    ):
        self.median = {key: statistics.median(values) * 1000 for key, values in elapsed.items()}
        self.p95 = {key: percentile(values, 0.95) * 1000 for key, values in elapsed.items()}
        self.first_byte = {
            key: statistics.median(values) * 1000 for key, values in first_byte.items()
        }
        self.queries, self.ticks, self.memory, self.tasks = queries, ticks, memory, tasks
        self.tick_forecasts, self.bulk, self.applies = tick_forecasts, bulk, applies
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
            "sizes, users and pages (each round's pages in a shuffled order), as the superuser "
            "who sees every engagement and as a member of every engagement (one engagement's "
            "pages as the superuser). Times are medians in milliseconds over real HTTP, to the "
            "response's last byte.",
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
            *self.bulk_table(),
            *self.apply_table(),
        ]
        lines += ["## Targets", ""]
        lines += [
            f"Excepted from the growth bounds: the {name} ({why})."
            for name, why in GROWTH_EXCEPTED.items()
        ] + [""]
        if self.failures:
            lines += ["Over their targets (bold above):", ""]
            lines += [f"- {failure}" for failure in self.failures]
        else:
            lines.append(
                "Every view is within its targets, for both users: "
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
        lines = [
            "## Portfolio views",
            "",
            "Each against its floor: the same rows read by the page's own queries and returned "
            "as JSON, without a template (benchmarks/floors.py): a page of the table is its ids "
            "and the count the pager shows, as the page finds them, then its rows as "
            "`.values()`; the engagement list its page and count as the view reads them; the "
            "API's page its ids and then its rows, uncounted; the summary's grouped counts; "
            "every row for the CSV; the feed's checkpoints and due dates. The floor "
            "is checked at every size: x floor is the page against its floor at each size, and "
            "a floor slower than its page (under 1) is not a lower bound, marked failed.",
            "",
        ]
        for who in USERS:
            lines += self._user_table(who)
        return lines

    def _user_table(self, who):
        others = SIZES[1:]
        lines = [
            f"### As the {who}"
            + (" (sees every engagement)" if who == "superuser" else " (member of every one)"),
            "",
            "| view | "
            + " | ".join(f"{size:,}" for size in SIZES)
            + " | "
            + " | ".join(f"x {self.base:,} at {size:,}" for size in others)
            + " | "
            + " | ".join(f"x floor at {size:,}" for size in SIZES)
            + " | queries |",
            "|---|" + "---:|" * (2 * len(SIZES) + len(others) + 1),
        ]
        for name, (path, floor) in PORTFOLIO_VIEWS.items():
            median = {size: self.median[(size, who, path)] for size in SIZES}
            if path.endswith(".csv"):
                # The whole file grows with the portfolio; its first byte must not.
                growth = [
                    self.first_byte[(size, who, path)] / self.first_byte[(self.base, who, path)]
                    for size in others
                ]
                name += " (x: first byte)"
            else:
                growth = [median[size] / median[self.base] for size in others]
            floors = []
            for size in SIZES:
                ratio = median[size] / self.median[(size, who, floor)]
                what = f"against its floor at {size:,} ({who})"
                if ratio < 1:
                    self.failures.append(f"{name}: its floor is slower than it {what}")
                    floors.append(f"**{ratio:.2f}** (floor failed)")
                else:
                    floors.append(self.check(name, what, ratio, FLOOR_LIMIT))
            counts = sorted({self.queries[(size, who, path)] for size in SIZES})
            lines.append(
                f"| {name} | "
                + " | ".join(f"{median[size]:.1f}" for size in SIZES)
                + " | "
                + " | ".join(
                    f"{ratio:.2f} (excepted)"
                    if name in GROWTH_EXCEPTED
                    else self.check(
                        f"{name} ({who})",
                        f"at {size:,} against {self.base:,}",
                        ratio,
                        GROWTH_LIMITS.get(size, 2.0),
                    )
                    for size, ratio in zip(others, growth, strict=True)
                )
                + " | "
                + " | ".join(floors)
                + f" | {', '.join(map(str, counts))} |"
            )
        for name, path in PEER.items() if who == SU else ():
            counts = sorted({self.queries[(size, who, path)] for size in SIZES})
            lines.append(
                f"| {name} (peer) | "
                + " | ".join(f"{self.median[(size, who, path)]:.1f}" for size in SIZES)
                + " | "
                + " | ".join(
                    f"{self.median[(size, who, path)] / self.median[(self.base, who, path)]:.2f}"
                    for size in others
                )
                + " | " * len(SIZES)
                + f" | {', '.join(map(str, counts))} |"
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
                f"| {size:,} | {memory.rows:,} | {self.first_byte[(size, SU, path)]:.1f} ms | "
                f"{self.median[(size, SU, path)]:.0f} ms | "
                f"{self.median[(size, SU, floor)]:.0f} ms | "
                f"{self.median[(size, SU, path)] / self.median[(size, SU, floor)]:.2f} | "
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
                key = (size, SU, path)
                ratio = self.median[key] / self.median[(size, SU, floor)]
                lines.append(
                    f"| {name} | {size:,} | {self.median[key]:.1f} | {self.p95[key]:.1f} | "
                    f"{self.queries[key]} | {self.median[(size, SU, floor)]:.1f} | "
                    + self.check(name, f"against its floor at {size:,}", ratio, FLOOR_LIMIT)
                    + " |"
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
            "engagement the ticks queue on its row lock. Every engagement ticked has a forecast "
            "(READY: weeks of throughput, work left), which each tick recomputes as it stores "
            "the status.",
            "",
            "| engagements | managers | ticks | median | p95 | ticks/s |",
            "|---:|---|---:|---:|---:|---:|",
        ]
        for (size, scenario), result in self.ticks.items():
            lines.append(
                f"| {size:,} | {scenario} | {len(result.latencies)} | "
                f"{result.median_ms:.1f} ms | {result.p95_ms:.1f} ms | {result.per_second:.1f} |"
            )
        lines += [
            "",
            "### A tick and its forecast",
            "",
            f"One manager ticks the middle engagement for {TICK_SECONDS:g} s as above; after each "
            "tick (never during one) the engagement's status is read from its rows as the "
            "tick's refresh reads it, the forecast function alone (`forecast_weeks`, the Monte "
            "Carlo) is timed on those inputs, and the forecast the tick stored is checked to be "
            "the one they give (benchmarks/tick_forecast.py). Side by side in one run, so the "
            "share is the forecast's part of a tick on this machine.",
            "",
            "| engagements | ticks | tick median | tick p95 | tick queries | forecast median | "
            "forecast p95 | forecast's share |",
            "|---:|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for size, result in self.tick_forecasts.items():
            tick, forecast = result["ticks"], result["forecasts"]
            share = statistics.median(forecast) / statistics.median(tick)
            lines.append(
                f"| {size:,} | {len(tick)} | {statistics.median(tick) * 1000:.1f} ms | "
                f"{percentile(tick, 0.95) * 1000:.1f} ms | "
                f"{', '.join(map(str, result['queries']))} | "
                f"{statistics.median(forecast) * 1000:.1f} ms | "
                f"{percentile(forecast, 0.95) * 1000:.1f} ms | {share:.0%} |"
            )
        lines.append("")
        return lines

    def bulk_table(self):
        lines = [
            "## Bulk changes",
            "",
            f"A manager marks {BULK_FEW} open tasks of the middle engagement done in one request "
            f"through the task page's form, then not done, and the same with all its open tasks "
            f"of the manager's party but each phase's last, up to {BULK_MANY}, {BULK_ROUNDS} "
            "times each "
            "(benchmarks/bulk.py); the trail is checked to hold one event per task changed. "
            "The query count must not grow with the tasks.",
            "",
            "| engagements | tasks | median | p95 | queries (done, not done) |",
            "|---:|---:|---:|---:|---|",
        ]
        for size in SIZES:
            for result in self.bulk[size].values():
                lines.append(
                    f"| {size:,} | {result['tasks']} | {median_ms(result['seconds']):.1f} ms | "
                    f"{percentile(result['seconds'], 0.95) * 1000:.1f} ms | "
                    f"{result['queries']['done']}, {result['queries']['not_done']} |"
                )
            if self.bulk[size]["few"]["queries"] != self.bulk[size]["many"]["queries"]:
                self.failures.append(f"bulk change at {size:,}: queries grow with the tasks")
        lines.append("")
        return lines

    def apply_table(self):
        lines = [
            "## A catalogue apply into every engagement, as a job",
            "",
            "The catalogue gains one responsibility and is published; an admin's job brings it "
            "into every engagement of a copy of the seeded database, carried out by a real "
            "Celery worker (one process) on a Redis of its own. Halfway the worker is killed; a "
            "second one takes the job over once its hold lapses (10 s here) and the beat's "
            "resuming task is sent. Each "
            "engagement is checked to end with one outcome, done, one new task and one event "
            "(benchmarks/apply_job.py). The progress an admin reads costs one query.",
            "",
            "| engagements | whole job | engagements/s | killed at (s, done) | progress read |",
            "|---:|---:|---:|---|---:|",
        ]
        for size, result in self.applies.items():
            if "error" in result:
                self.failures.append(f"catalogue apply into {size:,}: {result['error']}")
                lines.append(f"| {size:,} | failed: {result['error']} | | | |")
                continue
            killed_seconds, killed_done = result["killed_at"]
            lines.append(
                f"| {size:,} | {result['seconds']:.0f} s | {size / result['seconds']:.1f} | "
                f"{killed_seconds:.0f} s, {killed_done:,} | {result['read_ms']:.1f} ms |"
            )
        if not self.applies:
            lines.append("| (not run: BENCH_APPLY_SIZES is empty) | | | | |")
        lines.append("")
        return lines
