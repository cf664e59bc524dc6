"""``GET /metrics`` in Prometheus' text format (ADR 0055), and the request observer that feeds it.

Counted in each process as things happen: requests by method, route template and status, and
their seconds; commands by type and outcome, and their seconds; the sizes of append groups;
report answers kept, shared and made. Sampled every few seconds: the connection pools (size,
idle, requests waiting) and the report cache's bytes. Read at each scrape from the database:
each projection's position, the log's head and the lag. ``keel serve --workers N`` gives its
processes one ``PROMETHEUS_MULTIPROC_DIR``, so whichever process answers a scrape reports the sum
of all of them (gauges: the sum over live processes).
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from fastapi import Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client import generate_latest as exposition
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.logs import new_request_id, request_id

if TYPE_CHECKING:
    from fastapi import FastAPI

    from api.system import Keel

SECONDS = (0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
REQUESTS = Counter("keel_http_requests", "HTTP requests answered", ["method", "route", "status"])
REQUEST_SECONDS = Histogram(
    "keel_http_request_seconds", "Time to answer an HTTP request", ["method", "route"], buckets=SECONDS
)
COMMANDS = Counter(
    "keel_commands", "Commands handled, by type and outcome (ok, refused, failed)", ["command", "outcome"]
)
COMMAND_SECONDS = Histogram("keel_command_seconds", "Time to handle a command", ["command"], buckets=SECONDS)
GROUPS = Histogram(
    "keel_append_group_commands",
    "Commands appended in one transaction (group commit)",
    buckets=(1, 2, 4, 8, 16, 32, 64),
)
REPORT_ANSWERS = Counter("keel_report_answers", "Report and list answers: kept, shared, made", ["source"])
POOL = Gauge(
    "keel_db_pool_connections", "Connections of a pool by state", ["pool", "state"], multiprocess_mode="livesum"
)
POOL_WAITING = Gauge("keel_db_pool_waiting", "Requests waiting for a connection", ["pool"], multiprocess_mode="livesum")
CACHE_BYTES = Gauge("keel_report_cache_bytes", "Bytes of answers kept", multiprocess_mode="livesum")
SAMPLE_SECONDS = 5.0
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
log = logging.getLogger("keel.access")


def observe(keel: Keel) -> threading.Event:
    """Wire the counters into ``keel``; start sampling its pools and cache. Set the event to stop."""
    keel.app.on_handled = _handled
    groups = getattr(keel.app.recorder, "groups", None)
    if groups is not None:
        groups.observe = GROUPS.observe
    keel.reports.observe = lambda source: REPORT_ANSWERS.labels(source).inc()
    stop = threading.Event()

    def sample() -> None:
        while not stop.wait(SAMPLE_SECONDS):
            _sample(keel)

    _sample(keel)
    threading.Thread(target=sample, name="keel-metrics", daemon=True).start()
    return stop


def _handled(command: str, seconds: float, outcome: str) -> None:
    COMMANDS.labels(command, outcome).inc()
    COMMAND_SECONDS.labels(command).observe(seconds)


def _sample(keel: Keel) -> None:
    pools = {"views": getattr(keel.views, "_pool", None)}
    datastore = getattr(keel.app.recorder, "datastore", None)
    pools["events"] = getattr(datastore, "pool", None)
    for name, pool in pools.items():
        if pool is None or not hasattr(pool, "get_stats"):
            continue  # SQLite: no pool
        stats = pool.get_stats()
        size, idle = stats.get("pool_size", 0), stats.get("pool_available", 0)
        POOL.labels(name, "open").set(size)
        POOL.labels(name, "idle").set(idle)
        POOL.labels(name, "in_use").set(size - idle)
        POOL_WAITING.labels(name).set(stats.get("requests_waiting", 0))
    CACHE_BYTES.set(keel.reports.bytes)


class Projections(Collector):
    """Each projection's position and lag, read from the database at the scrape."""

    def __init__(self, keel: Keel) -> None:
        self.keel = keel

    def collect(self) -> Iterator[GaugeMetricFamily]:
        statuses = self.keel.engine.status()
        position = GaugeMetricFamily("keel_projection_position", "Log position folded", labels=["projection"])
        lag = GaugeMetricFamily("keel_projection_lag", "Log positions not yet folded", labels=["projection"])
        failed = GaugeMetricFamily("keel_projection_stopped", "1 if stopped at an event", labels=["projection"])
        for s in statuses:
            position.add_metric([s.name], s.position)
            lag.add_metric([s.name], s.lag)
            failed.add_metric([s.name], 0 if s.failure is None else 1)
        head = GaugeMetricFamily("keel_log_head", "Position of the last event in the log")
        head.add_metric([], statuses[0].head if statuses else 0)
        yield from (position, lag, failed, head)


def scrape(keel: Keel) -> bytes:
    """The exposition: this process's or, under ``--workers``, every process's, and the projections'."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        counted = CollectorRegistry()
        MultiProcessCollector(counted)  # type: ignore[no-untyped-call]
    else:
        counted = REGISTRY
    read = CollectorRegistry(auto_describe=False)
    read.register(Projections(keel))
    return exposition(counted) + exposition(read)


def install_metrics(app: FastAPI) -> None:
    @app.get("/metrics", include_in_schema=False)
    async def metrics(request: Request) -> Response:
        keel = request.app.state.keel
        if not keel.settings.metrics:
            return Response(status_code=404)
        body = await run_in_threadpool(scrape, keel)
        return Response(body, media_type=CONTENT_TYPE_LATEST)

    app.add_middleware(RequestObserver)


class RequestObserver:
    """Outermost: gives each request its id, counts and times it, logs one line for it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        sent = next((v.decode("latin-1") for k, v in scope["headers"] if k == b"x-request-id"), None)
        rid = new_request_id(sent)
        token = request_id.set(rid)
        started, status = time.perf_counter(), 500

        async def answer(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", []), (b"x-request-id", rid.encode())]
            await send(message)

        try:
            await self.app(scope, receive, answer)
        finally:
            seconds = time.perf_counter() - started
            route = getattr(scope.get("route"), "path", None) or "unmatched"  # a template: few labels
            method = scope["method"] if scope["method"] in METHODS else "OTHER"  # a client's token: bounded labels
            REQUESTS.labels(method, route, str(status)).inc()
            REQUEST_SECONDS.labels(method, route).observe(seconds)
            path = (scope.get("raw_path") or b"").decode("latin-1") or scope["path"]  # as sent: no decoded newline
            extra: dict[str, Any] = {"method": method, "path": path, "status": status}
            log.info("%s %s %s %.1f ms", method, path, status, seconds * 1000, extra=extra | {"ms": seconds * 1000})
            request_id.reset(token)
