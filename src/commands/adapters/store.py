"""Where the event store lives: a database URL becomes the ``eventsourcing`` environment.

``sqlite:///path/to/keel.sqlite`` (the embedded default) or
``postgresql://user:password@host:port/dbname`` (production). One code path: only the
persistence module and its settings differ.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

APP_NAME = "keel"  # table names derive from it: keel_events
SCHEMA_LOCK = 0x6B65656C  # "keel": the same advisory lock the read side takes for its schema


class StoreURLError(ValueError):
    pass


class StoreUnavailable(StoreURLError):
    """The store's URL is well formed but leads nowhere: says where it looked and what to do."""


CONNECT_TIMEOUT_SECONDS = 3  # a wrong host or port fails within this, not after the OS's 30 s or more
# The pool retries a lost server with a backoff (1, 2, 4 s, …); psycopg's default of five minutes
# lets the gaps grow to a minute or more, so a server back after a long outage went unused for as
# long. Past this the pool gives up, and the next request starts afresh at once.
RECONNECT_SECONDS = 5.0


def preflight(database_url: str) -> None:
    """Fail fast and clearly: a PostgreSQL server that does not answer, a database that does not
    exist, a SQLite file in a folder that does not exist — each named, with what to do."""
    parts = urlsplit(database_url)
    if parts.scheme == "sqlite":
        folder = Path(sqlite_path(database_url)).parent
        if not folder.is_dir():
            raise StoreUnavailable(f"the folder {folder} of {database_url} does not exist: create it, or fix the URL")
        return
    if parts.scheme not in ("postgresql", "postgres"):
        return
    import psycopg

    host, port = parts.hostname or "127.0.0.1", parts.port or 5432
    dbname, user = unquote(parts.path.lstrip("/")), unquote(parts.username or "postgres")
    where = f"PostgreSQL at {host}:{port} (database {dbname!r}, user {user!r})"
    try:
        psycopg.connect(database_url, connect_timeout=CONNECT_TIMEOUT_SECONDS).close()
    except psycopg.OperationalError as exc:
        said = " ".join(str(exc).split())
        if "does not exist" in said and "database" in said:
            reason, hint = "the database does not exist", f"create it: createdb -h {host} -p {port} -U {user} {dbname}"
        elif "refused" in said:
            reason, hint = "connection refused", "is the server running, and are the host and port right?"
        elif "timeout" in said.lower() or "timed out" in said:
            reason, hint = f"no answer within {CONNECT_TIMEOUT_SECONDS} s", "are the host and port right?"
        else:
            reason, hint = said[:300], "check the URL, the user and the password"
        hint += " (KEEL_DATABASE_URL)"
        raise StoreUnavailable(f"cannot connect to {where}: {reason} — {hint}") from None


def keep_reconnecting(pool: Any) -> None:
    """Tune the event store's pool (a ``psycopg_pool.ConnectionPool`` the library builds): its own
    connection attempts give up on a silent server too, and it never waits long to retry."""
    pool.reconnect_timeout = RECONNECT_SECONDS
    if isinstance(pool.kwargs, dict):
        pool.kwargs["connect_timeout"] = CONNECT_TIMEOUT_SECONDS


def sqlite_path(database_url: str) -> str:
    """``sqlite:///rel/keel.sqlite`` is relative, ``sqlite:////abs/keel.sqlite`` absolute."""
    prefix = "sqlite:///"
    if not database_url.startswith(prefix) or len(database_url) == len(prefix):
        raise StoreURLError(f"sqlite URL must look like sqlite:///FILE, got {database_url!r}")
    return unquote(database_url[len(prefix) :])


def event_store_env(database_url: str) -> dict[str, str]:
    parts = urlsplit(database_url)
    if parts.scheme == "sqlite":
        path = sqlite_path(database_url)
        return {
            "PERSISTENCE_MODULE": "eventsourcing.sqlite",
            "SQLITE_DBNAME": path,
            "SQLITE_LOCK_TIMEOUT": "10",
            "APPLICATION_RECORDER_TOPIC": "commands.adapters.sqlite:KeelSQLiteRecorder",
        }
    if parts.scheme in ("postgresql", "postgres"):
        dbname = unquote(parts.path.lstrip("/"))
        if not dbname:
            raise StoreURLError(f"postgresql URL needs a database name: {database_url!r}")
        return {
            "PERSISTENCE_MODULE": "eventsourcing.postgres",
            "POSTGRES_DBNAME": dbname,
            "POSTGRES_HOST": parts.hostname or "127.0.0.1",
            "POSTGRES_PORT": str(parts.port or 5432),
            "POSTGRES_USER": unquote(parts.username or "postgres"),
            "POSTGRES_PASSWORD": unquote(parts.password or ""),
            "POSTGRES_LOCK_TIMEOUT": "5",
            "POSTGRES_CONNECT_TIMEOUT": str(CONNECT_TIMEOUT_SECONDS),
            "POSTGRES_IDLE_IN_TRANSACTION_SESSION_TIMEOUT": "10",
            "POSTGRES_POOL_SIZE": "5",
            "POSTGRES_MAX_OVERFLOW": "10",
            # Tables are created by the recorder (KeelPostgresRecorder.set_up) under an advisory lock: the library's own
            # CREATE TABLE IF NOT EXISTS fails when several processes start at once.
            "CREATE_TABLE": "false",
            "APPLICATION_RECORDER_TOPIC": "commands.adapters.postgres:KeelPostgresRecorder",
        }
    if parts.scheme == "memory":
        return {"PERSISTENCE_MODULE": "commands.adapters.memory:KeelMemoryFactory"}
    raise StoreURLError(f"unsupported database URL {database_url!r}: use sqlite:///FILE or postgresql://…")


@contextmanager
def schema_lock(database_url: str) -> Iterator[None]:
    """Serialise table creation between processes starting together (PostgreSQL only)."""
    if not database_url.startswith(("postgresql://", "postgres://")):
        yield
        return
    import psycopg

    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute("SELECT pg_advisory_lock(%s)", (SCHEMA_LOCK,))
        try:
            yield
        finally:
            conn.execute("SELECT pg_advisory_unlock(%s)", (SCHEMA_LOCK,))


def grant_app_role(owner_url: str, role: str, password: str) -> None:
    """Create (or update) the login role the application runs as, with the least it needs.

    Run as the owner of the event tables, after Keel has set them up once. The role may read
    and append the log, but not DELETE or TRUNCATE it. It keeps UPDATE on the event table only
    because the library takes ``LOCK TABLE … IN EXCLUSIVE MODE`` to keep the log gap-free, which
    PostgreSQL allows only to roles with UPDATE, DELETE or TRUNCATE; the append-only trigger
    refuses every UPDATE. Read models are the role's own: it creates and rebuilds them.
    """
    import psycopg
    from psycopg import sql

    if not role.isidentifier():
        raise StoreURLError(f"a role name is letters, digits and underscores, got {role!r}")
    dbname = unquote(urlsplit(owner_url).path.lstrip("/"))
    with psycopg.connect(owner_url, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (role,)).fetchone()
        verb = "ALTER" if exists else "CREATE"
        conn.execute(
            sql.SQL(f"{verb} ROLE {{}} LOGIN PASSWORD {{}}").format(sql.Identifier(role), sql.Literal(password))
        )
        ident = sql.Identifier(role)
        for statement in (
            "GRANT CONNECT ON DATABASE {db} TO {role}",
            "GRANT CREATE ON DATABASE {db} TO {role}",  # what-if scenarios' branches: a schema each (ADR 0066)
            "GRANT USAGE, CREATE ON SCHEMA public TO {role}",
            "REVOKE ALL ON keel_events, keel_log, keel_snapshots FROM {role}",
            "GRANT SELECT, INSERT, UPDATE ON keel_events TO {role}",
            "GRANT SELECT, INSERT ON keel_log, keel_snapshots TO {role}",
            "GRANT SELECT, INSERT, UPDATE, DELETE ON keel_idempotency TO {role}",
            "GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {role}",
        ):
            conn.execute(sql.SQL(statement).format(db=sql.Identifier(dbname), role=ident))
        # Read models are disposable and rebuilt by the application: it owns them.
        log_tables = ("keel_events", "keel_log", "keel_snapshots", "keel_idempotency")
        rows = conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND NOT (tablename = ANY(%s))",
            (list(log_tables),),
        ).fetchall()
        for (table,) in rows:
            conn.execute(sql.SQL("ALTER TABLE {} OWNER TO {}").format(sql.Identifier(table), ident))
