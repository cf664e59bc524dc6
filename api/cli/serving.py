"""``keel serve --workers N``: N server processes on one port and the projections beside them."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
from typing import Any


def serve_processes(settings: Any, host: str, port: int, workers: int, logging: dict[str, Any]) -> None:
    """``workers`` server processes on one port, the projections in a process beside them."""
    import uvicorn

    projector = None
    if settings.projections == "in-process":
        projector = subprocess.Popen([sys.executable, "-m", "api.cli", "projections", "run"])
    # Each server process builds its own app from the environment, leaving the projections to theirs,
    # and counts its metrics in files of one folder, which a scrape of any of them adds up.
    os.environ["KEEL_PROJECTIONS"] = "external"
    counted = None
    if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        counted = tempfile.mkdtemp(prefix="keel-metrics-")
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = counted
    try:
        uvicorn.run("api.http:create_app", factory=True, host=host, port=port, workers=workers, log_config=logging)
    finally:
        if counted is not None:
            shutil.rmtree(counted, ignore_errors=True)
        if projector is not None:
            projector.send_signal(signal.SIGINT)
            projector.wait(timeout=30)
