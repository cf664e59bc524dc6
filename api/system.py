"""The one place Keel is wired together: event store, write side, read side.

Nothing is built at import time; ``Keel.start(settings)`` builds it, ``close()`` ends it.
"""

from __future__ import annotations

import gc
from collections.abc import Callable
from dataclasses import dataclass, field
from types import TracebackType

from api.imports.jobs import ImportJobs
from api.plugins import load_plugins
from api.report_cache import ReportCache
from api.settings import Settings
from api.web import sessions as web_sessions
from api.worker import leases
from commands.adapters.clock import SYSTEM_CLOCK, Clock
from commands.application import KeelApplication
from projections.catalog import default_projections
from projections.engine.db import ViewDatabase
from projections.engine.engine import ProjectionEngine
from projections.plugins import PluginProjection
from projections.scenarios import store as scenario_store


@dataclass
class Keel:
    settings: Settings
    app: KeelApplication
    views: ViewDatabase
    engine: ProjectionEngine
    jobs: ImportJobs = field(default_factory=ImportJobs)  # imports running in the background
    reports: ReportCache = field(default_factory=lambda: ReportCache(0))  # answers kept (api.report_cache)
    replica: ViewDatabase | None = None  # a streaming replica the query layer reads (KEEL_READ_REPLICA_URL)
    kept: dict[str, object] = field(default_factory=dict)  # parts made on first use (api.scenarios)
    closers: list[Callable[[], None]] = field(default_factory=list)  # what close() closes of them first

    @property
    def reads(self) -> ViewDatabase:
        """Where reports and lists are read: the replica when there is one, else the read models'
        own database. Position waits read its tracking rows, so a wait ends when it has them."""
        return self.replica or self.views

    @property
    def plugins(self) -> dict[str, PluginProjection]:
        """The plug-in projections served, by name."""
        return {n: p for n, p in self.engine.projections.items() if isinstance(p, PluginProjection)}

    @property
    def functional_currency(self) -> str:
        return self.app.functional_currency()

    @classmethod
    def start(
        cls,
        settings: Settings | None = None,
        follow: bool | None = None,
        reset_changed: bool = True,
        clock: Clock = SYSTEM_CLOCK,
    ) -> Keel:
        """Build Keel. ``follow`` runs the projections in a background thread of this process.
        ``reset_changed=False`` leaves read models of an older version serving (for a rebuild beside them).
        ``clock`` is the log's: when each append is recorded (tests and stories set their own)."""
        settings = settings or Settings()
        if settings.database_url is None:  # the embedded default: its folder is Keel's to make
            settings.data_dir.mkdir(parents=True, exist_ok=True)
        # Plug-ins first: one that cannot be served stops Keel before anything is opened or written
        # (their names and tables are checked against Keel's, which the currency does not change).
        plugins = load_plugins(settings.plugins, default_projections(settings.functional_currency))
        app = KeelApplication(settings.event_store_url, settings.functional_currency, clock)
        functional = app.functional_currency()
        views = ViewDatabase(settings.read_model_url)
        engine = ProjectionEngine(
            views, app, [*default_projections(functional), *plugins], page_size=settings.projection_page_size
        )
        app.on_saved = engine.notify
        engine.setup(reset_changed)
        leases.setup(views)  # the worker's tables, made here so `keel db grant-app-role` covers them
        web_sessions.setup(views)  # the web app's sessions and failed logins, beside them
        scenario_store.setup(views)  # what-if scenarios' definitions (never events: ADR 0066)
        replica = ViewDatabase(replica_url(settings)) if settings.read_replica_url else None
        if replica is not None:
            engine.watch(replica)
        if follow if follow is not None else settings.projections == "in-process":
            engine.start(settings.poll_interval)
        cache = ReportCache(settings.report_cache_mb * 1024 * 1024)
        return cls(settings, app, views, engine, reports=cache, replica=replica)

    def close(self) -> None:
        self.jobs.close()
        self.engine.stop()
        for close in self.closers:
            close()
        self.views.close()
        if self.replica is not None:
            self.replica.close()
        self.app.close()

    def __enter__(self) -> Keel:
        return self

    def __exit__(self, *exc: type[BaseException] | BaseException | TracebackType | None) -> None:
        self.close()


def replica_url(settings: Settings) -> str:
    """The read replica's URL, once it is known to make sense: a replica of a PostgreSQL store."""
    url = str(settings.read_replica_url)
    if settings.backend != "postgresql" or not url.startswith(("postgresql://", "postgres://")):
        raise ValueError(
            "KEEL_READ_REPLICA_URL needs a PostgreSQL store (KEEL_DATABASE_URL=postgresql://…) and a postgresql://"
            " URL of its streaming replica"
        )
    return url


def settle_heap() -> None:
    """Once a serving process has started: move every object alive now (modules, the app, its
    pools) out of the cyclic collector's reach. A report allocates thousands of short-lived
    rows; each full collection they trigger would otherwise walk the whole start-up heap too,
    and at a million events those pauses were the slowest 5% of receivables (p95 95 ms against
    42 ms with the heap settled)."""
    gc.collect()
    gc.freeze()
