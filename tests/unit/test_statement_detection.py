"""One way in for every statement format (issue 18): the format detected from the bytes, lines streamed with their
statement's end, IBANs and line keys checked."""

from __future__ import annotations

from datetime import date

import pytest
from statement_files import FIXTURES, MAIN, SECOND, eur, read

from api.statements import (
    detect_format,
    iter_statement,
)
from ledger.bank_statements import Statement, StatementLine, check_iban
from ledger.errors import InvalidValue

# -- detection and the values ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("camt053_v02_demo.xml", "camt053"),
        ("camt053_v08_demo.xml", "camt053"),
        ("ofx1_demo.ofx", "ofx"),
        ("ofx2_demo.ofx", "ofx"),
        ("csv_demo_de.csv", "csv"),
    ],
)
def test_the_format_is_detected_from_the_bytes(name: str, kind: str) -> None:
    assert detect_format((FIXTURES / name).read_bytes()[:4096]) == kind


def test_iter_statement_streams_lines_then_the_statement_end_with_their_sum() -> None:
    parts = list(iter_statement((FIXTURES / "camt053_v02_demo.xml").open("rb")))
    *lines, end = parts
    assert all(isinstance(line, StatementLine) for line in lines)
    assert (end.line_count, end.lines_total, end.balance_difference()) == (7, eur("9334.90"), eur("0.00"))  # type: ignore[union-attr]


def test_a_statement_whose_balances_disagree_reports_the_difference() -> None:
    good = read("camt053_v02_demo.xml")
    off = Statement(
        good.account, "EUR", good.lines[1:], opening_balance=good.opening_balance, closing_balance=good.closing_balance
    )
    assert off.balance_difference() == eur("-5555.20")


def test_an_iban_is_checked_by_length_and_mod_97() -> None:
    assert check_iban("gr16 0110 1250 0000 0001 2300 695") == MAIN
    with pytest.raises(InvalidValue, match="check digits do not match"):
        check_iban("DE89370400440532013001")
    with pytest.raises(InvalidValue, match="an IBAN of DE has 22 characters"):
        check_iban("DE8937040044053201300")


def test_a_line_key_comes_from_the_bank_reference_else_from_what_the_line_says() -> None:
    base = StatementLine(account=MAIN, booking_date=date(2026, 10, 1), amount=eur("10.00"), description="x")
    assert (
        base.line_key
        == StatementLine(account=MAIN, booking_date=date(2026, 10, 1), amount=eur("10.0"), description="x").line_key
    )
    assert (
        base.line_key
        != StatementLine(
            account=MAIN, booking_date=date(2026, 10, 1), amount=eur("10.00"), description="x", occurrence=1
        ).line_key
    )
    with_ref = StatementLine(account=MAIN, booking_date=date(2026, 10, 1), amount=eur("10.00"), bank_reference="R1")
    assert (
        with_ref.line_key
        == StatementLine(
            account=MAIN, booking_date=date(2026, 10, 2), amount=eur("99.00"), bank_reference="R1"
        ).line_key
    )
    assert (
        with_ref.line_key
        != StatementLine(
            account=SECOND, booking_date=date(2026, 10, 1), amount=eur("10.00"), bank_reference="R1"
        ).line_key
    )


def test_a_line_is_bounded_by_the_input_policy() -> None:
    with pytest.raises(InvalidValue, match="description: at most 500 characters"):
        StatementLine(account=MAIN, booking_date=date(2026, 10, 1), amount=eur("1.00"), description="x" * 501)
    with pytest.raises(InvalidValue, match="larger than Keel accepts"):
        StatementLine(account=MAIN, booking_date=date(2026, 10, 1), amount=eur("1000000000000000"))
    with pytest.raises(InvalidValue, match="booking_date"):
        StatementLine(account=MAIN, booking_date=date(1800, 1, 1), amount=eur("1.00"))
