"""What the statement reader tests share: the demo fixtures, the German CSV mapping, and reading or refusing a file."""

from __future__ import annotations

from pathlib import Path

import pytest

from api.statements import (
    ColumnMapping,
    StatementError,
    read_statement,
)
from ledger.bank_statements import Statement
from ledger.money import Money

FIXTURES = Path(__file__).parent / "fixtures" / "statements"
MAIN, SECOND, THIRD = "GR1601101250000000012300695", "DE89370400440532013000", "DE44500105175407324931"
GERMAN = ColumnMapping(
    date="Buchungstag",
    date_format="%d.%m.%Y",
    value_date="Valuta",
    debit="Soll",
    credit="Haben",
    description=("Verwendungszweck",),
    reference="Kundenreferenz",
    counterparty="Auftraggeber/Empfänger",
    counterparty_iban="IBAN",
    decimal=",",
    thousands=".",
    delimiter=";",
    encoding="cp1252",
    skip_rows=3,
)


def eur(amount: str) -> Money:
    return Money.of(amount, "EUR")


def read(name: str, **options: object) -> Statement:
    return read_statement((FIXTURES / name).read_bytes(), filename=name, **options)  # type: ignore[arg-type]


def refusal(data: bytes, **options: object) -> StatementError:
    with pytest.raises(StatementError) as caught:
        read_statement(data, filename="upload", **options)  # type: ignore[arg-type]
    return caught.value
