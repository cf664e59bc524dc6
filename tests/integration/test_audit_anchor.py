"""Anchored digests: what the chain alone cannot show — the newest events deleted with their links,
a chain rewritten consistently — fails verification against an anchor the auditor kept."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import psycopg
import pytest
from support import register
from typer.testing import CliRunner

from api.cli import app as cli
from api.system import Keel
from commands.audit import BadAnchor, parse_anchor, take_anchor, verify, verify_against
from commands.recorders import chain
from commands.store import sqlite_path


def sql(keel: Keel, statement: str, params: tuple[object, ...] = ()) -> None:
    """Tamper as a superuser would: past the append-only triggers of the events and of their links."""
    table = keel.app.recorder.events_table_name  # type: ignore[attr-defined]
    statement = statement.format(table=table)
    if keel.settings.database_url:
        with psycopg.connect(keel.settings.database_url, autocommit=True) as conn, conn.transaction():
            conn.execute("SET LOCAL session_replication_role = replica")
            conn.execute(statement, params)  # type: ignore[arg-type]
    else:
        with sqlite3.connect(sqlite_path(keel.settings.event_store_url)) as conn:
            for name in (table, "keel_log"):
                for op in ("update", "delete"):
                    conn.execute(f"DROP TRIGGER IF EXISTS {name}_no_{op}")
            conn.execute(statement.replace("%s", "?"), params)


def test_an_anchor_holds_while_the_log_only_grows(books: Keel) -> None:
    anchor = take_anchor(books.app)
    assert anchor.position == books.app.head_position()
    register(books, "Globex")
    assert verify_against(books.app, anchor).ok
    assert parse_anchor(str(anchor)) == anchor


def test_deleting_the_newest_events_with_their_links_is_named_by_its_first_missing_position(books: Keel) -> None:
    anchor = take_anchor(books.app)
    first_missing = anchor.position - 2
    sql(books, "DELETE FROM {table} WHERE " + _position(books) + " >= %s", (first_missing,))
    sql(books, "DELETE FROM keel_log WHERE position >= %s", (first_missing,))

    assert verify(books.app).ok  # the chain alone cannot tell
    result = verify_against(books.app, anchor)
    assert not result.ok and result.position == first_missing
    assert f"the events from position {first_missing} on were removed" in result.problem


def test_a_consistently_rewritten_chain_fails_against_the_anchor(books: Keel) -> None:
    anchor = take_anchor(books.app)
    notifications = books.app.recorder.select_notifications(start=1, limit=1000)
    altered = next(n for n in notifications if b"Consulting" in n.state)
    target = altered.id
    state = altered.state.replace(b"Consulting", b"Konsulting")
    sql(books, "UPDATE {table} SET state = %s WHERE " + _position(books) + " = %s", (state, target))
    previous = books.app.recorder.chain_hashes(target - 1, target - 1)[target - 1]  # type: ignore[attr-defined]
    for n in notifications:  # recompute every link from the altered event on, as a careful forger would
        if n.id < target:
            continue
        previous = chain(
            previous, n.id, n.originator_id, n.originator_version, n.topic, state if n.id == target else n.state
        )
        sql(books, "UPDATE keel_log SET hash = %s WHERE position = %s", (previous, n.id))

    assert verify(books.app).ok  # consistent: the chain alone cannot tell
    result = verify_against(books.app, anchor)
    assert not result.ok and result.position == anchor.position
    assert "rewritten or reordered" in result.problem


def test_the_cli_takes_an_anchor_to_a_file_and_verifies_against_it(books: Keel, tmp_path: Path) -> None:
    env = {"KEEL_DATA_DIR": str(books.settings.data_dir)}
    if books.settings.database_url:
        env["KEEL_DATABASE_URL"] = books.settings.database_url
    kept = tmp_path / "anchor.txt"
    taken = CliRunner().invoke(cli, ["audit", "anchor", "--output", str(kept)], env=env)
    assert taken.exit_code == 0, taken.output
    assert kept.read_text().strip() == taken.stdout.strip()
    assert CliRunner().invoke(cli, ["audit", "verify", "--anchor", str(kept)], env=env).exit_code == 0

    position = int(kept.read_text().strip().split("@")[1])
    sql(books, "DELETE FROM {table} WHERE " + _position(books) + " >= %s", (position - 2,))
    sql(books, "DELETE FROM keel_log WHERE position >= %s", (position - 2,))
    failed = CliRunner().invoke(cli, ["audit", "verify", "--anchor", str(kept)], env=env)
    assert failed.exit_code == 1
    assert f"from position {position - 2} on were removed" in failed.output
    bad = CliRunner().invoke(cli, ["audit", "verify", "--anchor", "not-an-anchor"], env=env)
    assert bad.exit_code == 1 and "DIGEST@POSITION" in bad.output


def test_a_malformed_anchor_is_refused() -> None:
    with pytest.raises(BadAnchor):
        parse_anchor("abc@1")


def _position(keel: Keel) -> str:
    return "notification_id" if keel.settings.database_url else "rowid"
