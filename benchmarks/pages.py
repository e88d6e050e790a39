"""`make bench`: the pages' speed at 1,000 and 10,000 engagements, beside their references.

For each size a PostgreSQL database is seeded (benchmarks/seed.py, reused when it already
holds that many engagements) and served by gunicorn with 2 workers under benchmarks.settings.
Requests go round-robin over both sizes and all pages, so a noisy neighbour slows every page
alike. For each page: median and 95th-percentile latency over real HTTP and its query count,
against the floor (the same rows as plain JSON) and the peer (the admin's changelist). Then wrk
puts each page and its floor under load. The report is printed and written to
docs/benchmarks.md.

Environment: BENCH_SIZES (default 1000,10000), BENCH_ROUNDS (30), BENCH_WRK_SECONDS (20, 0 to
skip wrk), BENCH_RESEED=1 to drop and seed again, BENCH_DATABASE_SERVER
(postgres://postgres@127.0.0.1:5432).
"""

import http.client
import os
import platform
import re
import shutil
import signal
import statistics
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
# The seed's version, read without importing Django (the seed module sets it up).
SEED_VERSION = re.search(
    r'^SEED_VERSION = "(\w+)"', (ROOT / "benchmarks" / "seed.py").read_text(), re.MULTILINE
).group(1)
SERVER = os.environ.get("BENCH_DATABASE_SERVER", "postgres://postgres@127.0.0.1:5432")
SIZES = [int(size) for size in os.environ.get("BENCH_SIZES", "1000,10000").split(",")]
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "30"))
WRK_SECONDS = int(os.environ.get("BENCH_WRK_SECONDS", "20"))
FIRST_PORT = 8701

# page -> (path, its floor); {id} is a mid-portfolio engagement.
PAGES = {
    "engagement dashboard": ("/engagements/{id}/dashboard/", "floor engagement"),
    "engagement task page": ("/engagements/{id}/", "floor engagement"),
    "portfolio, first 50": ("/portfolio/", "floor portfolio"),
    "portfolio matrix": ("/portfolio/matrix/", "floor portfolio"),
}
REFERENCES = {
    "floor engagement": "/bench/floor/engagement/{id}/",
    "floor portfolio": "/bench/floor/portfolio/",
    "admin changelist": "/admin/engagements/engagement/",
}
# Reported for what they cost, without targets: they need every engagement's status.
WHOLE_PORTFOLIO = {
    "portfolio sorted by overdue": "/portfolio/?sort=-overdue",
    "portfolio summary": "/portfolio/summary/",
}


def database_url(size):
    return f"{SERVER}/fasttrack_bench_{size}"


def seeded_by_this_version(size) -> bool:
    try:
        with psycopg.connect(database_url(size)) as connection:
            row = connection.execute("SELECT version, engagements FROM bench_seed").fetchone()
    except psycopg.Error:
        return False
    return row == (SEED_VERSION, size)


def prepare_database(size):
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
        [sys.executable, str(ROOT / "benchmarks" / "seed.py"), str(size)],
        env={**os.environ, "DATABASE_URL": database_url(size)},
        check=True,
    )
    with psycopg.connect(database_url(size)) as connection:
        (engagement_id,) = connection.execute(
            "SELECT id FROM engagements_engagement ORDER BY customer OFFSET %s LIMIT 1",
            [size // 2],
        ).fetchone()
    return engagement_id


class Server:
    def __init__(self, size, port):
        self.size, self.port = size, port
        self.process = subprocess.Popen(
            [
                str(Path(sys.executable).with_name("gunicorn")),
                "fasttrack.wsgi",
                "--workers=2",
                f"--bind=127.0.0.1:{port}",
                "--timeout=60",
                "--log-level=warning",
            ],
            cwd=ROOT,
            env={
                **os.environ,
                "DJANGO_SETTINGS_MODULE": "benchmarks.settings",
                "DATABASE_URL": database_url(size),
            },
            start_new_session=True,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                self.request("GET", "/accounts/login/")
                break
            except OSError:
                time.sleep(0.2)
        self.cookie = self.log_in()

    def request(self, method, path, body=None, headers=None):
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        content = response.read()
        connection.close()
        return response, content

    def log_in(self):
        response, content = self.request("GET", "/accounts/login/")
        csrf_cookie = re.search(r"csrftoken=([^;]+)", response.getheader("Set-Cookie")).group(1)
        token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', content).group(1)
        body = urllib.parse.urlencode(
            {"username": "bench", "password": "bench", "csrfmiddlewaretoken": token.decode()}
        )
        response, _ = self.request(
            "POST",
            "/accounts/login/",
            body,
            {
                "Content-Type": "application/x-www-form-urlencoded",
                "Cookie": f"csrftoken={csrf_cookie}",
            },
        )
        session = re.search(r"sessionid=([^;]+)", response.getheader("Set-Cookie") or "")
        if not session:
            sys.exit(f"Could not log in to the {self.size} server")
        return f"sessionid={session.group(1)}"

    def get(self, path):
        started = time.perf_counter()
        response, _ = self.request("GET", path, headers={"Cookie": self.cookie})
        elapsed = time.perf_counter() - started
        if response.status != 200:
            sys.exit(f"{path} answered {response.status} on the {self.size} server")
        return elapsed, int(response.getheader("X-Queries"))

    def stop(self):
        os.killpg(self.process.pid, signal.SIGTERM)
        self.process.wait(timeout=30)


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def measure(servers, paths):
    """Latencies (seconds) and query counts per (size, name), round-robin over everything."""
    timings = {(s.size, name): [] for s in servers for name in paths}
    queries = {}
    for server in servers:
        for path in paths.values():
            for _ in range(3):  # warm-up: connections, caches, compiled templates
                server.get(path.format(id=server.engagement_id))
    for _ in range(ROUNDS):
        for server in servers:
            for name, path in paths.items():
                elapsed, count = server.get(path.format(id=server.engagement_id))
                timings[(server.size, name)].append(elapsed)
                queries[(server.size, name)] = count
    return timings, queries


def load(server, path):
    """wrk: 16 connections for WRK_SECONDS; requests per second and any errors."""
    output = subprocess.run(
        [
            "wrk",
            "-t2",
            "-c16",
            f"-d{WRK_SECONDS}s",
            "--timeout",
            "10s",
            "-H",
            f"Cookie: {server.cookie}",
            f"http://127.0.0.1:{server.port}{path}",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    errors = 0
    socket = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    if socket:
        errors += sum(int(n) for n in socket.groups())
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    if non_2xx:
        errors += int(non_2xx.group(1))
    return rps, errors


def main():
    servers = []
    try:
        for index, size in enumerate(SIZES):
            engagement_id = prepare_database(size)
            server = Server(size, FIRST_PORT + index)
            server.engagement_id = engagement_id
            servers.append(server)
        paths = {name: path for name, (path, _floor) in PAGES.items()}
        paths |= REFERENCES | WHOLE_PORTFOLIO
        timings, queries = measure(servers, paths)
        loads = {}
        if WRK_SECONDS and shutil.which("wrk"):
            for server in servers:
                for name in [*PAGES, "floor engagement", "floor portfolio"]:
                    loads[(server.size, name)] = load(
                        server, paths[name].format(id=server.engagement_id)
                    )
        report = render(timings, queries, loads)
    finally:
        for server in servers:
            server.stop()
    print(report)
    (ROOT / "docs" / "benchmarks.md").write_text(report, encoding="utf-8")


def render(timings, queries, loads):
    median = {key: statistics.median(values) * 1000 for key, values in timings.items()}
    p95 = {key: percentile(values, 0.95) * 1000 for key, values in timings.items()}
    small, large = SIZES[0], SIZES[-1]
    lines = [
        "# Benchmark: pages at " + " and ".join(f"{size:,}" for size in SIZES) + " engagements",
        "",
        f"Machine: {platform.platform()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}; PostgreSQL on the same machine; gunicorn with 2 workers "
        f"per size. {ROUNDS} rounds of requests, round-robin over sizes and pages. Each "
        "engagement holds 119 tasks; times in milliseconds over real HTTP.",
        "",
        "Reproduce: `make bench` (needs PostgreSQL; seeds `fasttrack_bench_<size>` once).",
        "",
    ]
    for size in SIZES:
        lines += [
            f"## {size:,} engagements",
            "",
            "| page | median | p95 | queries | floor median | x floor | admin median | x admin |",
            "|---|---:|---:|---:|---:|---:|---:|---:|",
        ]
        admin = median[(size, "admin changelist")]
        for name, (_path, floor) in PAGES.items():
            page, floor_ms = median[(size, name)], median[(size, floor)]
            lines.append(
                f"| {name} | {page:.1f} | {p95[(size, name)]:.1f} | {queries[(size, name)]} | "
                f"{floor_ms:.1f} | {page / floor_ms:.2f} | {admin:.1f} | {page / admin:.2f} |"
            )
        for name in [*REFERENCES, *WHOLE_PORTFOLIO]:
            lines.append(
                f"| {name} | {median[(size, name)]:.1f} | {p95[(size, name)]:.1f} | "
                f"{queries[(size, name)]} | | | | |"
            )
        lines.append("")
    lines += [
        f"## Growth from {small:,} to {large:,} engagements",
        "",
        "| page | median ratio | queries, same at both sizes? |",
        "|---|---:|---|",
    ]
    for name in [*PAGES, *WHOLE_PORTFOLIO, "admin changelist"]:
        same = queries[(small, name)] == queries[(large, name)]
        lines.append(
            f"| {name} | {median[(large, name)] / median[(small, name)]:.2f} | "
            f"{'yes' if same else 'no'} ({queries[(small, name)]}, {queries[(large, name)]}) |"
        )
    lines.append("")
    if loads:
        lines += [
            f"## Under load: wrk, 16 connections, {WRK_SECONDS} s per page",
            "",
            "| size | page | requests/s | errors and timeouts | its floor's requests/s |",
            "|---:|---|---:|---:|---:|",
        ]
        for size in SIZES:
            for name, (_path, floor) in PAGES.items():
                rps, errors = loads[(size, name)]
                lines.append(
                    f"| {size:,} | {name} | {rps:.0f} | {errors} | {loads[(size, floor)][0]:.0f} |"
                )
        lines.append("")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
