"""Books kept elsewhere, brought into Keel (ADR 0035), on SQLite and PostgreSQL: a ledger journal
round trip, opening balances that must balance, open documents that age, forecast and get paid."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict
from datetime import date
from decimal import Decimal
from uuid import UUID

import pytest
from support import table_dump

from api.demo import load_demo
from api.imports.csv_files import open_items, opening_balances
from api.imports.files import ImportFile
from api.imports.ledger_text import journal
from api.settings import Settings
from api.system import Keel
from commands import messages as m
from commands.adapters.postgres import PIPELINE_MAX_BYTES
from commands.audit import verify
from commands.finance import imports as finance_imports
from ledger.errors import InvalidTransition
from ledger.events import Meta
from ledger.imports import ImportRefused
from ledger.invoice import Invoice
from projections.cash.forecasts import forecast
from projections.finance.detail import ageing
from projections.finance.export import journal_lines
from projections.finance.reports import trial_balance

META = Meta("test:import")
END = date(2026, 12, 31)


def tb_digest(keel: Keel, as_of: date = END) -> str:
    """A digest of the trial balance's rows and totals, per currency and valued in the functional one."""
    keel.engine.catch_up()
    rows = []
    for currency in (None, "EUR"):
        tb = trial_balance(keel.views, as_of, None, currency)
        rows.append([asdict(r) for r in tb.rows] + [asdict(t) for t in tb.totals])
    return hashlib.sha256(json.dumps(rows, default=str, sort_keys=True).encode()).hexdigest()


@pytest.fixture(scope="module")
def demo_export(tmp_path_factory: pytest.TempPathFactory) -> tuple[bytes, str]:
    """The demo's journal as `keel export ledger` writes it, and its trial balance's digest."""
    folder = tmp_path_factory.mktemp("demo") / "keel"
    settings = Settings(data_dir=folder, database_url=None, auth="off", _env_file=None)  # type: ignore[call-arg]
    source = Keel.start(settings, follow=False)
    try:
        load_demo(source.app)
        source.engine.catch_up()
        text = "\n".join(journal_lines(source.views, "EUR")) + "\n"
        return text.encode(), tb_digest(source)
    finally:
        source.close()


def test_the_demo_exported_and_imported_into_an_empty_store_has_the_identical_trial_balance(
    keel: Keel, demo_export: tuple[bytes, str]
) -> None:
    data, digest = demo_export
    result = keel.app.handle(journal(ImportFile("demo.ledger", data), META))
    assert tb_digest(keel) == digest
    # … and exported again it is the same journal (but for the events' names and positions)
    again = "\n".join(journal_lines(keel.views, "EUR")) + "\n"
    assert [ln for ln in again.splitlines() if "keel-" not in ln] == [
        ln for ln in data.decode().splitlines() if "keel-" not in ln
    ]
    # the same bytes again are refused, nothing written; forced, they are imported once more
    with pytest.raises(InvalidTransition, match="already imported as journal"):
        keel.app.handle(journal(ImportFile("demo.ledger", data), META))
    assert keel.app.head_position() == result.position
    keel.app.handle(journal(ImportFile("demo.ledger", data), META, force=True))
    assert tb_digest(keel) != digest


def test_a_journal_with_unknown_accounts_and_bad_lines_is_refused_whole(keel: Keel) -> None:
    text = (
        "; functional currency EUR\n\n"
        "2026-01-05 * Fine\n    Assets:1000 Bank  100.00 EUR\n    Equity:3000 Share capital  -100.00 EUR\n\n"
        "2026-01-06 * Unknown account\n    Assets:1010 Bank 2  50.00 EUR\n    Equity:3000 Share capital  -50.00 EUR\n\n"
        "2026-02-30 * Bad date\n    Assets:1000 Bank  1.00 EUR\n    Equity:3000 Share capital  -1.00 EUR\n\n"
        "2026-01-07 * Unbalanced\n    Assets:1000 Bank  10.00 EUR\n    Equity:3000 Share capital  -9.00 EUR\n\n"
        "2026-01-08 * Comma\n    Assets:1000 Bank  10,00 EUR\n    Equity:3000 Share capital  -10.00 EUR\n"
    )
    with pytest.raises(ImportRefused) as refused:
        keel.app.handle(journal(ImportFile("old.ledger", text.encode()), META))
    found = {(p.line, p.field) for p in refused.value.problems}
    assert found == {(8, "account"), (11, "date"), (15, ""), (20, "amount")}
    message = str(refused.value)
    assert "old.ledger:8: account: unknown account code '1010'" in message
    assert "old.ledger:20: amount: '10,00' has a decimal comma" in message
    assert "does not balance" in message
    assert keel.app.head_position() == 0


def test_opening_balances_that_do_not_balance_name_the_difference_and_write_nothing(keel: Keel) -> None:
    csv = b"account,debit,credit,currency\n1000,120000.00,,EUR\n3000,,119500.00,EUR\n"
    with pytest.raises(ImportRefused) as refused:
        keel.app.handle(opening_balances(ImportFile("opening.csv", csv), date(2026, 1, 1), META))
    assert (
        "opening.csv: opening balances do not balance: debits 120,000.00 EUR, credits 119,500.00 EUR,"
        " difference 500.00 EUR"
    ) in str(refused.value)
    assert keel.app.head_position() == 0


def test_opening_balances_refuse_control_accounts_and_point_to_open_items(keel: Keel) -> None:
    csv = b"account,debit,credit,currency\n1100,500.00,,EUR\n3000,,500.00,EUR\n"
    with pytest.raises(
        ImportRefused, match=r"opening.csv:2: account: 1100 is the receivable control account.*open-items"
    ):
        keel.app.handle(opening_balances(ImportFile("opening.csv", csv), date(2026, 1, 1), META))
    assert keel.app.head_position() == 0


OPENING = b"""account,debit,credit,currency,value
1000,50000.00,,EUR,
1000,1000.00,,USD,920.00
3900,16416.00,,EUR,
3900,,2232.00,EUR,
3000,,65104.00,EUR,
"""
ITEMS = b"""kind,party,number,issue_date,due_date,currency,amount,value
invoice,Globex GmbH,RE-2025-0456,2025-11-15,2025-12-15,EUR,12000.00,
invoice,Initech Inc,RE-2025-0470,2025-12-10,2026-01-09,USD,4800.00,4416.00
bill,Pixel Illustration,PX-2025-99,2025-12-20,2026-01-19,EUR,2232.00,
"""


def _start_books(keel: Keel) -> None:
    keel.app.handle(m.AddAccount(meta=META, code="3900", name="Opening balances", type="equity", on=date(2025, 1, 1)))
    keel.app.handle(open_items(ImportFile("items.csv", ITEMS), META, against="3900"))
    keel.app.handle(opening_balances(ImportFile("opening.csv", OPENING), date(2026, 1, 1), META, against="3900"))
    keel.engine.catch_up()


def test_open_items_age_forecast_and_are_paid_like_any_document(keel: Keel) -> None:
    _start_books(keel)
    cutover = date(2026, 1, 1)
    tb = trial_balance(keel.views, cutover, None, "EUR")
    values = {r.account: r.debit - r.credit for r in tb.rows}
    assert values == {
        "1000": Decimal("50920.00"),
        "1100": Decimal("16416.00"),
        "2000": Decimal("-2232.00"),
        "3000": Decimal("-65104.00"),
    }  # the opening-balance account nets to zero once both files are in
    receivables = ageing(keel.views, "receivables", cutover, "EUR")
    due = {(r.number, r.party_name, r.due_date, r.days_overdue, r.open_value) for r in receivables.items}
    assert due == {
        ("RE-2025-0456", "Globex GmbH", date(2025, 12, 15), 17, Decimal("12000.00")),
        ("RE-2025-0470", "Initech Inc", date(2026, 1, 9), 0, Decimal("4416.00")),
    }
    payables = ageing(keel.views, "payables", cutover, "EUR")
    assert [(r.number, r.due_date) for r in payables.items] == [("PX-2025-99", date(2026, 1, 19))]
    expected = forecast(keel.views, cutover, date(2026, 2, 28), "week", "EUR")
    flows = {(i.source, i.document_id and i.due_date, i.amount) for i in expected.items}
    assert flows == {
        ("receivable", date(2025, 12, 15), Decimal("12000.00")),
        ("receivable", date(2026, 1, 9), Decimal("4416.00")),
        ("payable", date(2026, 1, 19), Decimal("-2232.00")),
    }
    # paid by the ordinary commands
    globex = next(UUID(i.document_id) for i in receivables.items if i.number == "RE-2025-0456")
    customer = keel.app.get(Invoice, globex).customer_id
    keel.app.handle(
        m.RecordPayment(
            meta=META,
            customer_id=customer,
            amount="12000.00",
            allocations=(m.AllocationInput(invoice_id=globex, amount="12000.00"),),
            on=date(2026, 1, 5),
        )
    )
    keel.engine.catch_up()
    left = ageing(keel.views, "receivables", date(2026, 1, 5), "EUR")
    assert [r.number for r in left.items] == ["RE-2025-0470"]


def test_open_items_refusals_name_line_and_field(keel: Keel) -> None:
    bad = b"""kind,party,number,issue_date,due_date,currency,amount,value
invoice,Globex GmbH,RE-1,2025-11-15,2025-12-15,EUR,"1.200,00",
credit,Globex GmbH,RE-2,2025-11-15,2025-12-15,EUR,10.00,
invoice,Initech Inc,RE-3,2025-12-10,2026-01-09,USD,4800.00,
invoice,Initech Inc,RE-4,2025-12-10,2025-12-01,EUR,10.00,
invoice,Initech Inc,RE-5,15.12.2025,2025-12-01,EUR,10.00,
invoice,Initech Inc,RE-6,2025-12-10,2026-01-09,EUR,1000000000000.01,
bill,Hooli Ltd,B-7,2025-12-10,3100-01-01,EUR,10.00,
"""
    keel.app.handle(m.AddAccount(meta=META, code="3900", name="Opening balances", type="equity", on=date(2025, 1, 1)))
    before = keel.app.head_position()
    with pytest.raises(ImportRefused) as refused:
        keel.app.handle(open_items(ImportFile("items.csv", bad), META, against="3900"))
    found = {(p.line, p.field) for p in refused.value.problems}
    expected = {(2, "amount"), (3, "kind"), (4, "value"), (5, "due_date"), (6, "issue_date"), (7, "amount")}
    assert found == expected | {(8, "due_date")}  # beyond the money bound, beyond the dates Keel accepts
    keel.engine.catch_up()
    assert table_dump(keel, "invoices") == [] and keel.app.head_position() == before


def test_a_file_of_many_documents_is_one_batch_on_the_hash_chain(keel: Keel) -> None:
    """More events than the PostgreSQL recorder pipelines (commands.adapters.postgres): one
    transaction, every position chained."""
    rows = "".join(f"invoice,Customer {i % 40},RE-{i:05d},2025-12-01,2025-12-31,EUR,{i + 1}.00\n" for i in range(400))
    items = b"kind,party,number,issue_date,due_date,currency,amount\n" + rows.encode()
    keel.app.handle(m.AddAccount(meta=META, code="3900", name="Opening balances", type="equity", on=date(2025, 1, 1)))
    before = keel.app.head_position()
    result = keel.app.handle(open_items(ImportFile("many.csv", items), META, against="3900"))
    assert result.position - before == 40 + 400 * 2 + 2  # customers, drafted and issued, the record, the books
    assert verify(keel.app).ok
    keel.engine.catch_up()
    assert ageing(keel.views, "receivables", date(2026, 1, 1), "EUR").item_count == 400


def test_a_large_open_items_file_refused_on_its_last_line_writes_none_of_its_chunks(keel: Keel) -> None:
    """Open items are appended 2,000 documents at a time in one transaction: a document the domain
    refuses only then (an invoice dated before its hand-entered customer) rolls them all back."""
    keel.app.handle(m.AddAccount(meta=META, code="3900", name="Opening balances", type="equity", on=date(2025, 1, 1)))
    late = keel.app.handle(m.RegisterCustomer(meta=META, name="Late Ltd", on=date(2025, 12, 20))).id
    rows = "".join(f"invoice,Customer {i % 50},RE-{i:05d},2025-12-01,2025-12-31,EUR,{i + 1}.00\n" for i in range(4_500))
    last = f"invoice,{late},RE-LATE,2025-12-01,2025-12-31,EUR,10.00\n"
    items = b"kind,party,number,issue_date,due_date,currency,amount\n" + (rows + last).encode()
    before = keel.app.head_position()
    with pytest.raises(ImportRefused) as refused:
        keel.app.handle(open_items(ImportFile("big.csv", items), META, against="3900"))
    assert [(p.line, p.field) for p in refused.value.problems] == [(4_502, "")]
    assert "before customer Late Ltd was registered" in str(refused.value)
    assert keel.app.head_position() == before and verify(keel.app).ok
    keel.engine.catch_up()
    assert table_dump(keel, "invoices") == []
    # the same file without its last line goes in whole, every position on the chain
    items = b"kind,party,number,issue_date,due_date,currency,amount\n" + rows.encode()
    keel.app.handle(open_items(ImportFile("big.csv", items), META, against="3900"))
    # counted, not subtracted: PostgreSQL's sequence skips the positions the refusal rolled back
    written = keel.app.recorder.select_notifications(start=before + 1, limit=20_000)
    assert len(written) == 50 + 4_500 * 2 + 2
    assert verify(keel.app).ok
    keel.engine.catch_up()
    assert ageing(keel.views, "receivables", date(2026, 1, 1), "EUR").item_count == 4_500


def test_opening_balances_of_thousands_of_lines_are_one_large_event_on_the_chain(
    keel: Keel, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One ImportedEntry far above the PostgreSQL recorder's pipeline bound in bytes: appended in a
    plain transaction (a single multi-megabyte event hung in pipeline mode), chained, folded. (An
    entry of more than ``PART_LINES`` lines is written in parts, ADR 0046: here the bound is raised.)"""
    monkeypatch.setattr(finance_imports, "PART_LINES", 10_000)
    lines = 5_000
    rows = "".join(f"6000,{i + 1}.00,,EUR\n" for i in range(lines))
    total = sum(range(1, lines + 1))
    csv = f"account,debit,credit,currency\n{rows}3000,,{total}.00,EUR\n".encode()
    keel.app.handle(opening_balances(ImportFile("opening.csv", csv), date(2026, 1, 1), META))
    entry = [n for n in keel.app.recorder.select_notifications(start=1, limit=10) if "importedentry" in n.topic]
    assert len(entry) == 1 and len(entry[0].state) > PIPELINE_MAX_BYTES
    assert verify(keel.app).ok
    keel.engine.catch_up()
    tb = trial_balance(keel.views, date(2026, 1, 1), None, "EUR")
    assert {r.account: r.debit - r.credit for r in tb.rows} == {"6000": Decimal(total), "3000": -Decimal(total)}


def test_a_journal_of_more_than_one_chunk_refused_on_its_last_transaction_writes_nothing(keel: Keel) -> None:
    """Journal entries are appended 2,000 at a time: a problem after the first chunk rolls it back."""
    body = "".join(
        f"2026-01-{1 + i % 28:02d} * T{i}\n    Expenses:6000 Expenses  {i + 1}.00 EUR\n"
        f"    Assets:1000 Bank  -{i + 1}.00 EUR\n\n"
        for i in range(2_100)
    )
    bad = "2026-02-01 * Unknown\n    Assets:1010 Bank 2  5.00 EUR\n    Assets:1000 Bank  -5.00 EUR\n"
    head = "; functional currency EUR\n\n"
    with pytest.raises(ImportRefused) as refused:
        keel.app.handle(journal(ImportFile("long.ledger", (head + body + bad).encode()), META))
    assert [(p.line, p.field) for p in refused.value.problems] == [(2 + 2_100 * 4 + 2, "account")]
    assert keel.app.head_position() == 0
    keel.app.handle(journal(ImportFile("long.ledger", (head + body).encode()), META))
    assert verify(keel.app).ok
    keel.engine.catch_up()
    tb = trial_balance(keel.views, date(2026, 1, 31), None, "EUR")
    total = Decimal(sum(range(1, 2_101)))
    assert {r.account: r.debit - r.credit for r in tb.rows} == {"6000": total, "1000": -total}


def test_a_customers_id_named_as_a_bills_party_is_refused_on_that_line(keel: Keel) -> None:
    keel.app.handle(m.AddAccount(meta=META, code="3900", name="Opening balances", type="equity", on=date(2025, 1, 1)))
    acme = keel.app.handle(m.RegisterCustomer(meta=META, name="Acme", on=date(2025, 1, 1))).id
    items = (
        "kind,party,number,issue_date,due_date,currency,amount\n"
        f"invoice,{acme},RE-1,2025-12-01,2025-12-31,EUR,10.00\n"
        f"bill,{acme},B-1,2025-12-01,2025-12-31,EUR,10.00\n"
    ).encode()
    before = keel.app.head_position()
    with pytest.raises(ImportRefused) as refused:
        keel.app.handle(open_items(ImportFile("mixed.csv", items), META, against="3900"))
    assert [(p.line, p.field) for p in refused.value.problems] == [(3, "party")]
    assert "names no supplier" in str(refused.value) and keel.app.head_position() == before
