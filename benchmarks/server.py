"""A gunicorn serving one benchmark database, and a logged-in HTTP client for it."""

import http.client
import os
import re
import signal
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SERVER = os.environ.get("BENCH_DATABASE_SERVER", "postgres://postgres@127.0.0.1:5432")


def database_url(size: int) -> str:
    return f"{SERVER}/fasttrack_bench_{size}"


class Address:
    """A server already serving a size's database on a port of loopback."""

    def __init__(self, size: int, port: int):
        self.size, self.port = size, port

    def request(self, method, path, body=None, headers=None):
        """The response, its body, and the seconds until its first byte and its last."""
        started = time.perf_counter()
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=300)
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        first = response.read(1)
        first_byte = time.perf_counter() - started
        content = first + response.read()
        elapsed = time.perf_counter() - started
        connection.close()
        return response, content, first_byte, elapsed


class Server(Address):
    """gunicorn under benchmarks.settings: `workers` processes of `threads` threads each."""

    def __init__(self, size: int, port: int, *, workers: int = 2, threads: int = 4):
        super().__init__(size, port)
        self.process = subprocess.Popen(
            [
                str(Path(sys.executable).with_name("gunicorn")),
                "fasttrack.wsgi",
                f"--workers={workers}",
                f"--threads={threads}",
                f"--bind=127.0.0.1:{port}",
                "--timeout=120",
                "--log-level=warning",
            ],
            cwd=ROOT,
            env={
                **os.environ,
                "DJANGO_SETTINGS_MODULE": "benchmarks.settings",
                "DATABASE_URL": database_url(size),
                # Notifications a tick owes stay in the worker's memory, not the machine's Redis.
                "CELERY_BROKER_URL": "memory://",
            },
            start_new_session=True,
        )
        deadline = time.monotonic() + 60
        while True:
            try:
                self.request("GET", "/accounts/login/")
                break
            except OSError:
                if time.monotonic() > deadline:
                    self.stop()
                    sys.exit(f"gunicorn for {size} engagements did not answer within 60 s")
                time.sleep(0.2)

    def worker_pids(self) -> list[int]:
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return [int(pid) for pid in children.read_text().split()]

    def stop(self):
        os.killpg(self.process.pid, signal.SIGTERM)
        self.process.wait(timeout=30)


class Client:
    """One user's session on a server."""

    def __init__(self, server: Address, username: str, password: str = "bench"):
        self.server = server
        response, content, *_ = server.request("GET", "/accounts/login/")
        csrf_cookie = re.search(r"csrftoken=([^;]+)", response.getheader("Set-Cookie")).group(1)
        token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', content).group(1)
        body = urllib.parse.urlencode(
            {"username": username, "password": password, "csrfmiddlewaretoken": token.decode()}
        )
        response, *_ = server.request(
            "POST",
            "/accounts/login/",
            body,
            {
                "Content-Type": "application/x-www-form-urlencoded",
                "Cookie": f"csrftoken={csrf_cookie}",
            },
        )
        cookies = response.getheader("Set-Cookie") or ""
        session = re.search(r"sessionid=([^;]+)", cookies)
        if not session:
            sys.exit(f"{username} could not log in to the {server.size} server")
        # Logging in rotates the CSRF token.
        self.csrf = re.search(r"csrftoken=([^;]+)", cookies).group(1)
        self.cookie = f"sessionid={session.group(1)}; csrftoken={self.csrf}"

    def get(self, path):
        """Seconds to the first byte and to the last, and the query count."""
        response, _, first_byte, elapsed = self.server.request(
            "GET", path, headers={"Cookie": self.cookie}
        )
        if response.status != 200:
            sys.exit(f"{path} answered {response.status} on the {self.server.size} server")
        return first_byte, elapsed, int(response.getheader("X-Queries"))

    def post(self, path, fields: dict, headers=None, expect=200):
        response, content, _, elapsed = self.server.request(
            "POST",
            path,
            urllib.parse.urlencode(fields, doseq=True),
            {
                "Content-Type": "application/x-www-form-urlencoded",
                "Cookie": self.cookie,
                "X-CSRFToken": self.csrf,
                **(headers or {}),
            },
        )
        if response.status != expect:
            sys.exit(f"POST {path} answered {response.status} on the {self.server.size} server")
        return content, elapsed, int(response.getheader("X-Queries"))
