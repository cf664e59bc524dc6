"""A statement of several chunks (ADR 0034, 0036) on SQLite and PostgreSQL: appended line event by
line event in one transaction, chained, folded by the bank read model; a bad last line writes nothing."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from support import table_dump

from api.bank import bank_account, import_statement
from api.system import Keel
from commands import messages as m
from commands.audit import verify
from ledger.errors import InvalidValue
from ledger.events import Meta

META = Meta("test:bulk")
MAPPING = '{"date": "Date", "date_format": "%d.%m.%Y", "amount": "Amount", "description": ["Text"], "delimiter": ";"}'
LINES = 4_500  # more than two chunks of 2,000


def _csv(lines: int, last: str = "") -> bytes:
    day = date(2026, 3, 1)
    rows = [f"{day + timedelta(days=i % 60):%d.%m.%Y};Transfer {i};{i % 500 + 1}.25" for i in range(lines)]
    return ("Date;Text;Amount\n" + "\n".join(rows) + "\n" + last).encode()


@pytest.fixture
def bank(keel: Keel) -> Keel:
    keel.app.handle(m.AddAccount(meta=META, code="1010", name="Bank 2", type="asset", subtype="bank"))
    keel.app.handle(m.OpenBankAccount(meta=META, name="Bulk", account="1010"))
    keel.app.handle(m.SaveCsvMapping(meta=META, name="bulk", settings=MAPPING))
    keel.engine.catch_up()
    return keel


def test_a_statement_of_several_chunks_is_chained_and_folded_line_by_line(bank: Keel) -> None:
    account = bank_account(bank, "Bulk")
    done = import_statement(bank, account, io.BytesIO(_csv(LINES)), META, filename="s.csv", mapping="bulk")
    assert done.new_lines == LINES
    assert verify(bank.app).ok
    bank.engine.catch_up()
    assert len(table_dump(bank, "bank_lines")) == LINES


def test_a_statement_whose_last_line_is_bad_writes_none_of_its_chunks(bank: Keel) -> None:
    account = bank_account(bank, "Bulk")
    before = bank.app.head_position()
    with pytest.raises(InvalidValue, match=r"31\.02\.2026"):
        import_statement(
            bank, account, io.BytesIO(_csv(LINES, "31.02.2026;Bad;1.00\n")), META, filename="s.csv", mapping="bulk"
        )
    assert bank.app.head_position() == before and verify(bank.app).ok
    bank.engine.catch_up()
    assert table_dump(bank, "bank_lines") == []
