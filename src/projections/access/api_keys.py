"""API keys as administrators list them: who holds which roles, issued and revoked by whom."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from ledger.access import ApiKey
from projections.engine.db import ViewDatabase
from projections.engine.pages import Page, fetch_page
from projections.engine.projection import Fact
from projections.engine.sql import Cursor, Row, as_datetime


class AccessProjection:
    name = "access"
    schema_version = 1
    tables = ("api_keys",)
    folds = (ApiKey.Event,)

    def create(self, cur: Cursor) -> None:
        cur.execute(
            """CREATE TABLE api_keys (
                id TEXT PRIMARY KEY,
                key_id TEXT NOT NULL UNIQUE,
                name TEXT NOT NULL,
                roles TEXT NOT NULL,
                issued_by TEXT NOT NULL,
                issued_at TIMESTAMPTZ NOT NULL,
                revoked_by TEXT,
                revoked_at TIMESTAMPTZ,
                revoke_reason TEXT,
                version INTEGER NOT NULL,
                position BIGINT NOT NULL
            )"""
        )

    def apply(self, cur: Cursor, facts: Sequence[Fact]) -> None:
        for fact in facts:
            e = fact.event
            if isinstance(e, ApiKey.Issued):
                cur.execute(
                    "INSERT INTO api_keys (id, key_id, name, roles, issued_by, issued_at, version, position)"
                    " VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
                    (
                        str(e.originator_id),
                        e.key_id,
                        e.name,
                        ",".join(e.roles),
                        e.actor,
                        fact.recorded_at,
                        e.originator_version,
                        fact.position,
                    ),
                )
            elif isinstance(e, ApiKey.Revoked):
                cur.execute(
                    "UPDATE api_keys SET revoked_by = %s, revoked_at = %s, revoke_reason = %s, version = %s,"
                    " position = %s WHERE id = %s",
                    (e.actor, fact.recorded_at, e.reason, e.originator_version, fact.position, str(e.originator_id)),
                )


@dataclass(frozen=True)
class KeyView:
    key_id: str
    name: str
    roles: list[str]
    issued_by: str
    issued_at: datetime
    revoked_by: str | None
    revoked_at: datetime | None
    revoke_reason: str | None
    version: int


_COLUMNS = "key_id, name, roles, issued_by, issued_at, revoked_by, revoked_at, revoke_reason, version"


def _key(r: Row) -> KeyView:
    issued = as_datetime(r[4])
    assert issued is not None
    return KeyView(r[0], r[1], r[2].split(","), r[3], issued, r[5], as_datetime(r[6]), r[7], int(r[8]))


def list_keys(db: ViewDatabase, active: bool | None, cursor: str | None, limit: int) -> Page[KeyView]:
    where = [] if active is None else ["revoked_at IS NULL" if active else "revoked_at IS NOT NULL"]
    with db.read() as cur:
        return fetch_page(
            cur,
            f"SELECT {_COLUMNS}, issued_at, key_id FROM api_keys",
            ["issued_at", "key_id"],
            where,
            [],
            cursor,
            limit,
            _key,
        )


def get_key(db: ViewDatabase, key_id: str) -> KeyView | None:
    with db.read() as cur:
        cur.execute(f"SELECT {_COLUMNS} FROM api_keys WHERE key_id = %s", (key_id,))
        row = cur.fetchone()
    return _key(row) if row else None
