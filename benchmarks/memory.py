"""A web worker's memory while it streams the portfolio CSV: a gunicorn of one worker and one
thread per size, warmed by the portfolio page, its resident set read from /proc every few
milliseconds while the whole CSV is downloaded."""

import threading
import time
from dataclasses import dataclass
from pathlib import Path

from .server import Client, Server

CSV = "/portfolio/export.csv"


@dataclass
class CsvMemory:
    before_mb: float
    peak_mb: float
    rows: int

    @property
    def growth_mb(self):
        return self.peak_mb - self.before_mb


def _resident_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for process {pid}")


def csv_memory(size: int, port: int) -> CsvMemory:
    server = Server(size, port, workers=1, threads=1)
    try:
        client = Client(server, "bench")
        for _ in range(3):
            client.get("/portfolio/")
        (worker,) = server.worker_pids()
        before = _resident_mb(worker)
        peak, streaming = before, threading.Event()
        streaming.set()

        def sample():
            nonlocal peak
            while streaming.is_set():
                peak = max(peak, _resident_mb(worker))
                time.sleep(0.002)

        sampler = threading.Thread(target=sample)
        sampler.start()
        try:
            _response, content, *_ = server.request("GET", CSV, headers={"Cookie": client.cookie})
        finally:
            streaming.clear()
            sampler.join()
        peak = max(peak, _resident_mb(worker))
        return CsvMemory(before, peak, content.count(b"\n") - 1)
    finally:
        server.stop()
