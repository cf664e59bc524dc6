"""The hash chain over the log: an altered, removed or inserted event is named by its position."""

from __future__ import annotations

import hashlib
import hmac
import json
import sqlite3

import psycopg
import pytest

from api.system import Keel
from commands.adapters.store import sqlite_path
from commands.audit import signed_digest, verify


def execute(keel: Keel, sql_sqlite: str, sql_pg: str, params: tuple[object, ...]) -> None:
    """Tamper with the store as a superuser would: past the append-only triggers, bypassing Keel."""
    table = keel.app.recorder.events_table_name  # type: ignore[attr-defined]
    if keel.settings.database_url:
        with psycopg.connect(keel.settings.database_url, autocommit=True) as conn, conn.transaction():
            conn.execute("SET LOCAL session_replication_role = replica")  # superusers can switch triggers off
            conn.execute(sql_pg.format(table=table), params)
    else:
        with sqlite3.connect(sqlite_path(keel.settings.event_store_url)) as conn:
            for op in ("update", "delete"):
                conn.execute(f"DROP TRIGGER IF EXISTS {table}_no_{op}")
            conn.execute(sql_sqlite.format(table=table), params)


def test_the_log_refuses_updates_deletes_and_truncation(books: Keel) -> None:
    table = books.app.recorder.events_table_name  # type: ignore[attr-defined]
    statements = [f"UPDATE {table} SET topic = topic", f"DELETE FROM {table}", "DELETE FROM keel_log"]
    if books.settings.database_url:
        statements += [f"TRUNCATE {table}", "TRUNCATE keel_log"]
        for sql in statements:
            with (
                psycopg.connect(books.settings.database_url, autocommit=True) as conn,
                pytest.raises(psycopg.errors.RaiseException, match="append-only"),
            ):
                conn.execute(sql)
    else:
        for sql in statements:
            with (
                sqlite3.connect(sqlite_path(books.settings.event_store_url)) as conn,
                pytest.raises(sqlite3.IntegrityError, match="append-only"),
            ):
                conn.execute(sql)
    assert verify(books.app).ok


def test_an_untouched_log_verifies_and_its_signed_head_checks_out(books: Keel) -> None:
    result = verify(books.app)
    assert result.ok and result.checked == books.app.head_position()
    digest = json.loads(signed_digest(books.app, "auditor-secret"))
    signature = digest.pop("signature")
    expected = hmac.new(b"auditor-secret", json.dumps(digest, sort_keys=True).encode(), hashlib.sha256).hexdigest()
    assert signature == expected and digest["position"] == books.app.head_position()


def test_altering_one_byte_of_one_event_is_named(books: Keel) -> None:
    execute(
        books,
        "UPDATE {table} SET state = CAST(REPLACE(CAST(state AS TEXT), '101.00', '901.00') AS BLOB) WHERE rowid = ?",
        "UPDATE {table} SET state = convert_to(replace(convert_from(state, 'UTF8'), '101.00', '901.00'), 'UTF8')"
        " WHERE notification_id = %s",
        (_position_with(books, b"101.00"),),
    )
    result = verify(books.app)
    assert not result.ok and result.problem == f"the event at position {_position_with(books, b'901.00')} was altered"


def test_removing_an_event_is_named(books: Keel) -> None:
    execute(books, "DELETE FROM {table} WHERE rowid = ?", "DELETE FROM {table} WHERE notification_id = %s", (5,))
    result = verify(books.app)
    assert not result.ok and result.problem == "the event at position 5 was removed"


def _position_with(keel: Keel, needle: bytes) -> int:
    for n in keel.app.recorder.select_notifications(start=1, limit=1000):
        if needle in n.state:
            return n.id
    raise AssertionError(f"no stored event contains {needle!r}")
