"""Real Celery workers (and beat) against PostgreSQL and a Redis server of the test's own.

These tests need the test database to be PostgreSQL, because the worker is a separate process
that must see what the test commits; on SQLite they are skipped (CI runs them on PostgreSQL).
"""

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import redis
from django.conf import settings
from django.db import connection

from ..support import SmtpServer, free_port

CELERY = str(Path(sys.executable).with_name("celery"))
HERE = Path(__file__).parent


def pytest_collection_modifyitems(items):
    """Each test here is marked `integration`, so that a run may take them alone: they wait on
    workers, servers and threads with timeouts that a busy machine can run out."""
    for item in items:
        if HERE in item.path.parents:
            item.add_marker(pytest.mark.integration)


def wait_for(condition, timeout=30.0, interval=0.2, what="condition", evidence=None):
    """Wait for `condition`; on a time-out, fail with what `evidence()` returns (a log's tail),
    since a CI failure is often seen only once and only through this message."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(interval)
    told = f"\n{evidence()}" if evidence else ""
    pytest.fail(f"Timed out after {timeout}s waiting for {what}{told}")


def unavailable(reason):
    if os.environ.get("CI"):
        pytest.fail(f"CI must run the Celery integration tests: {reason}")
    pytest.skip(reason)


@pytest.fixture
def postgres_db(transactional_db):
    if connection.vendor != "postgresql":
        # Not a gap: .ci/run runs the whole suite again on PostgreSQL.
        pytest.skip("needs DATABASE_URL to point at PostgreSQL")
    return connection.settings_dict


def count_messages(mail_dir: Path) -> int:
    """How many emails Django's file backend wrote (one Message-ID header each)."""
    return sum(
        path.read_text(errors="replace").count("\nMessage-ID: ") for path in mail_dir.glob("*")
    )


class Worker:
    def __init__(self, process, log_path):
        self.process, self.log_path = process, log_path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def log_tail(self, lines=80) -> str:
        """The log's last lines, without the beat's once-a-second chatter."""
        kept = [
            line
            for line in self.log().splitlines()
            if "Scheduler: Sending due task" not in line and "succeeded in" not in line
        ]
        return "\n".join(kept[-lines:])

    def kill(self):
        """Kill the worker and its pool children at once, as a crash would."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self):
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()


@pytest.fixture
def mail_dir(tmp_path):
    path = tmp_path / "mail"
    path.mkdir()
    return path


@pytest.fixture
def start_worker(postgres_db, mail_dir, tmp_path):
    """Start `celery worker` (with `beat` when asked) as its own process group."""
    workers = []

    def start(broker_url, *, beat=False, name="w", **env):
        database = postgres_db
        environment = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "fasttrack.settings",
            "DEBUG": "false",
            "SECRET_KEY": "integration-tests-only",
            "DATABASE_URL": (
                f"postgres://{database['USER']}@{database['HOST'] or '127.0.0.1'}:"
                f"{database['PORT'] or 5432}/{database['NAME']}"
            ),
            "CELERY_BROKER_URL": broker_url,
            "EMAIL_URL": f"filemail:///{mail_dir}",  # four slashes: an absolute path
            "NOTIFICATION_DISPATCH_SECONDS": "1",
            "NOTIFICATION_CLAIM_LEASE_SECONDS": "3",
            "NOTIFICATION_RETRY_SECONDS": "1",
            # Settings want the lease longer than the task time limit (a send is killed
            # before its lease runs out).
            "CELERY_TASK_TIME_LIMIT": "2",
            "CELERY_TASK_SOFT_TIME_LIMIT": "1",
            **env,
        }
        log_path = tmp_path / f"worker-{name}.log"
        command = [
            CELERY,
            "-A",
            "fasttrack",
            "worker",
            "--loglevel=INFO",
            "--concurrency=2",
            f"--hostname={name}-{os.getpid()}@%h",
            f"--logfile={log_path}",
        ]
        if beat:
            command += ["--beat", f"--schedule={tmp_path / f'beat-{name}'}"]
        process = subprocess.Popen(
            command,
            cwd=settings.BASE_DIR,
            env=environment,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        worker = Worker(process, log_path)
        workers.append(worker)
        wait_for(lambda: " ready." in worker.log(), timeout=60, what=f"worker {name} to start")
        return worker

    yield start
    for worker in workers:
        worker.stop()


class OwnRedis:
    """A Redis server of the test's own, on a free port, that the test may stop and start.

    It keeps nothing on disk, so a start after a stop comes back empty, on the same port.
    """

    def __init__(self, folder: Path):
        self.port, self.folder, self.process = free_port(), folder, None

    @property
    def url(self):
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self):
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.folder),
                "--logfile",
                str(self.folder / "redis.log"),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

        def answers():
            if self.process.poll() is not None:
                # Another process may have taken the port since free_port() saw it free.
                pytest.fail(f"redis-server exited on port {self.port}: {self.log()}")
            try:
                with redis.Redis(host="127.0.0.1", port=self.port) as client:
                    return client.ping()
            except redis.ConnectionError:
                return False

        wait_for(answers, timeout=10, what="the test's Redis to start")

    def log(self) -> str:
        path = self.folder / "redis.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


@pytest.fixture
def own_redis(postgres_db, tmp_path):
    """The broker URL's server; it asks for PostgreSQL first, so a SQLite run starts nothing."""
    if shutil.which("redis-server") is None:
        unavailable("needs redis-server")
    folder = tmp_path / "redis"
    folder.mkdir()
    server = OwnRedis(folder)
    try:
        server.start()
        yield server
    finally:
        server.stop()


@pytest.fixture
def smtp_server(postgres_db):
    server = SmtpServer()
    server.controller.start()
    yield server
    server.controller.stop()
