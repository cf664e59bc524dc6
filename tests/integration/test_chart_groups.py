"""Account groups and declared accounts (ADR 0038), on SQLite and PostgreSQL: books started on the
minimal chart record an expense in a default category; an account of their own, posted to by a
payment, is declared by the export and created by the import into an empty store, with the same
trial balance; a group added later and an account moved under it show in reports known since,
not before."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import asdict
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from support import invoice, register

from api.imports.files import ImportFile
from api.imports.ledger_text import journal
from api.settings import Settings
from api.system import Keel
from commands import messages as m
from commands.adapters.clock import SetClock
from ledger.events import Meta
from ledger.imports import ImportRefused
from projections.finance.chart import accounts_at
from projections.finance.export import journal_lines
from projections.finance.reports import balance_sheet, profit_and_loss, trial_balance

META = Meta("test:groups")
JAN = date(2026, 1, 1)
BANK2 = "Bank — second account"


@pytest.fixture
def minimal(tmp_path: Path) -> Iterator[Keel]:
    """Books on the minimal chart with 1010 of their own, a payment received on it."""
    settings = Settings(data_dir=tmp_path / "src", database_url=None, auth="off", _env_file=None)
    source = Keel.start(settings, follow=False)
    try:
        source.app.handle(m.InitBooks(meta=META, on=JAN, template="minimal"))
        add = m.AddAccount(meta=META, on=JAN, code="1010", name=BANK2, type="asset", subtype="bank", parent="10")
        source.app.handle(add)
        customer = register(source)
        bill = invoice(source, customer, "1000.00", date(2026, 1, 10))
        allocations = (m.AllocationInput(invoice_id=bill, amount="1240.00"),)
        payment = m.RecordPayment(
            meta=META, customer_id=customer, amount="1240.00", allocations=allocations, bank_account="1010"
        )
        source.app.handle(payment)
        yield source
    finally:
        source.close()


def tb_digest(keel: Keel) -> str:
    """The trial balance's rows and totals, per currency and valued, as test_imports digests them."""
    keel.engine.catch_up()
    rows = []
    for currency in (None, "EUR"):
        tb = trial_balance(keel.views, date(2026, 12, 31), None, currency)
        rows.append([asdict(r) for r in tb.rows] + [asdict(t) for t in tb.totals])
    return hashlib.sha256(json.dumps(rows, default=str, sort_keys=True).encode()).hexdigest()


def export(keel: Keel) -> bytes:
    keel.engine.catch_up()
    return ("\n".join(journal_lines(keel.views, "EUR")) + "\n").encode()


def test_books_on_the_minimal_chart_record_an_expense_in_a_default_category(minimal: Keel) -> None:
    app = minimal.app
    app.handle(m.DefineCostCenter(meta=META, code="OPS", name="Operations", manager="Maria"))
    claim = m.ClaimInput(
        category="travel",
        description="Train",
        amount="124.00",
        receipt_reference="R1",
        cost_center="OPS",
        tax_rate="24",
    )
    claim_id = app.handle(m.SubmitExpenseClaim(meta=Meta("Nikos"), claim=claim)).id
    app.handle(m.ApproveExpenseClaim(meta=Meta("Maria"), claim_id=claim_id))
    minimal.engine.catch_up()
    tb = trial_balance(minimal.views, date(2026, 12, 31))
    rows = {r.account: r for r in tb.rows}
    assert tb.balanced and rows["6000"].debit == rows["2500"].credit - rows["1200"].debit
    assert rows["6000"].name == "Expenses" and rows["6000"].group == "60"


def test_an_account_of_its_own_round_trips_through_the_journal_into_an_empty_store(minimal: Keel, keel: Keel) -> None:
    data = export(minimal)
    text = data.decode()
    assert "; chart minimal" in text.splitlines()[0]
    assert f"account Assets:1010 {BANK2}  ; type:Asset, subtype:bank, parent:10" in text
    keel.app.handle(journal(ImportFile("minimal.ledger", data), META))
    assert tb_digest(keel) == tb_digest(minimal)
    keel.engine.catch_up()
    with keel.views.read() as cur:
        chart = accounts_at(cur, date(2026, 12, 31), None)
    assert (chart["1010"].name, chart["1010"].parent, chart["10"].subtype) == (BANK2, "10", "group")
    assert chart["4000"].name == "Revenue"  # the minimal chart's name: the store started from the file's template
    # exported again, the same journal but for the events' names and positions
    again = export(keel).decode().splitlines()
    assert [ln for ln in again if "keel-" not in ln] == [ln for ln in text.splitlines() if "keel-" not in ln]


def test_a_declared_account_of_another_type_is_refused_on_its_line_and_nothing_is_written(keel: Keel) -> None:
    text = (
        "; Keel general ledger; functional currency EUR; chart services-eu\n\n"
        "account Assets:1010 Bank 2  ; type:Asset, subtype:bank, parent:10\n"
        "account Assets:4000 Not revenue  ; type:Asset\n"
        "account Liabilities:1020 Odd  ; type:Liability, parent:10\n\n"
        "2026-01-05 * Fine\n    Assets:1010 Bank 2  100.00 EUR\n    Equity:3000 Share capital  -100.00 EUR\n"
    )
    with pytest.raises(ImportRefused) as refused:
        keel.app.handle(journal(ImportFile("odd.ledger", text.encode()), META))
    found = {(p.line, p.field) for p in refused.value.problems}
    assert found == {(4, "type"), (5, "parent")}
    assert "account 4000 is income in this chart (Service revenue); the file declares it asset" in str(refused.value)
    assert keel.app.head_position() == 0
    # without the wrong ones, 1010 is created and posted to in one commit
    fine = text.replace("account Assets:4000 Not revenue  ; type:Asset\n", "").replace(
        "account Liabilities:1020 Odd  ; type:Liability, parent:10\n", ""
    )
    keel.app.handle(journal(ImportFile("fine.ledger", fine.encode()), META))
    keel.engine.catch_up()
    rows = {r.account: r for r in trial_balance(keel.views, date(2026, 1, 31)).rows}
    assert (rows["1010"].name, rows["1010"].debit, rows["1010"].group) == ("Bank 2", Decimal("100.00"), "10")


def test_a_group_added_later_shows_in_reports_known_since_and_as_of_its_date(keel: Keel) -> None:
    app = keel.app
    clock = SetClock(datetime(2026, 3, 1, 9, tzinfo=UTC))
    app.log_clock = clock
    app.handle(
        m.PostJournalEntry(
            meta=META,
            on=date(2026, 3, 1),
            memo="Capital",
            lines=(m.EntryLineInput(account="1000", debit="500.00"), m.EntryLineInput(account="3000", credit="500.00")),
        )
    )
    keel.engine.catch_up()
    clock.set(datetime(2026, 9, 2, 9, tzinfo=UTC))
    before = datetime(2026, 9, 1, tzinfo=UTC)
    app.handle(m.AddAccount(meta=META, on=date(2026, 9, 1), code="12", name="Liquid", type="asset", subtype="group"))
    app.handle(m.MoveAccount(meta=META, on=date(2026, 9, 1), code="10", parent="12"))
    keel.engine.catch_up()
    now = trial_balance(keel.views, date(2026, 9, 30))
    nested = [(g.group, g.parent, g.depth, g.debit) for g in now.groups if g.type == "asset"]
    assert nested == [("12", None, 0, Decimal("500.00")), ("10", "12", 1, Decimal("500.00"))]
    assert [(g.group, g.depth) for g in trial_balance(keel.views, date(2026, 8, 31)).groups][:1] == [("10", 0)]
    known_before = trial_balance(keel.views, date(2026, 9, 30), before)
    assert [g.group for g in known_before.groups if g.type == "asset"] == ["10"]
    bs = balance_sheet(keel.views, date(2026, 9, 30), "EUR")
    assert [(g.group, g.amount) for g in bs.groups if g.type == "asset"] == [
        ("12", Decimal("500.00")),
        ("10", Decimal("500.00")),
    ]
    pl = profit_and_loss(keel.views, date(2026, 1, 1), date(2026, 12, 31), "EUR")
    assert pl.groups == []
