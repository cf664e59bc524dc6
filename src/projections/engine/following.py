"""Following the log: one thread of the process folds each new page soon after it is written.

It polls the log, and wakes at once when this process writes (``ProjectionEngine.notify``). A
projection stopped at an event it cannot fold was logged and recorded by the catch-up; the
follower goes on at its pace for the others, and tries that event again each time. Anything else
(the database gone) is logged and retried after a pause.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence

from projections.engine.health import ProjectionFailed

log = logging.getLogger("keel.projections")


class Follower:
    def __init__(self, catch_up: Callable[[Sequence[str] | None], int], wake: threading.Event) -> None:
        self.catch_up, self.wake = catch_up, wake
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def run_forever(
        self, poll_interval: float = 0.25, stop: threading.Event | None = None, names: Sequence[str] | None = None
    ) -> None:
        """Catch up, then follow the log until stopped (only the projections ``names``, when given).
        Raises what is not a projection's own failure."""
        stop = stop or self._stop
        while not stop.is_set():
            self.wake.clear()
            try:
                self.catch_up(names)
            except ProjectionFailed as failed:
                if failed.failure is None:  # not an event it cannot fold: the database, most likely
                    raise
            self.wake.wait(poll_interval)

    @property
    def running(self) -> bool:
        return self._thread is not None

    def start(self, poll_interval: float = 0.25) -> None:
        """Follow the log in a background thread of this process."""
        if self._thread is not None:
            return
        self._stop.clear()

        def run() -> None:
            while not self._stop.is_set():
                try:
                    self.run_forever(poll_interval, self._stop)
                except Exception:
                    # The failing page was rolled back; report it and retry after a pause.
                    log.exception("projection engine failed; retrying in 1 s")
                    self._stop.wait(1.0)

        self._thread = threading.Thread(target=run, name="keel-projections", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self.wake.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None
