"""A statement's lines are appended as their creating events alone (no aggregate each): the same
events ``BankLine.imported`` records, topic and fields, read back by the ordinary fold."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal
from uuid import uuid4

import pytest
from eventsourcing.utils import get_topic
from hypothesis import given
from hypothesis import strategies as st

from commands.application import KeelApplication
from ledger.bank_lines import BankLine, line_id, line_ids
from ledger.bank_statements import StatementLine
from ledger.errors import InvalidValue
from ledger.events import Meta
from ledger.money import Money

META = Meta("test:bank")
LINE = StatementLine(
    account="DE89370400440532013000",
    booking_date=date(2026, 3, 2),
    amount=Money(Decimal("-12.50"), "EUR"),
    description="Card payment",
    reference="E2E-7",
    counterparty_name="Atlas",
)


def test_the_event_alone_is_the_one_the_aggregate_records() -> None:
    bank, statement = uuid4(), uuid4()
    recorded = BankLine.imported(bank, statement, LINE, META).collect_events()
    assert len(recorded) == 1
    alone = BankLine.imported_event(bank, statement, LINE, META)
    assert type(alone) is type(recorded[0])
    assert {**vars(alone), "timestamp": None} == {**vars(recorded[0]), "timestamp": None}
    assert alone.originator_topic == get_topic(BankLine)  # type: ignore[attr-defined]


def test_the_event_alone_folds_into_the_line() -> None:
    line = BankLine.imported_event(uuid4(), uuid4(), LINE, META).mutate(None)
    assert isinstance(line, BankLine)
    assert (line.amount, line.booking_date, line.matched, line.version) == (LINE.amount, date(2026, 3, 2), False, 1)


def test_the_event_alone_is_checked_by_the_input_policy() -> None:
    with pytest.raises(InvalidValue, match="actor"):
        BankLine.imported_event(uuid4(), uuid4(), LINE, Meta("bad\x00actor"))


def test_a_statements_events_made_together_are_the_events_made_one_by_one() -> None:
    """``BankLine.imports`` copies the first event's state for the rest: the same fields in the
    same order, so the same stored bytes (the hash chain covers them)."""
    app = KeelApplication("memory://")
    bank, statement = uuid4(), uuid4()
    lines = [
        LINE,
        replace(LINE, bank_reference="B-1", value_date=date(2026, 3, 3), charges=Money.of("0.35", "EUR")),
        replace(LINE, reference=None, counterparty_name=None, description="Ünïcode — text", occurrence=2),
        replace(LINE, counterparty_iban="GB82WEST12345698765432", amount=Money.of("1000000.01", "EUR")),
    ]
    made = BankLine.imports(bank, statement, META)
    for line in lines:
        known = line_id(bank, line.line_key)
        together, alone = made.event(line, known), BankLine.imported_event(bank, statement, line, META, known)
        object.__setattr__(alone, "timestamp", together.timestamp)
        assert type(together) is type(alone)
        assert list(vars(together).items()) == list(vars(alone).items())
        assert app.mapper.to_stored_event(together) == app.mapper.to_stored_event(alone)
        folded = together.mutate(None)
        assert isinstance(folded, BankLine) and folded.amount == line.amount


@given(st.text(max_size=80))
def test_a_line_id_derived_in_bulk_is_uuid5s(key: str) -> None:
    bank = uuid4()
    assert line_ids(bank)(key) == line_id(bank, key)
