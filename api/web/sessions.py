"""Web sessions (ADR 0048): not business facts, so not events — rows beside the read models.

A session id is 32 random bytes in a cookie; the table keeps only its SHA-256, so a copy of the
table opens no session. Each session has its own CSRF token. A session ends at logout, after
``IDLE`` without a request, after ``ABSOLUTE`` in any case, and when its user is disabled or
locked out (the page checks the user on every request). Failed logins are counted per login and
per address in a window: ``FAILURES`` for one login lock it out (an event, by the caller), and
``ADDRESS_FAILURES`` from one address slow it down (refused until the window passes).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from projections.engine.db import ViewDatabase
from projections.engine.sql import as_datetime

IDLE = timedelta(minutes=30)
ABSOLUTE = timedelta(hours=12)
WINDOW = timedelta(minutes=15)  # failed logins counted over this window
FAILURES = 5  # failed logins of one login within the window: locked out for LOCKOUT
LOCKOUT = timedelta(minutes=15)
ADDRESS_FAILURES = 20  # failed logins from one address within the window: refused until it passes


@dataclass(frozen=True)
class Session:
    login: str
    csrf: str
    created_at: datetime


def _key(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


def setup(db: ViewDatabase) -> None:
    with db.transaction() as cur:
        cur.execute(
            "CREATE TABLE IF NOT EXISTS keel_sessions (id_sha256 TEXT PRIMARY KEY, login TEXT NOT NULL,"
            " csrf TEXT NOT NULL, created_at TIMESTAMPTZ NOT NULL, seen_at TIMESTAMPTZ NOT NULL)"
        )
        cur.execute("CREATE INDEX IF NOT EXISTS keel_sessions_login ON keel_sessions (login)")
        cur.execute(
            "CREATE TABLE IF NOT EXISTS keel_login_failures (login TEXT NOT NULL, address TEXT NOT NULL,"
            " at TIMESTAMPTZ NOT NULL)"
        )
        cur.execute("CREATE INDEX IF NOT EXISTS keel_login_failures_at ON keel_login_failures (at)")


class Sessions:
    def __init__(self, db: ViewDatabase) -> None:
        self.db = db

    def start(self, login: str, now: datetime) -> tuple[str, Session]:
        """A new session (a new id at every login: no fixation); the id is returned once."""
        session_id, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        with self.db.transaction() as cur:
            cur.execute("DELETE FROM keel_sessions WHERE seen_at < %s OR created_at < %s", (now - IDLE, now - ABSOLUTE))
            cur.execute(
                "INSERT INTO keel_sessions (id_sha256, login, csrf, created_at, seen_at) VALUES (%s, %s, %s, %s, %s)",
                (_key(session_id), login, csrf, now, now),
            )
            cur.execute("DELETE FROM keel_login_failures WHERE login = %s", (login,))
        return session_id, Session(login, csrf, now)

    def find(self, session_id: str, now: datetime) -> Session | None:
        """The live session of this id (its idle clock restarted), or None."""
        key = _key(session_id)
        with self.db.transaction() as cur:
            cur.execute("SELECT login, csrf, created_at, seen_at FROM keel_sessions WHERE id_sha256 = %s", (key,))
            row = cur.fetchone()
            if row is None:
                return None
            created, seen = as_datetime(row[2]), as_datetime(row[3])
            assert created is not None and seen is not None
            if seen < now - IDLE or created < now - ABSOLUTE:
                cur.execute("DELETE FROM keel_sessions WHERE id_sha256 = %s", (key,))
                return None
            cur.execute("UPDATE keel_sessions SET seen_at = %s WHERE id_sha256 = %s", (now, key))
        return Session(str(row[0]), str(row[1]), created)

    def end(self, session_id: str) -> None:
        with self.db.transaction() as cur:
            cur.execute("DELETE FROM keel_sessions WHERE id_sha256 = %s", (_key(session_id),))

    def end_all(self, login: str) -> None:
        """Every session of a user (disabled, locked out, a new password)."""
        with self.db.transaction() as cur:
            cur.execute("DELETE FROM keel_sessions WHERE login = %s", (login,))

    def failed(self, login: str, address: str, now: datetime) -> int:
        """Record a failed login; how many this login has had within the window."""
        with self.db.transaction() as cur:
            cur.execute("DELETE FROM keel_login_failures WHERE at < %s", (now - WINDOW,))
            cur.execute(
                "INSERT INTO keel_login_failures (login, address, at) VALUES (%s, %s, %s)", (login, address, now)
            )
            cur.execute("SELECT COUNT(*) FROM keel_login_failures WHERE login = %s", (login,))
            row = cur.fetchone()
        return int(row[0]) if row else 0

    def address_blocked(self, address: str, now: datetime) -> bool:
        """Whether this address has failed too often within the window to try again now."""
        with self.db.read() as cur:
            cur.execute(
                "SELECT COUNT(*) FROM keel_login_failures WHERE address = %s AND at >= %s", (address, now - WINDOW)
            )
            row = cur.fetchone()
        return bool(row and int(row[0]) >= ADDRESS_FAILURES)


def now() -> datetime:
    return datetime.now(UTC)
