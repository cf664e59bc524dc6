"""Commands over HTTP against a real ``keel serve --workers W`` (used by ``write_path.py``).

The server runs as a user starts it (its own processes, projections in a process beside them when
W > 1, in-process when W = 1); the clients are one asyncio loop in this process, each a
connection posting ``RegisterCustomer`` one after another. On a 2-core box the clients' own CPU
is taken from the server's: the rates are what one machine does serving itself.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

KEEL = shutil.which("keel") or str(Path(sys.executable).parent / "keel")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    """``keel serve --workers W`` on ``database_url`` with authentication off (a benchmark's box)."""

    def __init__(self, database_url: str, workers: int) -> None:
        self.port, self.workers = free_port(), workers
        self.log = Path(tempfile.mkdtemp()) / "serve.log"
        env = {k: v for k, v in os.environ.items() if not k.startswith("KEEL_")}
        env |= {"KEEL_DATABASE_URL": database_url, "KEEL_AUTH": "off", "KEEL_DATA_DIR": str(self.log.parent)}
        with self.log.open("wb") as output:
            self.process = subprocess.Popen(
                [KEEL, "serve", "--workers", str(workers), "--port", str(self.port)],
                env=env,
                stdout=output,
                stderr=output,
            )
        deadline = time.monotonic() + 120
        while self.log.read_text().count("Application startup complete") < workers:
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"keel serve did not start: {self.log.read_text()}")
            time.sleep(0.1)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=60)


async def _clients(url: str, clients: int, seconds: float) -> tuple[int, list[float]]:
    samples: list[float] = []
    failures = 0
    stop = time.perf_counter() + seconds
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=60) as client:

        async def one(c: int) -> None:
            nonlocal failures
            n = 0
            while (now := time.perf_counter()) < stop:
                body = {"name": f"HTTP client {c}-{n}", "on": "2026-03-02"}
                answer = await client.post("/v1/customers", json=body)
                if answer.status_code == 201:
                    samples.append(time.perf_counter() - now)
                else:
                    failures += 1
                n += 1

        await asyncio.gather(*(one(c) for c in range(clients)))
    return failures, samples


def http_commands(url: str, clients: int, seconds: float) -> tuple[float, list[float], int]:
    """(acknowledged commands/s, their latencies in seconds, failed requests) of ``clients`` at once."""
    started = time.perf_counter()
    failures, samples = asyncio.run(_clients(url, clients, seconds))
    return len(samples) / (time.perf_counter() - started), samples, failures
