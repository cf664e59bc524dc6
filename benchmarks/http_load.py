"""Commands over HTTP against a real ``keel serve --workers W`` (used by ``write_path.py``).

The server runs as a user starts it (its own processes, projections in a process beside them when
W > 1, in-process when W = 1); the clients are one asyncio loop in this process, each a kept-alive
connection posting ``RegisterCustomer`` one after another. On a 2-core box the clients' own CPU
is taken from the server's: the rates are what one machine does serving itself.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

KEEL = shutil.which("keel") or str(Path(sys.executable).parent / "keel")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    """``keel serve --workers W`` on ``database_url`` with authentication off (a benchmark's box)."""

    def __init__(self, database_url: str, workers: int, **settings: str) -> None:
        self.port, self.workers = free_port(), workers
        self.log = Path(tempfile.mkdtemp()) / "serve.log"
        env = {k: v for k, v in os.environ.items() if not k.startswith("KEEL_")}
        env |= {"KEEL_DATABASE_URL": database_url, "KEEL_AUTH": "off", "KEEL_DATA_DIR": str(self.log.parent)}
        env |= {f"KEEL_{k.upper()}": v for k, v in settings.items()}
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

    def peak_memory(self) -> int:
        """The server's peak resident memory in bytes: its processes' high-water marks summed
        (the supervisor, the workers, the projector beside them)."""
        parents: dict[int, int] = {}
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:  # "pid (comm) state ppid …"; comm may hold spaces, so split after its ")"
                parents[int(stat.parent.name)] = int(stat.read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
        family, total = {self.process.pid}, 0
        while grown := {pid for pid, parent in parents.items() if parent in family} - family:
            family |= grown
        for pid in family:
            try:
                status = Path(f"/proc/{pid}/status").read_text()
            except OSError:
                continue
            total += next((int(line.split()[1]) * 1024 for line in status.splitlines() if line.startswith("VmHWM:")), 0)
        return total

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=60)


async def _request(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, path: str, body: bytes | None = None
) -> int:
    """One HTTP/1.1 request on a kept-alive connection (POST with a body, else GET); its status.
    Hand-written: httpx's own CPU per request (milliseconds at 64 connections) made the client, not
    the server, the limit."""
    if body is None:
        writer.write(f"GET {path} HTTP/1.1\r\nHost: bench\r\n\r\n".encode())
    else:
        writer.write(
            f"POST {path} HTTP/1.1\r\nHost: bench\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n\r\n".encode()
            + body
        )
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    length = next(
        (int(line.split(b":", 1)[1]) for line in head.split(b"\r\n") if line.lower().startswith(b"content-length:")),
        0,
    )
    await reader.readexactly(length)
    return status


async def _load(
    port: int, clients: int, seconds: float, ask: Callable[[int, int], tuple[str, bytes | None, int]]
) -> tuple[int, list[float]]:
    """``clients`` kept-alive connections, each asking ``ask(client, n)`` (path, body, status
    expected) one request after another until ``seconds`` are over: failures, latencies."""
    samples: list[float] = []
    failures = 0
    stop = time.perf_counter() + seconds

    async def one(c: int) -> None:
        nonlocal failures
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        n = 0
        try:
            while (now := time.perf_counter()) < stop:
                path, body, expected = ask(c, n)
                if await _request(reader, writer, path, body) == expected:
                    samples.append(time.perf_counter() - now)
                else:
                    failures += 1
                n += 1
        finally:
            writer.close()

    await asyncio.gather(*(one(c) for c in range(clients)))
    return failures, samples


def _register(c: int, n: int) -> tuple[str, bytes | None, int]:
    return "/v1/customers", json.dumps({"name": f"HTTP client {c}-{n}", "on": "2026-03-02"}).encode(), 201


def http_commands(port: int, clients: int, seconds: float) -> tuple[float, list[float], int]:
    """(acknowledged commands/s, their latencies in seconds, failed requests) of ``clients`` at once."""
    started = time.perf_counter()
    failures, samples = asyncio.run(_load(port, clients, seconds, _register))
    return len(samples) / (time.perf_counter() - started), samples, failures


def http_sequence(port: int, paths: list[str]) -> list[float]:
    """Latencies in seconds of one client asking ``paths`` one after another, each answered 200."""

    async def ask() -> list[float]:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        out = []
        try:
            for path in paths:
                started = time.perf_counter()
                if (status := await _request(reader, writer, path)) != 200:
                    raise RuntimeError(f"GET {path} answered {status}")
                out.append(time.perf_counter() - started)
        finally:
            writer.close()
        return out

    return asyncio.run(ask())


def http_reads(port: int, clients: int, seconds: float, paths: list[str]) -> tuple[float, list[float], int]:
    """(answered requests/s, their latencies in seconds, failed requests) of ``clients`` asking
    the ``paths`` in turn, each client starting at a different one."""

    def report(c: int, n: int) -> tuple[str, bytes | None, int]:
        return paths[(c + n) % len(paths)], None, 200

    asyncio.run(_load(port, clients, 1.0, report))  # warm: the first answers, the connections
    started = time.perf_counter()
    failures, samples = asyncio.run(_load(port, clients, seconds, report))
    return len(samples) / (time.perf_counter() - started), samples, failures
