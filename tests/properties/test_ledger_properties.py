"""Invariants of the books over random histories of customer, invoice and payment commands.

Each example runs on a fresh SQLite store; refused commands are part of the history and
must write nothing.
"""

from __future__ import annotations

import tempfile
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from uuid import UUID

from hypothesis import given
from hypothesis import strategies as st
from support import META

from api.settings import Settings
from api.system import Keel
from commands.messages import (
    AllocationInput,
    DraftInvoice,
    IssueInvoice,
    LineInput,
    RecordPayment,
    RegisterCustomer,
    VoidInvoice,
)
from ledger.errors import DomainError
from projections.catalog import default_projections
from projections.engine.db import ViewDatabase
from projections.engine.engine import ProjectionEngine
from projections.finance.reports import receivables, trial_balance

START = date(2026, 1, 1)
TABLES = ("gl_lines", "customers", "invoices", "invoice_lines")

cents = st.integers(min_value=1, max_value=500_000).map(lambda c: f"{Decimal(c) / 100:.2f}")
day = st.integers(min_value=0, max_value=120)
ops = st.lists(
    st.one_of(
        st.tuples(st.just("invoice"), st.integers(0, 2), cents, st.sampled_from(["0", "13", "24"]), day),
        st.tuples(st.just("void"), st.integers(0, 30), day),
        st.tuples(st.just("pay"), st.integers(0, 2), cents, st.lists(st.integers(0, 30), max_size=3), day),
        st.tuples(st.just("issue_twice"), st.integers(0, 30), day),
    ),
    min_size=1,
    max_size=25,
)


@dataclass
class Model:
    """What the books must say, kept independently of Keel's read side."""

    customers: list[UUID] = field(default_factory=list)
    invoices: list[UUID] = field(default_factory=list)
    # invoice -> (customer, effective date, gross, voided on, [(date, amount)])
    facts: dict[UUID, dict[str, Any]] = field(default_factory=dict)


@contextmanager
def fresh_keel() -> Iterator[Keel]:
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(data_dir=Path(tmp), database_url=None, _env_file=None)  # type: ignore[call-arg]
        keel = Keel.start(settings, follow=False)
        try:
            yield keel
        finally:
            keel.close()


def run(keel: Keel, model: Model, history: list[tuple[Any, ...]], floor: int = 0) -> None:
    """Apply a history; ``floor`` shifts every date to START + floor days or later."""
    if not model.customers:
        for name in ("Acme", "Globex", "Initech"):
            model.customers.append(keel.app.handle(RegisterCustomer(meta=META, name=name, on=START)).id)
    for op in history:
        head = keel.app.head_position()
        try:
            apply(keel, model, op, floor)
        except DomainError:
            assert keel.app.head_position() == head, f"refused {op} but wrote events"


def apply(keel: Keel, model: Model, op: tuple[Any, ...], floor: int) -> None:
    kind = op[0]
    on = START + timedelta(days=floor + op[-1])
    if kind == "invoice":
        _, who, net, tax, _ = op
        customer = model.customers[who]
        lines = (LineInput(description="Work", quantity="1", unit_price=net),)
        inv = keel.app.handle(DraftInvoice(meta=META, customer_id=customer, lines=lines, tax_percent=tax, on=on)).id
        keel.app.handle(IssueInvoice(meta=META, invoice_id=inv, on=on))
        gross = Decimal(net) + (Decimal(net) * Decimal(tax) / 100).quantize(Decimal("0.01"), rounding="ROUND_HALF_UP")
        model.invoices.append(inv)
        model.facts[inv] = {"customer": customer, "on": on, "gross": gross, "voided": None, "paid": []}
    elif kind in ("void", "issue_twice") and model.invoices:
        inv = model.invoices[op[1] % len(model.invoices)]
        if kind == "void":
            keel.app.handle(VoidInvoice(meta=META, invoice_id=inv, reason="test", on=on))
            model.facts[inv]["voided"] = on
        else:
            keel.app.handle(IssueInvoice(meta=META, invoice_id=inv, on=on))
            raise AssertionError("issuing an issued invoice must be refused")
    elif kind == "pay":
        _, who, amount, picks, _ = op
        customer = model.customers[who]
        mine = [i for i in model.invoices if model.facts[i]["customer"] == customer]
        allocations: dict[UUID, Decimal] = {}
        left = Decimal(amount)
        for pick in picks:
            if not mine or left <= 0:
                break
            inv = mine[pick % len(mine)]
            f = model.facts[inv]
            open_ = f["gross"] - sum(a for _, a in f["paid"]) - allocations.get(inv, Decimal(0))
            part = min(open_, left)
            if part > 0 and f["voided"] is None and inv not in allocations:
                allocations[inv] = part
                left -= part
        keel.app.handle(
            RecordPayment(
                meta=META,
                customer_id=customer,
                amount=amount,
                allocations=tuple(AllocationInput(invoice_id=i, amount=str(a)) for i, a in allocations.items()),
                on=on,
            )
        )
        for inv, part in allocations.items():
            model.facts[inv]["paid"].append((on, part))


def expected_receivables(model: Model, as_of: date) -> dict[str, Decimal]:
    owed: dict[str, Decimal] = defaultdict(Decimal)
    for f in model.facts.values():
        if f["on"] <= as_of and not (f["voided"] and f["voided"] <= as_of):
            owed[str(f["customer"])] += f["gross"]
        owed[str(f["customer"])] -= sum(a for d, a in f["paid"] if d <= as_of)
    return {c: v for c, v in owed.items() if v != 0}


def dump(db: ViewDatabase, table: str) -> list[tuple[str, ...]]:
    with db.read() as cur:
        cur.execute(f"SELECT * FROM {table}")
        return sorted(tuple(str(v) for v in row) for row in cur.fetchall())


def report_snapshot(keel: Keel, as_of: date, known_at: datetime | None = None) -> tuple[Any, ...]:
    tb = trial_balance(keel.views, as_of, known_at)
    rec = receivables(keel.views, as_of, known_at)
    return (tb.rows, tb.totals, rec.rows, rec.totals)


@given(history=ops)
def test_every_entry_balances_and_the_trial_balance_is_zero(history: list[tuple[Any, ...]]) -> None:
    with fresh_keel() as keel:
        run(keel, Model(), history)
        for _, event in keel.app.read_log(0, 10_000):
            totals: dict[str, Decimal] = defaultdict(Decimal)
            for line in getattr(event, "journal", []):
                totals[line.currency] += line.amount
            assert all(v == 0 for v in totals.values()), event
        keel.engine.catch_up()
        for offset in (0, 30, 60, 90, 200):
            assert trial_balance(keel.views, START + timedelta(days=offset)).balanced


@given(history=ops)
def test_receivables_equal_issued_minus_voided_minus_allocated(history: list[tuple[Any, ...]]) -> None:
    with fresh_keel() as keel:
        model = Model()
        run(keel, model, history)
        keel.engine.catch_up()
        for offset in (0, 45, 90, 200):
            as_of = START + timedelta(days=offset)
            got = {r.customer_id: r.receivable for r in receivables(keel.views, as_of).rows if r.receivable != 0}
            assert got == expected_receivables(model, as_of)


@given(history=ops)
def test_a_projection_rebuilt_from_scratch_equals_the_live_one(history: list[tuple[Any, ...]]) -> None:
    with fresh_keel() as keel, tempfile.TemporaryDirectory() as tmp:
        model = Model()
        half = len(history) // 2
        run(keel, model, history[:half])
        keel.engine.catch_up()  # live: processed in several steps, as the log grew
        run(keel, model, history[half:])
        keel.engine.catch_up()
        fresh_db = ViewDatabase(f"sqlite:///{tmp}/rebuilt.sqlite")
        try:
            fresh = ProjectionEngine(fresh_db, keel.app, default_projections("EUR"), page_size=7)
            fresh.setup()
            fresh.catch_up()
            for table in TABLES:
                assert dump(fresh_db, table) == dump(keel.views, table)
        finally:
            fresh_db.close()


@given(before=ops, after=ops, cut=st.integers(0, 120))
def test_a_report_as_of_d_does_not_change_when_later_dated_events_arrive(
    before: list[tuple[Any, ...]], after: list[tuple[Any, ...]], cut: int
) -> None:
    as_of = START + timedelta(days=cut)
    with fresh_keel() as keel:
        model = Model()
        run(keel, model, before)
        keel.engine.catch_up()
        snapshot = report_snapshot(keel, as_of)
        run(keel, model, after, floor=cut + 1)  # everything dated after D
        keel.engine.catch_up()
        assert report_snapshot(keel, as_of) == snapshot


@given(before=ops, after=ops, as_of_day=st.integers(0, 200))
def test_a_report_known_at_k_does_not_change_when_anything_is_recorded_later(
    before: list[tuple[Any, ...]], after: list[tuple[Any, ...]], as_of_day: int
) -> None:
    as_of = START + timedelta(days=as_of_day)
    with fresh_keel() as keel:
        model = Model()
        run(keel, model, before)
        keel.engine.catch_up()
        time.sleep(0.002)
        known_at = datetime.now(UTC)
        snapshot = report_snapshot(keel, as_of, known_at)
        time.sleep(0.002)
        run(keel, model, after)  # any dates, backdated ones included
        keel.engine.catch_up()
        assert report_snapshot(keel, as_of, known_at) == snapshot
