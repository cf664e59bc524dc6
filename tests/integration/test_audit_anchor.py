"""Anchored digests: what the chain alone cannot show — the newest events deleted with their links,
a chain rewritten or reordered consistently — fails verification against an anchor the auditor kept."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import psycopg
import pytest
from support import register
from typer.testing import CliRunner

from api.cli import app as cli
from api.system import Keel
from commands.adapters.recorders import GENESIS, chain
from commands.adapters.store import sqlite_path
from commands.audit import BadAnchor, parse_anchor, signed_digest, take_anchor, verify, verify_against

DIGEST = "ab" * 32


def sql(keel: Keel, statement: str, params: tuple[object, ...] = ()) -> None:
    """Tamper as a superuser would: past the append-only triggers of the events and of their links.
    ``{table}`` is the events table, ``{position}`` its position column."""
    table = keel.app.recorder.events_table_name  # type: ignore[attr-defined]
    statement = statement.format(table=table, position=_position(keel))
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


def delete_from(keel: Keel, first: int) -> None:
    """Delete the events from ``first`` on together with their links: the chain still verifies."""
    sql(keel, "DELETE FROM {table} WHERE {position} >= %s", (first,))
    sql(keel, "DELETE FROM keel_log WHERE position >= %s", (first,))


def rechain(keel: Keel, first: int) -> None:
    """Recompute every link from ``first`` on over the stored events, as a careful forger would."""
    recorder = keel.app.recorder
    previous = recorder.chain_hashes(first - 1, first - 1).get(first - 1, GENESIS)  # type: ignore[attr-defined]
    for n in recorder.select_notifications(start=first, limit=1000):
        previous = chain(previous, n.id, n.originator_id, n.originator_version, n.topic, n.state)
        sql(keel, "UPDATE keel_log SET hash = %s WHERE position = %s", (previous, n.id))


def test_an_anchor_holds_while_the_log_only_grows(books: Keel) -> None:
    anchor = take_anchor(books.app)
    assert anchor.position == books.app.head_position()
    register(books, "Globex")
    assert verify_against(books.app, anchor).ok
    assert parse_anchor(str(anchor)) == anchor


def test_an_anchor_taken_on_an_empty_log_holds_once_the_log_has_events(keel: Keel) -> None:
    anchor = take_anchor(keel.app)
    assert str(anchor) == f"{GENESIS}@0"
    assert verify_against(keel.app, anchor).ok
    register(keel, "Acme")
    assert verify_against(keel.app, anchor).ok


def test_deleting_the_newest_events_with_their_links_is_named_by_its_first_missing_position(books: Keel) -> None:
    anchor = take_anchor(books.app)
    first_missing = anchor.position - 2
    delete_from(books, first_missing)

    assert verify(books.app).ok  # the chain alone cannot tell
    result = verify_against(books.app, anchor)
    assert not result.ok and result.position == first_missing
    assert result.problem == (
        f"the log ends at position {first_missing - 1} but the anchor was taken at {anchor.position}:"
        f" positions {first_missing}..{anchor.position} are missing"
    )


def test_deleting_the_newest_events_is_caught_even_after_the_log_went_on(books: Keel) -> None:
    anchor = take_anchor(books.app)
    first_missing = anchor.position - 2
    delete_from(books, first_missing)
    for name in ("Globex", "Initech", "Umbrella", "Hooli"):
        register(books, name)

    assert verify(books.app).ok  # the hole looks like rolled-back inserts to the chain
    result = verify_against(books.app, anchor)
    assert not result.ok
    if books.settings.database_url:  # the sequence went on: nothing is where the anchor was taken
        assert result.position == first_missing
        assert f"positions {first_missing}..{anchor.position} are missing" in result.problem
    else:  # SQLite gives the deleted rowids to the new events: the anchored position holds another event
        assert result.position == anchor.position and "rewritten or reordered" in result.problem


def test_a_consistently_rewritten_chain_fails_against_the_anchor_naming_its_position(books: Keel) -> None:
    anchor = take_anchor(books.app)
    notifications = books.app.recorder.select_notifications(start=1, limit=1000)
    altered = next(n for n in notifications if b"Consulting" in n.state)
    state = altered.state.replace(b"Consulting", b"Konsulting")
    sql(books, "UPDATE {table} SET state = %s WHERE {position} = %s", (state, altered.id))
    rechain(books, altered.id)

    assert verify(books.app).ok  # consistent: the chain alone cannot tell
    result = verify_against(books.app, anchor)
    assert not result.ok and result.position == anchor.position
    assert f"rewritten or reordered at or before position {anchor.position}" in result.problem


def test_two_events_swapped_with_a_consistent_chain_fail_against_the_anchor(books: Keel) -> None:
    anchor = take_anchor(books.app)
    last, before = anchor.position, anchor.position - 1
    for source, target in ((last, -1), (before, last), (-1, before)):
        sql(books, "UPDATE {table} SET {position} = %s WHERE {position} = %s", (target, source))
    rechain(books, before)

    assert verify(books.app).ok
    result = verify_against(books.app, anchor)
    assert not result.ok and result.position == anchor.position


def test_an_anchor_is_read_from_a_string_a_file_or_saved_json(tmp_path: Path, books: Keel) -> None:
    anchor = take_anchor(books.app)
    plain, saved, signed = tmp_path / "anchor.txt", tmp_path / "anchor.json", tmp_path / "digest.json"
    plain.write_text(f"{anchor}\n")
    saved.write_text(json.dumps({"position": anchor.position, "digest": anchor.digest, "anchor": str(anchor)}))
    signed.write_text(signed_digest(books.app, "auditor-secret"))
    for text in (str(anchor), f"  {str(anchor).upper()}\n", str(plain), str(saved), str(signed)):
        assert parse_anchor(text) == anchor


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("not-an-anchor", "an anchor is DIGEST@POSITION"),
        ("abc@1", "an anchor's digest is 64 hex digits (sha256); got 'abc'"),
        ("g" * 64 + "@1", "an anchor's digest is 64 hex digits"),
        (f"{DIGEST}@x", "an anchor's position is a whole number of at most 18 digits; got 'x'"),
        (f"{DIGEST}@-1", "got '-1'"),
        (f"{DIGEST}@٣", "got '٣'"),
        (f"{DIGEST}@{'9' * 19}", "at most 18 digits"),
        (f"{DIGEST}@0", "an anchor at position 0 (an empty log) has the digest 000"),
        ("", "an anchor is DIGEST@POSITION (sha256 hex @ a log position); got ''"),
        ("a\x00b", "is not a file"),
    ],
)
def test_a_malformed_anchor_is_refused_saying_what_is_wrong(text: str, says: str) -> None:
    with pytest.raises(BadAnchor) as refused:
        parse_anchor(text)
    assert says in str(refused.value)


def test_a_missing_folder_or_anchorless_file_is_refused_by_name(tmp_path: Path) -> None:
    junk, nested = tmp_path / "junk.txt", tmp_path / "nested.json"
    junk.write_text("hello")
    nested.write_text("[" * 50_000)
    with pytest.raises(BadAnchor, match=r"missing\.txt is not a file"):
        parse_anchor(str(tmp_path / "missing.txt"))
    with pytest.raises(BadAnchor, match="is a folder"):
        parse_anchor(str(tmp_path))
    with pytest.raises(BadAnchor, match=r"junk\.txt holds no anchor: an anchor is DIGEST@POSITION"):
        parse_anchor(str(junk))
    with pytest.raises(BadAnchor, match=r"nested\.json holds no anchor"):
        parse_anchor(str(nested))


def test_the_cli_takes_an_anchor_to_a_file_and_verifies_against_it(books: Keel, tmp_path: Path) -> None:
    env = {"KEEL_DATA_DIR": str(books.settings.data_dir)}
    if books.settings.database_url:
        env["KEEL_DATABASE_URL"] = books.settings.database_url
    kept = tmp_path / "anchor.txt"
    taken = CliRunner().invoke(cli, ["audit", "anchor", "--output", str(kept)], env=env)
    assert taken.exit_code == 0, taken.output
    anchor = kept.read_text().strip()
    assert anchor == taken.stdout.strip()
    for given in (str(kept), anchor):
        verified = CliRunner().invoke(cli, ["audit", "verify", "--anchor", given], env=env)
        assert verified.exit_code == 0 and "anchored at" in verified.stdout, verified.output

    position = int(anchor.split("@")[1])
    delete_from(books, position - 2)
    assert CliRunner().invoke(cli, ["audit", "verify"], env=env).exit_code == 0  # the defect anchors close
    failed = CliRunner().invoke(cli, ["audit", "verify", "--anchor", str(kept)], env=env)
    assert failed.exit_code == 1
    assert f"positions {position - 2}..{position} are missing" in failed.output
    assert len(failed.output.strip().splitlines()) == 1


def test_the_cli_refuses_a_malformed_anchor_and_an_unwritable_output_in_one_line(books: Keel, tmp_path: Path) -> None:
    env = {"KEEL_DATA_DIR": str(books.settings.data_dir)}
    if books.settings.database_url:
        env["KEEL_DATABASE_URL"] = books.settings.database_url
    for args, says in (
        (["verify", "--anchor", f"{DIGEST[:10]}@3"], "64 hex digits"),
        (["verify", "--anchor", f"{DIGEST}@three"], "whole number"),
        (["verify", "--anchor", str(tmp_path / "nowhere.txt")], "nowhere.txt is not a file"),
        (["anchor", "--output", str(tmp_path / "no" / "such" / "folder.txt")], "cannot write the anchor to"),
    ):
        done = CliRunner().invoke(cli, ["audit", *args], env=env)
        assert done.exit_code == 1 and says in done.output, done.output
        assert len(done.output.strip().splitlines()) == 1


def _position(keel: Keel) -> str:
    return "notification_id" if keel.settings.database_url else "rowid"
