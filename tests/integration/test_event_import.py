"""Events imported in bulk (ADR 0057): a log exported from one store and imported into another
gives the same books, as known at every moment; a bad line refuses its chunk whole, naming it,
and the import goes on from the last chunk in."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import psycopg
import pytest

from api.demo import load_demo
from api.settings import Settings
from api.system import Keel
from commands.adapters.transcodings import keel_transcoder
from commands.audit import verify
from commands.event_import import ChunkRefused, EventImport, export_lines
from commands.messages import RegisterCustomer
from ledger.errors import AlreadyExists
from ledger.events import Meta
from projections.finance.reports import trial_balance

DIGEST = "ab" * 32
META = Meta(actor="importer")


@pytest.fixture
def target(keel_settings: Settings, tmp_path: Path) -> Iterator[Keel]:
    """A second, empty store on the same backend."""
    if keel_settings.database_url is None:
        settings = Settings(data_dir=tmp_path / "target", auth="off", _env_file=None)  # type: ignore[call-arg]
        with Keel.start(settings, follow=False) as keel:
            yield keel
        return
    admin, name = keel_settings.database_url.rsplit("/", 1)[0], f"keel_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(f"{admin}/postgres", autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        settings = Settings(database_url=f"{admin}/{name}", auth="off", _env_file=None)  # type: ignore[call-arg]
        with Keel.start(settings, follow=False) as keel:
            yield keel
    finally:
        with psycopg.connect(f"{admin}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.mark.parametrize("jobs", [0, 2], ids=["checked here", "checked in two processes"])
def test_an_exported_log_imported_elsewhere_gives_the_same_books_known_at_every_moment(
    keel: Keel, target: Keel, jobs: int
) -> None:
    load_demo(keel.app)
    lines = list(export_lines(keel.app))
    assert len(lines) == keel.app.head_position()
    done = EventImport(target.app, "demo.ndjson", DIGEST, META, chunk_lines=40, jobs=jobs).run(lines)
    assert done.events == len(lines) and done.resumed_after == 0
    keel.engine.catch_up()
    target.engine.catch_up()
    for as_of, position in ((date(2026, 9, 30), None), (date(2026, 7, 31), 60)):
        known = keel.app.moment_of(position) if position else None
        ours = trial_balance(keel.views, as_of, known)
        theirs = trial_balance(target.views, as_of, known)
        assert theirs.rows == ours.rows and theirs.balanced
    assert verify(target.app).ok
    # each event at the moment it was recorded in the source, the import's record of a chunk with it
    assert target.app.moment_of(target.app.head_position()) == keel.app.moment_of(len(lines))
    with pytest.raises(AlreadyExists, match="imported to their end already"):
        EventImport(target.app, "demo.ndjson", DIGEST, META).run(lines)


@pytest.mark.parametrize("jobs", [0, 2], ids=["checked here", "checked in two processes"])
def test_a_bad_line_refuses_its_chunk_whole_and_a_fixed_file_goes_on_after_the_last_chunk_in(
    keel: Keel, target: Keel, jobs: int
) -> None:
    load_demo(keel.app)
    lines = list(export_lines(keel.app))
    at = next(n for n in range(45, len(lines)) if '"name":' in lines[n].decode())
    bad = json.loads(lines[at])
    bad["state"]["name"] = "Nul\x00byte"  # what no command could record
    broken = [*lines[:at], json.dumps(bad).encode(), *lines[at + 1 :]]
    head = target.app.head_position()
    with pytest.raises(ChunkRefused, match=rf"demo.ndjson:{at + 1}: state") as refused:
        EventImport(target.app, "demo.ndjson", DIGEST, META, chunk_lines=40, jobs=jobs).run(broken)
    assert refused.value.done == 40 and "nothing of lines 41-80 written" in str(refused.value)
    assert "--after 40" in str(refused.value)
    in_after_refusal = target.app.head_position()
    assert in_after_refusal - head == 40 + 2  # the first chunk and its record's Began and Chunk

    fixed = EventImport(target.app, "demo.ndjson", "cd" * 32, META, chunk_lines=40).run(lines, after=40)
    assert fixed.events == len(lines) - 40
    target.engine.catch_up()
    keel.engine.catch_up()
    assert trial_balance(target.views, date(2026, 9, 30)).rows == trial_balance(keel.views, date(2026, 9, 30)).rows


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda line: line | {"topic": "os.system"}, "topic"),
        (lambda line: line | {"version": line["version"] + 1}, "version"),
        (lambda line: line | {"aggregate_id": "not-a-uuid"}, "aggregate_id"),
        (lambda line: line | {"state": {"name": 1}}, "state"),
        (lambda line: line | {"recorded_at": "2999-01-01T00:00:00+00:00"}, "recorded_at"),
    ],
)
def test_lines_that_no_command_could_have_written_are_refused_naming_the_field(
    keel: Keel, target: Keel, change: object, field: str
) -> None:
    keel.app.handle(RegisterCustomer(meta=META, name="Acme", on=date(2026, 7, 1)))
    source_line = json.loads(next(iter(export_lines(keel.app))))  # a good line, but for the one change
    changed = change(source_line)  # type: ignore[operator]
    with pytest.raises(ChunkRefused, match=rf"x.ndjson:1: {field}"):
        EventImport(target.app, "x.ndjson", DIGEST, META).run([json.dumps(changed).encode()])
    assert target.app.head_position() == 0


def test_a_line_with_keys_repeated_around_its_state_stores_the_state_it_was_checked_with(
    keel: Keel, target: Keel
) -> None:
    from support import register

    customer = register(keel, "Twice Keyed")
    exported = json.loads(next(iter(export_lines(keel.app))))
    state = json.dumps(exported["state"], separators=(",", ":"))
    head = f'{{"aggregate_id":"{customer}","version":1,"topic":"{exported["topic"]}","state":'
    other = dict(exported["state"], name="Other Name")
    lines = [
        f'{head}{json.dumps(other)},"state":{state}}}'.encode(),  # the last "state" is the one JSON keeps
    ]
    EventImport(target.app, "dup.ndjson", DIGEST, META).run(lines)
    from ledger.customer import Customer

    assert target.app.get(Customer, customer).name == "Twice Keyed"


def _registered(keel: Keel) -> dict[str, object]:
    from support import register

    register(keel, "Shape Of A Line")
    return dict(json.loads(next(iter(export_lines(keel.app)))))


@pytest.mark.parametrize(
    ("change", "said"),
    [
        (lambda state: state | {"originator_topic": "os:system"}, "originator_topic: keel.Customer"),
        (lambda state: state | {"payment_terms_days": "30"}, "payment_terms_days: not a int"),
        (lambda state: state | {"effective_date": "soon"}, "effective_date"),
        (lambda state: state | {"class_version": 99}, "class_version: an integer from 1 to"),
    ],
)
def test_a_state_a_constructor_would_not_have_made_is_refused(
    keel: Keel, target: Keel, change: object, said: str
) -> None:
    line = _registered(keel)
    line["state"] = change(line["state"])  # type: ignore[operator]
    with pytest.raises(ChunkRefused, match=said):
        EventImport(target.app, "x.ndjson", DIGEST, META).run([json.dumps(line).encode()])
    assert target.app.head_position() == 0


def test_a_line_recorded_before_the_log_s_last_moment_is_refused(keel: Keel, target: Keel) -> None:
    from support import register

    line = _registered(keel)
    register(target, "Already Here")  # recorded now: the line's moment is before it
    with pytest.raises(ChunkRefused, match="recorded_at: earlier than the log's last moment"):
        EventImport(target.app, "x.ndjson", DIGEST, META).run(
            [json.dumps(line | {"recorded_at": "2020-01-01T00:00:00+00:00"}).encode()]
        )


def test_the_processes_checking_lines_decode_as_the_application_does(keel: Keel) -> None:
    ours, theirs = keel.app.mapper.transcoder, keel_transcoder()
    assert set(theirs.types) == set(ours.types) and set(theirs.names) == set(ours.names)  # type: ignore[attr-defined]
