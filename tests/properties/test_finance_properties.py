"""Invariants of the finance core over random histories: invoices in two currencies, payments
with fees and FX, credit notes, write-offs, un-allocations, customer credit, bills, expense
claims, manual entries and period closes. Refused commands must write nothing."""

from __future__ import annotations

import contextlib
import tempfile
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from uuid import UUID

from hypothesis import given
from hypothesis import strategies as st

from api.settings import Settings
from api.system import Keel
from commands import messages as m
from ledger.errors import DomainError
from ledger.events import Meta
from projections.catalog import default_projections
from projections.engine.db import ViewDatabase
from projections.engine.engine import ProjectionEngine
from projections.finance.detail import ageing
from projections.finance.reports import balance_sheet, profit_and_loss, trial_balance

START = date(2026, 1, 1)
META = Meta("prop")
F = "EUR"

amount = st.integers(min_value=1, max_value=300_000).map(lambda c: f"{Decimal(c) / 100:.2f}")
rate = st.sampled_from(["0.85", "0.9", "1.1", "0.9137"])
day = st.integers(0, 120)
pick = st.integers(0, 40)
op = st.one_of(
    st.tuples(
        st.just("invoice"), st.integers(0, 2), amount, st.sampled_from(["0", "13", "24"]), st.booleans(), rate, day
    ),
    st.tuples(
        st.just("pay"), st.integers(0, 2), amount, st.lists(pick, max_size=2), rate, st.sampled_from(["0", "1.50"]), day
    ),
    st.tuples(st.just("credit"), pick, amount, day),
    st.tuples(st.just("write_off"), pick, day),
    st.tuples(st.just("unallocate"), pick, pick, amount, day),
    st.tuples(st.just("apply_credit"), pick, amount, day),
    st.tuples(st.just("refund"), st.integers(0, 2), amount, rate, day),
    st.tuples(st.just("bill"), amount, st.sampled_from(["EUR", "USD"]), rate, day),
    st.tuples(st.just("pay_bill"), pick, rate, day),
    st.tuples(st.just("claim"), amount, st.booleans(), day),
    st.tuples(st.just("accrual"), amount, day),
    st.tuples(st.just("close"), day),
)
histories = st.lists(op, min_size=1, max_size=30)


@contextmanager
def fresh_keel() -> Iterator[Keel]:
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(data_dir=Path(tmp), database_url=None, _env_file=None)  # type: ignore[call-arg]
        keel = Keel.start(settings, follow=False)
        try:
            yield keel
        finally:
            keel.close()


class World:
    """Ids the random history can refer to, and the close snapshots it must preserve."""

    def __init__(self, keel: Keel) -> None:
        self.keel = keel
        h = keel.app.handle
        self.customers = [
            h(m.RegisterCustomer(meta=META, name=n, currency=c, on=START)).id
            for n, c in (("Acme", "EUR"), ("Globex", "EUR"), ("Initech", "USD"))
        ]
        self.currency = {self.customers[0]: "EUR", self.customers[1]: "EUR", self.customers[2]: "USD"}
        self.supplier = h(m.RegisterSupplier(meta=META, name="Pixel", on=START)).id
        h(m.DefineCostCenter(meta=META, code="OPS", name="Ops", manager="olaf", on=START))
        self.invoices: list[tuple[UUID, UUID]] = []  # (invoice, customer)
        self.payments: list[UUID] = []
        self.bills: list[tuple[UUID, str]] = []
        self.claims = 0
        self.closes: list[tuple[date, tuple[Any, ...]]] = []

    def run(self, history: list[tuple[Any, ...]]) -> None:
        for step in history:
            with contextlib.suppress(DomainError):  # refused: handle() checked it wrote nothing
                self.apply(step)

    def handle(self, command: m.Command) -> m.CommandResult:
        head = self.keel.app.head_position()
        try:
            return self.keel.app.handle(command)
        except DomainError:
            assert self.keel.app.head_position() == head, f"refused {command} but wrote events"
            raise

    def _rate(self, currency: str, r: str) -> str | None:
        return None if currency == F else r

    def apply(self, step: tuple[Any, ...]) -> None:
        h = self.handle
        kind, on = step[0], START + timedelta(days=step[-1])
        if kind == "invoice":
            _, who, net, tax, inclusive, r, _ = step
            customer = self.customers[who]
            line = m.LineInput(description="Work", quantity="1", unit_price=net, tax_rate=tax, tax_inclusive=inclusive)
            inv = h(m.DraftInvoice(meta=META, customer_id=customer, lines=(line,), on=on)).id
            self.invoices.append((inv, customer))
            h(m.IssueInvoice(meta=META, invoice_id=inv, rate=self._rate(self.currency[customer], r), on=on))
        elif kind == "pay":
            _, who, amt, picks, r, fee, _ = step
            customer = self.customers[who]
            mine = [i for i, c in self.invoices if c == customer]
            allocs = tuple({mine[p % len(mine)]: None for p in picks}) if mine else ()
            share = f"{Decimal(amt) / max(len(allocs), 1) / 2:.2f}"
            result = h(
                m.RecordPayment(
                    meta=META,
                    customer_id=customer,
                    amount=amt,
                    rate=self._rate(self.currency[customer], r),
                    bank_fee=fee,
                    allocations=tuple(m.AllocationInput(invoice_id=i, amount=share) for i in allocs),
                    on=on,
                )
            )
            self.payments.append(result.id)
        elif kind == "credit" and self.invoices:
            inv, _ = self.invoices[step[1] % len(self.invoices)]
            line = m.LineInput(description="Credit", quantity="1", unit_price=step[2], tax_rate="0")
            h(m.IssueCreditNote(meta=META, invoice_id=inv, reason="r", lines=(line,), on=on))
        elif kind == "write_off" and self.invoices:
            h(
                m.WriteOffInvoice(
                    meta=META, invoice_id=self.invoices[step[1] % len(self.invoices)][0], reason="r", on=on
                )
            )
        elif kind == "unallocate" and self.payments and self.invoices:
            payment = self.payments[step[1] % len(self.payments)]
            inv = self.invoices[step[2] % len(self.invoices)][0]
            h(m.UnallocatePayment(meta=META, payment_id=payment, invoice_id=inv, amount=step[3], on=on))
        elif kind == "apply_credit" and self.invoices:
            inv, customer = self.invoices[step[1] % len(self.invoices)]
            h(m.ApplyCustomerCredit(meta=META, customer_id=customer, invoice_id=inv, amount=step[2], on=on))
        elif kind == "refund":
            customer = self.customers[step[1]]
            h(
                m.RefundCustomerCredit(
                    meta=META,
                    customer_id=customer,
                    amount=step[2],
                    rate=self._rate(self.currency[customer], step[3]),
                    on=on,
                )
            )
        elif kind == "bill":
            _, amt, currency, r, _ = step
            line = m.BillLineInput(description="Work", account="5000", amount=amt, tax_rate="24", cost_center="OPS")
            bill = h(
                m.RecordBill(
                    meta=META,
                    supplier_id=self.supplier,
                    supplier_reference="B",
                    currency=currency,
                    rate=self._rate(currency, r),
                    lines=(line,),
                    on=on,
                )
            ).id
            self.bills.append((bill, currency))
        elif kind == "pay_bill" and self.bills:
            bill, currency = self.bills[step[1] % len(self.bills)]
            total = self._bill_outstanding(bill)
            h(
                m.PaySupplier(
                    meta=META,
                    supplier_id=self.supplier,
                    rate=self._rate(currency, step[2]),
                    on=on,
                    allocations=(m.BillPaymentInput(bill_id=bill, amount=str(total)),),
                )
            )
        elif kind == "claim":
            _, amt, reimburse, _ = step
            claim = h(
                m.SubmitExpenseClaim(
                    meta=Meta("jon"),
                    on=on,
                    claim=m.ClaimInput(
                        category="travel",
                        description="Trip",
                        amount=amt,
                        tax_rate="24",
                        receipt_reference="R",
                        cost_center="OPS",
                    ),
                )
            ).id
            h(m.ApproveExpenseClaim(meta=Meta("olaf"), claim_id=claim, on=on))
            if reimburse:
                h(m.ReimburseExpenseClaim(meta=META, claim_id=claim, on=on))
        elif kind == "accrual":
            h(
                m.PostJournalEntry(
                    meta=META,
                    memo="accrual",
                    on=on,
                    lines=(
                        m.EntryLineInput(account="6000", debit=step[1]),
                        m.EntryLineInput(account="2400", credit=step[1]),
                    ),
                )
            )
        elif kind == "close":
            self.keel.engine.catch_up()
            before = snapshot(self.keel, on)
            h(m.ClosePeriod(meta=META, lock_date=on, on=on + timedelta(days=1)))
            self.closes.append((on, before))

    def _bill_outstanding(self, bill: UUID) -> Decimal:
        from ledger.payables import Bill

        return self.keel.app.get(Bill, bill).outstanding.amount


def snapshot(keel: Keel, as_of: date) -> tuple[Any, ...]:
    return (
        trial_balance(keel.views, as_of).rows,
        trial_balance(keel.views, as_of, None, F).rows,
        profit_and_loss(keel.views, START, as_of, F).income,
        profit_and_loss(keel.views, START, as_of, F).expenses,
        balance_sheet(keel.views, as_of, F).assets,
        ageing(keel.views, "receivables", as_of, F).items,
    )


@given(history=histories)
def test_every_entry_balances_per_currency_and_in_value(history: list[tuple[Any, ...]]) -> None:
    with fresh_keel() as keel:
        World(keel).run(history)
        for _, event in keel.app.read_log(0, 100_000):
            journal = getattr(event, "journal", [])
            amounts: dict[str, Decimal] = defaultdict(Decimal)
            for line in journal:
                amounts[line.currency] += line.amount
            assert all(v == 0 for v in amounts.values()), event
            assert sum((line.value for line in journal), Decimal(0)) == 0, event


@given(history=histories, days=st.lists(st.integers(0, 200), min_size=1, max_size=4))
def test_ageing_equals_the_balance_sheet_and_the_balance_sheet_balances(
    history: list[tuple[Any, ...]], days: list[int]
) -> None:
    with fresh_keel() as keel:
        World(keel).run(history)
        keel.engine.catch_up()
        for offset in days:
            as_of = START + timedelta(days=offset)
            bs = balance_sheet(keel.views, as_of, F)
            assert bs.balanced, (as_of, bs)
            assert ageing(keel.views, "receivables", as_of, F).total == bs.balance_of("1100")
            assert ageing(keel.views, "payables", as_of, F).total == bs.balance_of("2000")
            assert trial_balance(keel.views, as_of, None, F).balanced
            assert trial_balance(keel.views, as_of).balanced


@given(history=histories)
def test_a_closed_periods_reports_never_change_afterwards(history: list[tuple[Any, ...]]) -> None:
    with fresh_keel() as keel:
        world = World(keel)
        world.run([*history, ("close", 60), *history])
        keel.engine.catch_up()
        for lock_date, before in world.closes:
            assert snapshot(keel, lock_date) == before


@given(history=histories)
def test_every_projection_rebuilt_from_scratch_equals_the_live_one(history: list[tuple[Any, ...]]) -> None:
    with fresh_keel() as keel, tempfile.TemporaryDirectory() as tmp:
        half = len(history) // 2
        world = World(keel)
        world.run(history[:half])
        keel.engine.catch_up()
        world.run(history[half:])
        keel.engine.catch_up()
        fresh_db = ViewDatabase(f"sqlite:///{tmp}/rebuilt.sqlite")
        try:
            fresh = ProjectionEngine(fresh_db, keel.app, default_projections(F), page_size=11)
            fresh.setup()
            fresh.catch_up()
            for projection in fresh.projections.values():
                for table in projection.tables:
                    assert dump(fresh_db, table) == dump(keel.views, table), table
        finally:
            fresh_db.close()


def dump(db: ViewDatabase, table: str) -> list[tuple[str, ...]]:
    with db.read() as cur:
        cur.execute(f"SELECT * FROM {table}")
        return sorted(tuple(str(v) for v in row) for row in cur.fetchall())
