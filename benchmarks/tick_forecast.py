"""A tick's cost with the forecast kept current, and the forecast's own share of it.

One manager ticks a task of the middle engagement (seeded half done, with weeks of
throughput: its forecast is READY) through the checkbox's request, done and not done, for
BENCH_TICK_SECONDS. After each tick, in this process and never while a tick runs, the
engagement's status is read from its rows as the tick's refresh reads it, and the forecast
function alone (`forecast_weeks`) is timed on those inputs. The two are measured side by side
in one run on the same machine, so their ratio is the forecast's share whatever the machine's
other load. Each tick must have stored the forecast those inputs give (state READY, the same
days): otherwise the tick did not keep the forecast current, and the run stops.

Run by benchmarks/pages.py against a size's running server, with that size's DATABASE_URL:

    python -m benchmarks.tick_forecast SIZE PORT   (prints the timings as JSON)
"""

import json
import os
import subprocess
import sys
import time

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "benchmarks.settings")
django.setup()

from django.utils import timezone  # noqa: E402

from engagements.models import Engagement, ForecastState  # noqa: E402
from engagements.planning.forecast import forecast_weeks  # noqa: E402

# The refresh's own inputs: `_remaining` is the work left exactly as plan_values counts it.
from engagements.planning.status import (  # noqa: E402
    DAYS_PER_WEEK,
    _remaining,
    forecast_state,
    portal_date,
    weekly_history,
)
from engagements.status.selectors import engagement_statuses  # noqa: E402

from .server import ROOT, Address, Client, database_url  # noqa: E402
from .ticks import SECONDS, tick_targets  # noqa: E402


def _forecast_alone(engagement_id: int) -> float:
    """Seconds `forecast_weeks` takes on the engagement's inputs as they are now; checks that
    the stored forecast is the one they give."""
    engagement = Engagement.objects.get(pk=engagement_id)
    status = engagement_statuses([engagement], timezone.now(), with_plans=True)[engagement_id]
    history = weekly_history(status, portal_date(status.quiet_since()))
    if forecast_state(status, history) != ForecastState.READY:
        sys.exit(f"engagement {engagement_id}'s forecast is not READY: the tick runs none")
    remaining = _remaining(status)
    started = time.perf_counter()
    weeks = forecast_weeks(remaining, history, seed=engagement_id)
    elapsed = time.perf_counter() - started
    stored = (
        engagement.status_forecast,
        engagement.status_forecast_p50_days,
        engagement.status_forecast_p85_days,
    )
    if stored != (
        ForecastState.READY,
        weeks[-1].p50 * DAYS_PER_WEEK,
        weeks[-1].p85 * DAYS_PER_WEEK,
    ):
        sys.exit(f"the tick did not store engagement {engagement_id}'s current forecast")
    return elapsed


def measure_tick_forecasts(servers) -> dict[int, dict]:
    """Per size, the ticks' and the forecast's seconds and the ticks' query counts, one server
    at a time (each run in a process of its own, on its size's database)."""
    results = {}
    for server in servers:
        run = subprocess.run(
            [sys.executable, "-m", "benchmarks.tick_forecast", str(server.size), str(server.port)],
            env={**os.environ, "DATABASE_URL": database_url(server.size)},
            cwd=ROOT,
            stdout=subprocess.PIPE,
            check=True,
        )
        results[server.size] = json.loads(run.stdout)
    return results


def main(size: int, port: int) -> None:
    username, engagement_id, task_id, seeded_done = tick_targets(size)["one manager"][0]
    client = Client(Address(size, port), username)
    path = f"/engagements/{engagement_id}/tasks/{task_id}/done/"
    ticks, queries, forecasts = [], set(), []
    done = seeded_done
    deadline = time.monotonic() + SECONDS
    while time.monotonic() < deadline:
        done = not done
        content, elapsed, count = client.post(
            path, {"done": "1" if done else "0"}, {"HX-Request": "true"}
        )
        if b'role="alert"' in content:
            sys.exit(f"the tick on task {task_id} was refused on the {size} server")
        ticks.append(elapsed)
        queries.add(count)
        forecasts.append(_forecast_alone(engagement_id))
    # Leave the task as the seed had it, so every run starts from the same data.
    if done != seeded_done:
        client.post(path, {"done": "1" if seeded_done else "0"}, {"HX-Request": "true"})
    json.dump({"ticks": ticks, "queries": sorted(queries), "forecasts": forecasts}, sys.stdout)


if __name__ == "__main__":
    main(int(sys.argv[1]), int(sys.argv[2]))
