"""A ``keel`` command or server as a subprocess of the test, on one PostgreSQL database."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx

KEEL = shutil.which("keel") or str(Path(sys.executable).parent / "keel")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Process:
    """A ``keel`` command on one PostgreSQL database, with authentication off."""

    def __init__(self, database_url: str, data_dir: Path, **settings: str) -> None:
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("KEEL_")}
        self.env |= {"KEEL_DATABASE_URL": database_url, "KEEL_DATA_DIR": str(data_dir), "KEEL_AUTH": "off"}
        self.env |= {f"KEEL_{k.upper()}": v for k, v in settings.items()}
        self.log = data_dir / "keel.log"
        data_dir.mkdir(parents=True, exist_ok=True)

    def run(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        return subprocess.run([KEEL, *args], env=self.env, capture_output=True, text=True, timeout=timeout, check=False)

    def spawn(self, *args: str) -> subprocess.Popen[bytes]:
        with self.log.open("ab") as log:
            return subprocess.Popen([KEEL, *args], env=self.env, stdout=log, stderr=subprocess.STDOUT)


class Server(Process):
    def __init__(self, database_url: str, data_dir: Path, **settings: str) -> None:
        super().__init__(database_url, data_dir, **settings)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> Server:
        self.proc = self.spawn("serve", "--port", str(self.port))
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{self.url}/v1/health", timeout=2).status_code == 200:
                    return self
            except httpx.TransportError:
                pass
            assert self.proc.poll() is None, f"keel serve exited: {self.log.read_text()[-2000:]}"
            assert time.monotonic() < deadline, "keel serve did not start within 60 s"
            time.sleep(0.1)

    def kill(self) -> None:
        """SIGKILL: no shutdown, no flush, no goodbye."""
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=10)
        self.proc = None

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        self.proc = None

    def caught_up(self, timeout: float = 60) -> None:
        """Wait until every projection has reached the head of the log and none failed."""
        deadline = time.monotonic() + timeout
        while True:
            statuses: list[dict[str, Any]] = httpx.get(f"{self.url}/v1/projections", timeout=10).json()
            if statuses and all(s["lag"] == 0 for s in statuses):
                return
            assert time.monotonic() < deadline, f"projections did not catch up: {statuses}"
            time.sleep(0.2)
