"""What reading customers' tenants costs, on PostgreSQL, against the Graph stand-in.

(a) One tenant's check (`tenant_check_once`) in this process: Graph and token requests per run,
its time (median of RUNS) and its CPU (the portal's, PostgreSQL's, the stand-in's); cold (no
msal application for the tenant in the process: tenant discovery and a token first, as a daily
re-check in a busy worker) and warm (a token cached); against a stand-in that closes each
connection (as the tests run it) and one that keeps them open (as Graph does).
(b) FLEET tenants re-checked as beat does it: `tenant_checks_due` sent to a real Celery worker
(two pool processes) on a Redis of the benchmark's own queues one `tenant_check` per due tenant;
wall time until the last run is recorded, requests per second, peak memory and CPU of the
worker's processes, and how busy the machine was meanwhile.

The stand-in (tests/entra.py) runs in this process, so its CPU competes with the worker's on the
same cores: it is reported apart. Run with `make bench-tenants`; writes docs/benchmark-tenants.md.
"""

import os
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import django

ROOT = Path(__file__).resolve().parent.parent
# Run as a file, this folder would come first on the path and this module would be imported
# as the tenants app (a folder without __init__.py): the project's root takes its place.
if Path(sys.path[0]).resolve() == ROOT / "benchmarks":
    sys.path[0] = str(ROOT)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fasttrack.settings")
# requests lets a CA bundle named in the environment win over the stand-in's (psf/requests#4726).
for name in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"):
    os.environ.pop(name, None)
django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import Max  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from benchmarks.celery_worker import (  # noqa: E402
    OwnRedis,
    Worker,
    cpu_seconds,
    machine_cpu,
    wait_until,
)
from benchmarks.tenant_fleet import (  # noqa: E402
    analyse,
    connected_fleet,
    first_engagement,
)
from benchmarks.tenant_report import report  # noqa: E402
from fasttrack.celery import app  # noqa: E402
from tenants import graph  # noqa: E402
from tenants.models import CheckRun  # noqa: E402
from tenants.tasks import tenant_check_once  # noqa: E402
from tests.entra import EntraStandIn  # noqa: E402
from tests.tenant_support import point_at  # noqa: E402

RUNS = 20
FLEET = int(os.environ.get("BENCH_TENANTS", "1000"))
FLEET_TIMEOUT = 3 * 3600


def counted(entra) -> tuple[int, int, int]:
    """Graph requests, token requests and other Entra requests (tenant discovery) so far."""
    tokens = len(entra.token_requests)
    return len(entra.graph_requests), tokens, len(entra.requests) - tokens


def aim(entra):
    """The portal's settings at this stand-in (both hold the same app registrations)."""
    settings.ENTRA_AUTHORITY_HOST = settings.GRAPH_API_BASE = entra.base_url
    settings.ENTRA_CA_FILE = str(entra.ca_path)


def one_tenant(stand_ins: dict, engagement) -> dict:
    """Each (stand-in, cold or warm) run's requests, SQL queries, time and CPU, RUNS of each.
    CPU is split three ways: the portal's (this thread: Python, TLS, the database client),
    PostgreSQL's (this connection's server process) and the stand-in's (this process's other
    threads)."""
    timings = {(mode, kind): [] for mode in stand_ins for kind in ("cold", "warm")}
    requests, queries = {key: set() for key in timings}, {key: set() for key in timings}
    cpu = {key: [0.0, 0.0, 0.0] for key in timings}
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (backend,) = cursor.fetchone()
    for _ in range(RUNS):
        # Interleaved, so the load of a shared machine moves every row alike.
        for mode, kind in timings:
            entra = stand_ins[mode]
            aim(entra)
            if kind == "cold":
                # The process forgets the tenant's msal application and the token it holds.
                graph._application.cache_clear()
            before = counted(entra)
            used = (time.thread_time(), cpu_seconds(backend), time.process_time())
            with CaptureQueriesContext(connection) as captured:
                started = time.perf_counter()
                outcome = tenant_check_once(engagement.pk)
                timings[mode, kind].append(time.perf_counter() - started)
            portal, database = time.thread_time() - used[0], cpu_seconds(backend) - used[1]
            cpu[mode, kind][0] += portal
            cpu[mode, kind][1] += database
            cpu[mode, kind][2] += time.process_time() - used[2] - portal
            if outcome != ("recorded", None):
                raise RuntimeError(f"A reading was not recorded: {outcome}")
            asked = tuple(a - b for a, b in zip(counted(entra), before, strict=True))
            requests[mode, kind].add(asked)
            queries[mode, kind].add(len(captured))
    return {
        key: {
            "median_ms": statistics.median(timings[key]) * 1000,
            "p90_ms": sorted(timings[key])[int(0.9 * RUNS) - 1] * 1000,
            "requests": sorted(requests[key]),
            "queries": sorted(queries[key]),
            "cpu_ms": [seconds / RUNS * 1000 for seconds in cpu[key]],
        }
        for key in timings
    }


def worker_environment(broker_url: str) -> dict:
    """The worker reads the stand-in's address, CA and app registrations from its environment,
    as a deployment's worker reads Microsoft's."""
    environment = {
        **os.environ,
        "CELERY_BROKER_URL": broker_url,
        "GRAPH_API_BASE": settings.GRAPH_API_BASE,
        "ENTRA_AUTHORITY_HOST": settings.ENTRA_AUTHORITY_HOST,
        "ENTRA_CA_FILE": settings.ENTRA_CA_FILE,
    }
    for tier, registration in settings.TENANT_APPS.items():
        environment[f"TENANT_APP_{tier.upper()}_CLIENT_ID"] = registration["client_id"]
        environment[f"TENANT_APP_{tier.upper()}_SECRET"] = registration["secret"]
    return environment


def fleet(entra, template) -> dict:
    started_seed = time.perf_counter()
    copies = connected_fleet(entra, template, FLEET)
    analyse()
    seed_seconds = time.perf_counter() - started_seed
    with tempfile.TemporaryDirectory() as folder:
        broker = OwnRedis(Path(folder))
        try:
            worker = Worker(ROOT, Path(folder) / "worker.log", worker_environment(broker.url))
            try:
                result = beat_run(entra, worker, broker.url)
                log = worker.log()
            finally:
                worker.stop()
        finally:
            broker.stop()
    runs = Counter(
        CheckRun.objects.filter(finished_at__gte=result.pop("since")).values_list(
            "engagement_id", flat=True
        )
    )
    if set(runs) != {copy.pk for copy in copies} or set(runs.values()) != {1}:
        raise RuntimeError("Not every tenant was read exactly once")
    per_tenant = Counter(r.tenant_id for r in entra.graph_requests)
    result.update(
        seed_seconds=seed_seconds,
        graph_per_tenant=sorted(set(per_tenant.values())),
        not_200=sum(r.status != 200 for r in entra.graph_requests),
        errors=log.count("ERROR/") + log.count("Traceback"),
        retries=log.count(" retry: "),
    )
    return result


def beat_run(entra, worker, broker_url) -> dict:
    """One beat run of `tenant_checks_due`, sent as beat sends it, until every tenant is read."""
    entra.graph_requests.clear()
    entra.token_requests.clear()
    entra.requests.clear()
    since = timezone.now()
    busy_before, total_before = machine_cpu()
    own_before = sum(os.times()[:2])
    worker.start_sampling()
    with app.connection_for_write(broker_url) as broker:
        app.send_task("tenants.tasks.tenant_checks_due", connection=broker)
    read = CheckRun.objects.filter(finished_at__gte=since)
    progress = {"at": time.monotonic()}

    def all_read() -> bool:
        done = read.count()
        if time.monotonic() - progress["at"] > 60:
            progress["at"] = time.monotonic()
            print(f"  {done} of {FLEET} tenants read", flush=True)
        return done >= FLEET

    wait_until(all_read, FLEET_TIMEOUT, f"{FLEET} readings", interval=1.0)
    wall = (read.aggregate(last=Max("finished_at"))["last"] - since).total_seconds()
    usage = worker.stop_sampling()
    busy_after, total_after = machine_cpu()
    graph_requests, token_requests, discovery = counted(entra)
    return {
        "since": since,
        "wall_s": wall,
        "graph_requests": graph_requests,
        "token_requests": token_requests,
        "discovery_requests": discovery,
        "worker_cpu_s": usage.cpu_seconds,
        "standin_cpu_s": sum(os.times()[:2]) - own_before,
        "machine_busy_s": busy_after - busy_before,
        "machine_window_s": (total_after - total_before) / os.cpu_count(),
        "peak_mb": [usage.peak_mb[pid] for pid in worker.pids()],
        "peak_total_mb": usage.peak_total_mb,
    }


def main():
    if connection.vendor != "postgresql":
        sys.exit("Set DATABASE_URL to a PostgreSQL database made for benchmarks (it is flushed).")
    call_command("migrate", verbosity=0)
    with tempfile.TemporaryDirectory() as folder:
        # The tests' stand-in closes each connection after its answer; Graph keeps it open,
        # and so does the stand-in the fleet is read from.
        stand_ins = {}
        for mode in ("closes", "keeps"):
            (Path(folder) / mode).mkdir()
            stand_ins[mode] = EntraStandIn(Path(folder) / mode, keep_alive=mode == "keeps")
        try:
            for entra in stand_ins.values():
                point_at(entra, settings)
            aim(stand_ins["keeps"])
            template = first_engagement(stand_ins["keeps"], also=[stand_ins["closes"]])
            single = one_tenant(stand_ins, template)
            aim(stand_ins["keeps"])
            load_before = os.getloadavg()[0]
            many = fleet(stand_ins["keeps"], template)
            load = (load_before, os.getloadavg()[0])
        finally:
            for entra in stand_ins.values():
                entra.stop()
    text = report(single, many, load, runs=RUNS, fleet_size=FLEET)
    print(text)
    (ROOT / "docs" / "benchmark-tenants.md").write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
