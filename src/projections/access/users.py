"""Users as administrators list them (ADR 0048): login, name, roles, who added them and when,
whether they are disabled or locked out, when their password was last set. Never the secret."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from ledger.users import User
from projections.engine.db import ViewDatabase
from projections.engine.pages import Page, fetch_page
from projections.engine.projection import Fact
from projections.engine.sql import Cursor, Row, as_date, as_datetime


class UsersProjection:
    name = "users"
    schema_version = 1
    tables = ("users",)
    folds = (User.Event,)

    def create(self, cur: Cursor) -> None:
        cur.execute(
            """CREATE TABLE users (
                id TEXT PRIMARY KEY,
                login TEXT NOT NULL UNIQUE,
                name TEXT NOT NULL,
                roles TEXT NOT NULL,
                added_by TEXT NOT NULL,
                added_at TIMESTAMPTZ NOT NULL,
                password_set_at TIMESTAMPTZ NOT NULL,
                disabled_on DATE,
                disable_reason TEXT,
                locked_until TIMESTAMPTZ,
                version INTEGER NOT NULL,
                position BIGINT NOT NULL
            )"""
        )

    def apply(self, cur: Cursor, facts: Sequence[Fact]) -> None:
        for fact in facts:
            e, at = fact.event, fact.recorded_at
            if isinstance(e, User.Added):
                cur.execute(
                    "INSERT INTO users (id, login, name, roles, added_by, added_at, password_set_at, version, position)"
                    " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
                    (str(e.originator_id), e.login, e.name, ",".join(e.roles), e.actor, at, at, 1, fact.position),
                )
                continue
            changes: dict[str, object]
            if isinstance(e, User.PasswordSet):
                changes = {"password_set_at": at, "locked_until": None}
            elif isinstance(e, User.RolesSet):
                changes = {"roles": ",".join(e.roles)}
            elif isinstance(e, User.Disabled):
                changes = {"disabled_on": e.effective_date, "disable_reason": e.reason}
            elif isinstance(e, User.Enabled):
                changes = {"disabled_on": None, "disable_reason": None}
            elif isinstance(e, User.LockedOut):
                changes = {"locked_until": e.until}
            else:
                continue
            changes |= {"version": e.originator_version, "position": fact.position}
            assigned = ", ".join(f"{column} = %s" for column in changes)
            cur.execute(f"UPDATE users SET {assigned} WHERE id = %s", (*changes.values(), str(e.originator_id)))


@dataclass(frozen=True)
class UserView:
    login: str
    name: str
    roles: list[str]
    added_by: str
    added_at: datetime
    password_set_at: datetime
    disabled_on: date | None
    disable_reason: str | None
    locked_until: datetime | None
    version: int


_COLUMNS = "login, name, roles, added_by, added_at, password_set_at, disabled_on, disable_reason, locked_until, version"


def _user(r: Row) -> UserView:
    added, password_set = as_datetime(r[4]), as_datetime(r[5])
    assert added is not None and password_set is not None
    return UserView(
        r[0], r[1], r[2].split(","), r[3], added, password_set, as_date(r[6]), r[7], as_datetime(r[8]), int(r[9])
    )


def list_users(db: ViewDatabase, active: bool | None, cursor: str | None, limit: int) -> Page[UserView]:
    """Users by login; ``active``: only those not disabled (True) or only the disabled (False)."""
    where = [] if active is None else ["disabled_on IS NULL" if active else "disabled_on IS NOT NULL"]
    with db.read() as cur:
        return fetch_page(cur, f"SELECT {_COLUMNS}, login FROM users", ["login"], where, [], cursor, limit, _user)


def get_user(db: ViewDatabase, login: str) -> UserView | None:
    with db.read() as cur:
        cur.execute(f"SELECT {_COLUMNS} FROM users WHERE login = %s", (login.strip().lower(),))
        row = cur.fetchone()
    return _user(row) if row else None
