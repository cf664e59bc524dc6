"""CSV statements (issue 18): a bank's export read by its saved column mapping (decimal commas, debit/credit
columns), and a bad row refused naming line and column."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from statement_files import GERMAN, THIRD, read, refusal

from api.statements import (
    ColumnMapping,
    StatementError,
)
from ledger.errors import InvalidValue

# -- CSV --------------------------------------------------------------------------------------------


def test_a_german_csv_export_reads_decimal_commas_thousands_and_debit_credit_columns() -> None:
    statement = read("csv_demo_de.csv", mapping=GERMAN, account="DE44 5001 0517 5407 3249 31", currency="EUR")
    assert statement.account == THIRD and statement.source_format == "csv"
    assert [line.amount.amount for line in statement.lines] == [
        Decimal(a) for a in ("4060.00", "5535.20", "-182.40", "1250.00", "-4.50", "-4.50", "-9.90")
    ]
    assert statement.lines[2].counterparty_name == "Stadtwerke Köln"  # cp1252
    assert statement.lines[0].counterparty_iban == "GB82WEST12345698765432"
    assert (statement.from_date, statement.to_date) == (date(2026, 10, 2), date(2026, 10, 14))


def test_identical_csv_lines_on_one_day_get_distinct_keys_that_a_reimport_repeats() -> None:
    first = read("csv_demo_de.csv", mapping=GERMAN, account=THIRD, currency="EUR")
    coffee = [line for line in first.lines if line.counterparty_name == "Café Müller"]
    assert [line.occurrence for line in coffee] == [0, 1] and coffee[0].line_key != coffee[1].line_key
    again = read("csv_demo_de.csv", mapping=GERMAN, account=THIRD, currency="EUR")
    assert [line.line_key for line in again.lines] == [line.line_key for line in first.lines]


def test_a_csv_amount_with_two_decimal_separators_is_refused_with_its_line() -> None:
    mapping = ColumnMapping(
        date="Buchungstag", date_format="%d.%m.%Y", amount="Betrag", decimal=",", thousands=".", delimiter=";"
    )
    with pytest.raises(StatementError, match=r"line 3: Betrag: '12.345,6.7' is not an amount written 1.234,56"):
        read("hostile_bad_amount.csv", mapping=mapping, account=THIRD, currency="EUR")


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("31.02.2026;x;1,00", "line 2: Datum: '31.02.2026' is not a date in the format %d.%m.%Y"),
        ("01.02.2026;x;1.00", "line 2: Betrag: '1.00' is not an amount written 1234,56"),
        ("01.02.2026;x;", "line 2: Betrag: missing amount"),
        ("01.02.2026;x", "line 2: Betrag: the row has 2 columns"),
    ],
)
def test_a_bad_csv_row_is_refused_naming_line_and_column(row: str, message: str) -> None:
    mapping = ColumnMapping(
        date="Datum", date_format="%d.%m.%Y", amount="Betrag", description=("Text",), decimal=",", delimiter=";"
    )
    error = refusal(f"Datum;Text;Betrag\n{row}\n".encode(), mapping=mapping, account=THIRD, currency="EUR")
    assert message in str(error)


def test_a_csv_mapping_naming_a_missing_column_is_refused_with_the_header() -> None:
    mapping = ColumnMapping(date="Date", amount="Amount")
    error = refusal(b"Datum,Betrag\n2026-10-01,1.00\n", format="csv", mapping=mapping, account=THIRD, currency="EUR")
    assert "line 1: Date: no column 'Date' in the header (it has 'Datum', 'Betrag')" in str(error)


def test_a_csv_needs_a_mapping_an_account_and_a_currency() -> None:
    assert "needs a column mapping" in str(refusal(b"a,b\n1,2\n"))
    assert "give both" in str(refusal(b"a,b\n1,2\n", mapping=ColumnMapping(date="a", amount="b")))


def test_a_column_mapping_that_contradicts_itself_is_refused() -> None:
    with pytest.raises(InvalidValue, match="either an amount column or debit and credit"):
        ColumnMapping(date="d", amount="a", debit="s", credit="h")
    with pytest.raises(InvalidValue, match="thousands separator"):
        ColumnMapping(date="d", amount="a", decimal=",", thousands=",")
