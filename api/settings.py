"""Keel's settings, from ``KEEL_*`` environment variables (or a ``.env`` file)."""

from __future__ import annotations

from pathlib import Path, PurePosixPath
from typing import Literal
from urllib.parse import unquote, urlsplit

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="KEEL_", env_file=".env", extra="ignore")

    data_dir: Path = Field(Path(".keel"), description="Where the SQLite files live when no database URL is set.")
    database_url: str | None = Field(
        None,
        description="postgresql://user:password@host:port/dbname for PostgreSQL; SQLite under data_dir when unset.",
    )
    functional_currency: str = Field(
        "EUR", pattern=r"^[A-Z]{3}$", description="The books' currency, fixed when the books are first opened."
    )
    read_replica_url: str | None = Field(
        None,
        description="postgresql://… of a streaming replica of the database: reports and lists are read there, and a"
        " request with min_position or known_at waits until the replica has replayed that far (docs/scaling.md).",
    )
    projections: Literal["in-process", "external"] = Field(
        "in-process", description="Run projections in the API process, or leave them to `keel projections run`."
    )
    plugins: str = Field(
        "installed",
        max_length=2000,
        description="Plug-in projections to serve: `installed` (every entry point of the group `keel.projections`),"
        " `none`, or a comma-separated list of entry point names and `module:attribute` paths (docs/plugins.md).",
    )
    projection_page_size: int = Field(500, ge=1, le=100_000)
    poll_interval: float = Field(0.25, gt=0, description="Seconds between polls of the log for new events.")
    read_wait_seconds: float = Field(5.0, ge=0, description="How long a query waits for min_position.")
    report_cache_mb: int = Field(
        64,
        ge=0,
        le=65536,
        description="Memory each server process keeps answers of reports and lists in (0: none); see ADR 0054.",
    )
    idempotency_wait_seconds: float = Field(
        10.0, ge=0, description="How long a retry waits for the first request with its key before a 409."
    )
    auth: Literal["keys", "off"] = Field(
        "keys",
        description="`keys`: every request needs an API key or a bearer token. "
        "`off`: no authentication, the X-Keel-Actor header names the actor (development and tests only).",
    )
    token_secret: str | None = Field(
        None,
        description="Signs bearer tokens; set it (the same in every API process) for tokens to outlive a process.",
    )
    token_max_ttl_seconds: int = Field(3600, ge=60, le=86_400, description="The longest a bearer token lives.")
    audit_key: str | None = Field(None, description="Secret that signs the chain digest `keel audit digest` exports.")
    max_body_bytes: int = Field(
        1024 * 1024, ge=1024, description="Requests with a larger body are refused with 413 before it is read."
    )
    statement_max_bytes: int = Field(
        50 * 1024 * 1024,
        ge=1024,
        description="A bank statement file larger than this is refused before it is parsed (api/statements).",
    )
    import_max_bytes: int = Field(
        100 * 1024 * 1024,
        ge=1024,
        description="An import file (opening balances, open items, a journal) larger than this is refused unread.",
    )
    smtp_url: str | None = Field(
        None,
        description="Where the outbox sends e-mail: smtp://user:password@host:587?starttls=1, or smtps://host:465;"
        " unset, messages stay queued.",
    )
    mail_from: str = Field("keel@localhost", description="The From address of the e-mails Keel sends.")
    public_url: str | None = Field(
        None,
        description="Where people reach this Keel, https://… : the unsubscribe link in every e-mail sequence step"
        " points here; unset, no step is sent.",
    )
    imap_url: str | None = Field(
        None,
        description="A mailbox the worker reads replies from: imaps://user:password@host:993/INBOX (or imap://);"
        " unset, replies are recorded through POST /v1/inbound-messages.",
    )
    worker_lease_seconds: float = Field(
        300.0, gt=0, description="How long a worker holds a job before another may take it over (after a crash)."
    )
    worker_poll_seconds: float = Field(15.0, gt=0, description="How often `keel worker` looks for due jobs.")
    worker_keep_days: int = Field(
        90,
        ge=1,
        le=3650,
        description="How long the worker keeps the record of a finished job and of a run; older ones are pruned"
        " (the log, not this record, keeps a job from being done twice).",
    )
    webhook_timeout_seconds: float = Field(
        5.0, gt=0, le=60, description="How long a webhook endpoint may take to connect or answer before it failed."
    )
    webhook_disable_after: int = Field(
        10, ge=1, le=1000, description="A webhook is disabled after this many consecutive failed attempts."
    )
    host: str = Field("127.0.0.1", description="The interface `keel serve` binds (`--host` overrides it).")
    metrics: bool = Field(True, description="Serve Prometheus metrics at /metrics (no authentication; ADR 0055).")
    log_format: Literal["text", "json"] = Field(
        "text", description="`keel serve`'s log lines: text for people, or one JSON object a line (ADR 0055)."
    )
    port: int = Field(8000, ge=0, le=65535, description="The port `keel serve` listens on (`--port` overrides it).")

    @property
    def event_store_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / 'keel.sqlite'}"

    @property
    def read_model_url(self) -> str:
        # On PostgreSQL the read models share the database; on SQLite they get a second,
        # disposable file beside the events' (keel.sqlite: keel-views.sqlite), so projections
        # never contend with writers for the event file's lock.
        url = self.event_store_url
        if not url.startswith("sqlite:///"):
            return url
        events = PurePosixPath(url.removeprefix("sqlite:///"))
        return f"sqlite:///{events.with_name(f'{events.stem}-views{events.suffix}')}"

    @property
    def backend(self) -> str:
        scheme = self.event_store_url.split(":", 1)[0]
        return "postgresql" if scheme == "postgres" else scheme

    def store_is_missing(self) -> bool:
        """True when the store is an SQLite file that is not there yet (a read should not create it)."""
        url = self.event_store_url
        return url.startswith("sqlite:///") and not Path(unquote(url.removeprefix("sqlite:///"))).exists()

    def describe_store(self) -> str:
        """Which store this is, for a person: ``sqlite (/abs/.keel)`` or ``postgresql (host:port/db)``.

        Keys, events and read models all live in it: ``keel serve`` names it on start, ``keel keys``
        says which store a key was written to (a key made in another folder belongs to another store).
        Never a password."""
        if self.database_url is None:
            return f"sqlite ({self.data_dir.resolve()})"
        parts = urlsplit(self.database_url)
        if parts.scheme == "sqlite":
            return f"sqlite ({Path(unquote(self.database_url.removeprefix('sqlite:///'))).resolve()})"
        if self.backend == "postgresql":
            try:
                port = parts.port or 5432
            except ValueError:  # a malformed port: the store itself will say so when opened
                port = 5432
            host = parts.hostname or "127.0.0.1"
            return f"postgresql ({f'[{host}]' if ':' in host else host}:{port}/{unquote(parts.path.lstrip('/'))})"
        return self.backend
