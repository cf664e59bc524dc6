"""A list of values inside an event (a journal's lines) is decided inline when every field passes,
and the long way otherwise, with the same error naming the path (ADR 0050)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from uuid import uuid4

import pytest

from ledger.errors import InvalidValue
from ledger.journal import JournalLine
from ledger.payment import Allocation
from ledger.policy import MAX_DECIMAL, check_event, rule_for


@dataclass(frozen=True)
class Posted:
    journal: list[JournalLine]
    allocations: list[Allocation]


def line(**changes: object) -> JournalLine:
    fields: dict[str, object] = {"account": "1010", "amount": Decimal("10.00"), "currency": "EUR"}
    fields.update(functional=Decimal("10.00"), party_id=str(uuid4()), memo="Payment R-1", role="bank")
    fields.update(changes)
    return JournalLine(**fields)  # type: ignore[arg-type]


def test_common_lines_and_allocations_pass_twice_in_a_row() -> None:
    event = Posted([line(), line(amount=Decimal("-10.00"))], [Allocation(uuid4(), Decimal("10.00"))])
    check_event(event)
    check_event(event)  # the second time through the plans made by the first


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"memo": "x" * (rule_for("memo").max_length + 1)}, "journal[1].memo: at most"),
        ({"memo": "Payment\x07"}, "journal[1].memo: control character U+0007"),
        ({"amount": MAX_DECIMAL}, "journal[1].amount: 1000000000000000 is outside the accepted range"),
        ({"functional": Decimal("NaN")}, "journal[1].functional: NaN is outside the accepted range"),
        ({"party_id": 1.5}, "journal[1].party_id: a float is not accepted"),
    ],
)
def test_a_value_outside_the_policy_in_a_later_line_is_refused_naming_its_path(
    changes: dict[str, object], message: str
) -> None:
    check_event(Posted([line()], []))  # the plans exist: the inline path is taken
    with pytest.raises(InvalidValue, match=re.escape(message)):
        check_event(Posted([line(), line(**changes)], []))


def test_a_text_outside_ascii_within_the_rules_passes_the_long_way() -> None:
    check_event(Posted([line(memo="Zahlung für Rechnung 7")], []))
