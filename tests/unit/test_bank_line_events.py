"""A statement's lines are appended as their creating events alone (no aggregate each): the same
events ``BankLine.imported`` records, topic and fields, read back by the ordinary fold."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from uuid import uuid4

import pytest
from eventsourcing.utils import get_topic

from ledger.bank_lines import BankLine
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
