"""The bulk append under every chunked import (ADR 0036, 0042), on SQLite and PostgreSQL: on
PostgreSQL each chunk is inserted by a writer thread behind the caller; what a reader of the
import sees must be what synchronous appends give — every queued chunk visible to ``existing``,
positions in order, and a chunk the database refuses rolls back every chunk before it."""

from __future__ import annotations

from datetime import date
from uuid import uuid4

import pytest
from eventsourcing.persistence import IntegrityError

from api.system import Keel
from commands.audit import verify
from ledger.bank_lines import BankLine
from ledger.bank_statements import StatementLine
from ledger.events import Meta
from ledger.money import Money

META = Meta("test:bulk-appends")
BANK, STATEMENT = uuid4(), uuid4()


def _lines(first: int, count: int) -> list[BankLine.Imported]:
    made = [
        StatementLine("DE-BULK", date(2026, 3, 1), Money.of(f"{n}.25", "EUR"), f"Transfer {n}")
        for n in range(first, first + count)
    ]
    return [BankLine.imported_event(BANK, STATEMENT, line, META) for line in made]


def test_chunks_queued_behind_the_caller_are_seen_by_existing_and_committed_in_order(keel: Keel) -> None:
    before = keel.app.head_position()
    first, second, third = _lines(0, 1_500), _lines(1_500, 1_500), _lines(3_000, 10)
    with keel.app.appending() as out:
        assert out.append_new(first) == out.append_new(second) == 1_500
        # A statement's next chunk asks which lines exist: both chunks queued before are seen.
        assert out.append_new([first[0], first[-1], second[-1], *third]) == len(third)
        highest = out.settle()
    assert highest == keel.app.head_position() == before + 3_010
    page = keel.app.read_log(before, 3_010, ())
    assert [event.originator_id for _, event in page] == [e.originator_id for e in first + second + third]
    assert verify(keel.app).ok


def test_a_chunk_the_database_refuses_rolls_back_the_chunks_before_it(keel: Keel) -> None:
    before = keel.app.head_position()
    first = _lines(0, 1_000)
    with pytest.raises(IntegrityError), keel.app.appending() as out:
        out.append_new(first)
        out.append_new(_lines(1_000, 1_000))
        twice = _lines(5_000, 1)
        out.append_new(twice + twice)  # one line twice in a chunk: the database's unique key refuses it
        out.append_new(_lines(2_000, 1_000))  # queued after the refusal: never written
    assert keel.app.head_position() == before
    assert verify(keel.app).ok
