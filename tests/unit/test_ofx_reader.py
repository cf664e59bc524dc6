"""OFX statements (issue 18): OFX 1 and 2 read the same lines, and a bad or truncated file is refused naming its
line and element."""

from __future__ import annotations

from datetime import date

import pytest
from statement_files import FIXTURES, SECOND, eur, read, refusal

from api.statements import (
    StatementError,
    read_statement,
)

# -- OFX --------------------------------------------------------------------------------------------


def test_the_demo_ofx_1_sgml_statement_reads_its_transactions_and_ledger_balance() -> None:
    statement = read("ofx1_demo.ofx")
    assert (statement.account, statement.currency, statement.source_format) == (SECOND, "EUR", "ofx-1")
    assert [line.amount for line in statement.lines] == [
        eur(a) for a in ("860.00", "-45.90", "3234.10", "-4.00", "420.00")
    ]
    helios = statement.lines[0]
    assert (helios.counterparty_name, helios.bank_reference, helios.booking_date) == (
        "Helios Foods",
        "202610030001",
        date(2026, 10, 3),
    )
    assert "INV-2026-0009" in helios.description
    assert statement.lines[2].reference == "NW-TRANSFER-1008"
    assert statement.closing_balance == eur("14464.20") and statement.opening_balance is None
    assert statement.balance_difference() is None


def test_ofx_2_xml_reads_the_same_lines_as_ofx_1() -> None:
    assert read("ofx2_demo.ofx").lines == read("ofx1_demo.ofx").lines


def test_a_truncated_ofx_file_is_refused_naming_the_unclosed_transaction() -> None:
    with pytest.raises(
        StatementError, match=r"hostile_truncated.ofx line \d+: .*ends inside <STMTTRN> opened on line 57"
    ):
        read("hostile_truncated.ofx")


def ofx_with(transaction: str) -> bytes:
    text = (FIXTURES / "ofx1_demo.ofx").read_text()
    start = text.index("<STMTTRN>")
    return (text[:start] + "<STMTTRN>\r\n" + transaction + "\r\n</STMTTRN>\r\n" + text[start:]).encode()


@pytest.mark.parametrize(
    ("transaction", "message"),
    [
        ("<DTPOSTED>20261003<TRNAMT>1,234.56<FITID>X1", "TRNAMT: '1,234.56' is not an amount"),
        ("<DTPOSTED>2026-10-03<TRNAMT>1.00<FITID>X1", "DTPOSTED: '2026-10-03' is not a date"),
        ("<DTPOSTED>20261003<FITID>X1", "TRNAMT: missing amount"),
        ("<DTPOSTED>20261003<TRNAMT>1.00<NAME>A\x00B", "control character U+0000"),
    ],
)
def test_a_bad_ofx_value_is_refused_naming_its_line_and_element(transaction: str, message: str) -> None:
    error = refusal(ofx_with(transaction))
    assert str(error).startswith(("upload line 39:", "upload line 40:")) and message in str(error)


def test_an_ofx_amount_with_a_decimal_comma_is_read() -> None:
    statement = read_statement(ofx_with("<DTPOSTED>20261003<TRNAMT>-12,50<FITID>X1"))
    assert statement.lines[0].amount == eur("-12.50")
