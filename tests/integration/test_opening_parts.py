"""Opening balances written in parts (ADR 0046), on SQLite and PostgreSQL: an entry of more lines
than a part holds is ``Begun`` + ``Continued`` events in one transaction, balancing only as a
whole; the read models report it exactly as the one-event form (``Posted.v1``, which stores made
before parts hold for entries of any size); an unbalanced file writes nothing."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from api.imports.csv_files import opening_balances
from api.imports.files import ImportFile
from api.system import Keel
from commands import messages as m
from commands.audit import verify
from commands.finance import imports as finance_imports
from ledger.events import Meta
from ledger.imports import ImportRefused
from projections.finance.export import journal_lines
from projections.finance.reports import trial_balance

META = Meta("test:import")
DAY = date(2026, 1, 1)
EXPENSES = ("6000", "6700", "6800")


def _file(lines: int, off: int = 0) -> bytes:
    """``lines`` debits on a few accounts (every seventh in USD, with its EUR value), then the
    equity that balances them in value (``off`` cents short)."""
    rows = ["account,debit,credit,currency,value,party,document"]
    total = 0
    for i in range(lines):
        cents = 100 + (i * 7_919) % 90_000
        amount = f"{cents // 100}.{cents % 100:02d}"
        if i % 7 == 0:
            worth = cents * 9 // 10
            rows.append(f"1000,{amount},,USD,{worth // 100}.{worth % 100:02d},,")
            total += worth
        else:
            rows.append(f"{EXPENSES[i % 3]},{amount},,EUR,,p{i % 50},d{i}")
            total += cents
    total -= off
    rows.append(f"3000,,{total // 100}.{total % 100:02d},EUR,,,")
    return ("\n".join(rows) + "\n").encode()


def _import(keel: Keel, data: bytes, on: date) -> None:
    keel.app.handle(opening_balances(ImportFile("opening.csv", data), on, META, against="3900", force=True))


def _topics(keel: Keel) -> list[str]:
    found = keel.app.recorder.select_notifications(start=1, limit=1_000)
    return [n.topic for n in found if "importedentry" in n.topic]


def _balances(keel: Keel, as_of: date) -> dict[tuple[str | None, str], Decimal]:
    """Every account's balance as of a day: valued, and per currency."""
    keel.engine.catch_up()
    found = {}
    for currency in (None, "EUR", "USD"):
        for r in trial_balance(keel.views, as_of, None, currency).rows:
            found[currency, r.account] = r.debit - r.credit
    return found


@pytest.fixture
def books(keel: Keel) -> Keel:
    keel.app.handle(m.AddAccount(meta=META, code="3900", name="Opening balances", type="equity", on=date(2025, 1, 1)))
    return keel


def test_an_entry_in_parts_reports_what_the_same_entry_in_one_event_reports(
    books: Keel, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The one-event form first (as stores hold it for entries of any size written before parts),
    then the same bytes in parts a day later: the second day's balances are twice the first's."""
    data = _file(130)  # 131 lines and 2 conversion lines
    monkeypatch.setattr(finance_imports, "PART_LINES", 10_000)
    _import(books, data, DAY)
    assert _topics(books) == ["keel.importedentry.Posted.v1"]
    once = _balances(books, DAY)
    monkeypatch.setattr(finance_imports, "PART_LINES", 25)
    _import(books, data, DAY + timedelta(days=1))
    assert _topics(books)[1:] == ["keel.importedentry.Begun.v1"] + ["keel.importedentry.Continued.v1"] * 5
    assert verify(books.app).ok
    twice = _balances(books, DAY + timedelta(days=1))
    assert twice == {k: 2 * v for k, v in once.items()}
    assert _balances(books, DAY) == once
    assert trial_balance(books.views, DAY + timedelta(days=1), None, None).balanced
    # The export writes each entry as one balanced transaction.
    text = list(journal_lines(books.views, "EUR"))
    assert [t[:10] for t in text if t.startswith("2026-01-0")] == ["2026-01-01", "2026-01-02"]
    assert not any("keel-event: keel.importedentry.Continued.v1" in t for t in text)


@pytest.mark.parametrize("lines", [49, 50, 51])
def test_the_last_part_takes_what_is_left_and_the_conversion_lines(
    books: Keel, monkeypatch: pytest.MonkeyPatch, lines: int
) -> None:
    """Parts of 25 lines: the conversion lines (2) may fill a part of their own or spill over."""
    monkeypatch.setattr(finance_imports, "PART_LINES", 25)
    _import(books, _file(lines - 1), DAY)  # ``lines`` rows, 2 conversion lines
    assert len(_topics(books)) == -(-(lines + 2) // 25)
    books.engine.catch_up()
    assert trial_balance(books.views, DAY, None, None).balanced
    assert verify(books.app).ok


def test_an_unbalanced_file_of_many_parts_is_refused_whole_and_writes_nothing(
    books: Keel, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(finance_imports, "PART_LINES", 25)
    head = books.app.head_position()
    with pytest.raises(ImportRefused, match=r"opening balances do not balance: .* difference 0.01 EUR"):
        _import(books, _file(130, off=1), DAY)
    assert books.app.head_position() == head
