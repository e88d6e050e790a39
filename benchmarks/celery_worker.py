"""A Redis server and a real `celery worker` for a benchmark, and what the worker's processes
cost: peak resident memory and CPU seconds, read from /proc (no psutil), and the machine's own
load over the same time, since other people's work shares its cores."""

import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import redis

from tests.support import free_port

CELERY = str(Path(sys.executable).with_name("celery"))
TICKS = os.sysconf("SC_CLK_TCK")


def wait_until(condition, timeout: float, what: str, interval: float = 0.2):
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise RuntimeError(f"Timed out after {timeout:.0f}s waiting for {what}")
        time.sleep(interval)


class OwnRedis:
    """redis-server on a free port, keeping nothing on disk."""

    def __init__(self, folder: Path):
        self.port, self.folder = free_port(), folder
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", ""]
            + ["--appendonly", "no", "--dir", str(folder), "--logfile", str(folder / "redis.log")],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_until(self._answers, 15, "Redis to start")

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def _answers(self) -> bool:
        if self.process.poll() is not None:
            raise RuntimeError(f"redis-server exited on port {self.port}")
        try:
            with redis.Redis(host="127.0.0.1", port=self.port) as client:
                return client.ping()
        except redis.ConnectionError:
            return False

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=15)


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                # The parent id is the second field after the command, which may hold spaces.
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def _resident_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def cpu_seconds(pid: int) -> float:
    """User plus system CPU of one process so far."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICKS


def machine_cpu() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine since boot, from /proc/stat."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:9]]
    user, nice, system, idle, iowait, irq, softirq, steal = values
    busy = user + nice + system + irq + softirq + steal
    return busy / TICKS, (busy + idle + iowait) / TICKS


@dataclass
class Usage:
    """Peak resident memory (per process and of all at once) and CPU seconds while sampled."""

    peak_mb: dict = field(default_factory=dict)
    peak_total_mb: float = 0.0
    cpu_seconds: float = 0.0


class Worker:
    """`celery -A fasttrack worker --concurrency=N` in its own process group."""

    def __init__(self, root: Path, log_path: Path, env: dict, concurrency: int = 2):
        self.log_path = log_path
        command = [CELERY, "-A", "fasttrack", "worker", f"--concurrency={concurrency}"]
        command += ["--loglevel=INFO", f"--hostname=bench-{os.getpid()}-{log_path.stem}@%h"]
        command.append(f"--logfile={log_path}")
        self.process = subprocess.Popen(
            command,
            cwd=root,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        wait_until(lambda: " ready." in self.log(), 120, "the worker to start", interval=0.5)
        self.pool = _children(self.process.pid)
        self._sampling = threading.Event()
        self.usage = Usage()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def pids(self) -> list[int]:
        return [self.process.pid, *self.pool]

    def start_sampling(self, interval: float = 0.1):
        """Resident memory of the worker and its pool processes every `interval` seconds."""
        self._cpu_before = sum(cpu_seconds(pid) for pid in self.pids())
        self._sampling.set()

        def sample():
            while self._sampling.is_set():
                sizes = {pid: _resident_mb(pid) for pid in self.pids()}
                for pid, size in sizes.items():
                    self.usage.peak_mb[pid] = max(self.usage.peak_mb.get(pid, 0.0), size)
                self.usage.peak_total_mb = max(self.usage.peak_total_mb, sum(sizes.values()))
                time.sleep(interval)

        self._sampler = threading.Thread(target=sample, daemon=True)
        self._sampler.start()

    def stop_sampling(self) -> Usage:
        self._sampling.clear()
        self._sampler.join()
        if sorted(_children(self.process.pid)) != sorted(self.pool):
            raise RuntimeError("A pool process was replaced during the run: CPU not comparable")
        self.usage.cpu_seconds = sum(cpu_seconds(pid) for pid in self.pids()) - self._cpu_before
        return self.usage

    def kill(self):
        """As the machine would end it (no warm shutdown: its task is left half done)."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self):
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
