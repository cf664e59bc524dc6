"""Projects and time over random histories: margins reconcile with a replay of the ledger known at K,
no billing cause ever drafts two invoices, and the work read model rebuilds to the live one."""

from __future__ import annotations

import contextlib
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from uuid import UUID

from hypothesis import given
from hypothesis import strategies as st

from api.settings import Settings
from api.system import Keel
from commands import messages as m
from ledger.accounts import AccountType
from ledger.chart_templates import default_account as account
from ledger.errors import DomainError
from ledger.events import Meta
from ledger.invoice import Invoice
from ledger.projects import Project
from projections.delivery.reports import margins

START = date(2026, 4, 6)  # a Monday
LEAD = Meta("lead")

op = st.one_of(
    st.tuples(
        st.just("time"), st.integers(0, 1), st.integers(0, 2), st.integers(0, 27), st.integers(1, 10), st.booleans()
    ),
    st.tuples(st.just("approve"), st.integers(0, 1), st.integers(0, 3)),
    st.tuples(st.just("milestone"), st.sampled_from(["a", "b"]), st.integers(0, 40)),
    st.tuples(st.just("bill"), st.integers(0, 2), st.integers(0, 60)),
    st.tuples(st.just("issue"), st.integers(0, 60)),
    st.tuples(st.just("claim"), st.integers(1, 500), st.integers(0, 27)),
    st.tuples(st.just("reprice"), st.integers(-1, 3000), st.integers(-1, 3), st.integers(0, 60)),
    st.tuples(
        st.just("mark"),
    ),
)
histories = st.lists(op, min_size=1, max_size=30)


@contextmanager
def fresh_keel() -> Iterator[Keel]:
    with tempfile.TemporaryDirectory() as tmp:
        keel = Keel.start(Settings(data_dir=Path(tmp), database_url=None, _env_file=None), follow=False)  # type: ignore[call-arg]
        try:
            yield keel
        finally:
            keel.close()


def setup(keel: Keel) -> list[UUID]:
    h = keel.app.handle
    customer = h(m.RegisterCustomer(meta=LEAD, name="Acme", on=date(2026, 1, 1))).id
    for handle, cost in (("ana", "40"), ("ben", "50")):
        h(
            m.HirePerson(
                meta=LEAD,
                handle=handle,
                name=handle.title(),
                terms=m.TermsInput(
                    effective=date(2026, 1, 1),
                    role="developer",
                    cost_center="DEV",
                    weekly_capacity="40",
                    cost_rate=cost,
                    bill_rate="100",
                ),
            )
        )
    h(
        m.ChangeTerms(
            meta=LEAD,
            handle="ana",
            terms=m.TermsInput(
                effective=date(2026, 4, 15),
                role="developer",
                cost_center="DEV",
                weekly_capacity="40",
                cost_rate="45",
                bill_rate="100",
            ),
        )
    )
    h(m.DefineCostCenter(meta=LEAD, code="DEV", name="Dev", manager="lead", on=date(2026, 1, 1)))
    projects = []
    for name, model, extra in (
        (
            "Fixed",
            "fixed",
            {
                "milestones": (
                    m.MilestoneInput(key="a", name="A", amount="3000"),
                    m.MilestoneInput(key="b", name="B", amount="2000"),
                )
            },
        ),
        ("Hourly", "time_and_materials", {}),
        ("Retainer", "retainer", {"monthly_fee": "1000"}),
    ):
        pid = h(m.DraftProject(meta=LEAD, customer_id=customer, name=name, on=date(2026, 3, 1))).id
        h(
            m.ConfigureProject(
                meta=LEAD,
                project_id=pid,
                model=model,
                start=date(2026, 4, 1),
                tax_percent="24",
                on=date(2026, 3, 1),
                **extra,
            )
        )  # type: ignore[arg-type]
        h(m.ActivateProject(meta=LEAD, project_id=pid, on=date(2026, 4, 1)))
        projects.append(pid)
    return projects


def run(keel: Keel, projects: list[UUID], history: list[tuple[Any, ...]]) -> list[datetime]:
    h = keel.app.handle
    people = ["ana", "ben"]
    marks: list[datetime] = []
    for step in history:
        kind = step[0]
        with contextlib.suppress(DomainError):
            if kind == "mark":
                time.sleep(0.002)
                marks.append(datetime.now(UTC))
                time.sleep(0.002)
            elif kind == "time":
                _, who, project, offset, hours, billable = step
                h(
                    m.LogTime(
                        meta=Meta(people[who]),
                        person=people[who],
                        day=START + timedelta(days=offset),
                        project_id=projects[project],
                        hours=str(hours),
                        billable=billable,
                    )
                )
            elif kind == "approve":
                _, who, week = step
                monday = START + timedelta(weeks=week)
                with contextlib.suppress(DomainError):
                    h(m.SubmitTimesheet(meta=Meta(people[who]), person=people[who], week=monday))
                h(m.ApproveTimesheet(meta=LEAD, person=people[who], week=monday))
            elif kind == "milestone":
                h(
                    m.CompleteMilestone(
                        meta=LEAD,
                        project_id=projects[0],
                        milestone=step[1],
                        on=date(2026, 4, 1) + timedelta(days=step[2]),
                    )
                )
            elif kind == "bill":
                day = date(2026, 4, 1) + timedelta(days=step[2])
                h(m.RunBilling(meta=LEAD, project_id=projects[step[1]], as_of=day, on=day))
            elif kind == "issue":
                day = date(2026, 4, 1) + timedelta(days=step[1])
                for _, event in keel.app.read_log(0, 100_000):
                    if isinstance(event, Invoice.Drafted) and event.project_id:
                        with contextlib.suppress(DomainError):
                            h(m.IssueInvoice(meta=LEAD, invoice_id=event.originator_id, on=day))
            elif kind == "reprice":  # the retainer's fee from a month (-1: the month before it starts)
                _, fee, months, offset = step
                h(
                    m.RepriceRetainer(
                        meta=LEAD,
                        project_id=projects[2],
                        monthly_fee=f"{fee}.00",
                        start=date(2026, 4 + months, 1),
                        on=date(2026, 4, 1) + timedelta(days=offset),
                    )
                )
            elif kind == "claim":
                _, amount, offset = step
                claim = h(
                    m.SubmitExpenseClaim(
                        meta=Meta("ana"),
                        on=START + timedelta(days=offset),
                        claim=m.ClaimInput(
                            category="travel",
                            description="Trip",
                            amount=f"{amount}.00",
                            tax_rate="24",
                            receipt_reference="R",
                            cost_center="DEV",
                            project_id=str(projects[0]),
                        ),
                    )
                ).id
                h(m.ApproveExpenseClaim(meta=LEAD, claim_id=claim, on=START + timedelta(days=offset)))
    return marks


def replay(keel: Keel, start: date, end: date, known_at: datetime | None) -> tuple[Decimal, Decimal]:
    """Revenue and cost on project lines from the events known at K, independently of the read side."""
    revenue = cost = Decimal(0)
    clock = datetime(1970, 1, 1, tzinfo=UTC)
    for _, event in keel.app.read_log(0, 100_000):
        clock = max(clock, event.timestamp)
        if known_at is not None and clock > known_at:
            break
        if not start <= getattr(event, "effective_date", start) <= end:
            continue
        for line in getattr(event, "journal", []):
            if line.project_id is None:
                continue
            kind = account(line.account).type
            if kind is AccountType.INCOME:
                revenue -= line.value
            elif kind is AccountType.EXPENSE:
                cost += line.value
    return revenue, cost


@given(history=histories)
def test_margins_reconcile_with_the_ledger_known_at_k(history: list[tuple[Any, ...]]) -> None:
    with fresh_keel() as keel:
        projects = setup(keel)
        marks = run(keel, projects, history)
        keel.engine.catch_up()
        for known_at in [None, *marks]:
            for end in (date(2026, 4, 30), date(2026, 5, 31)):
                rows = margins(keel.views, date(2026, 4, 1), end, "EUR", known_at).rows
                got = (
                    sum((r.revenue for r in rows), Decimal(0)),
                    sum((r.labour + r.expenses for r in rows), Decimal(0)),
                )
                assert got == replay(keel, date(2026, 4, 1), end, known_at)


@given(history=histories)
def test_no_cause_ever_drafts_two_invoices(history: list[tuple[Any, ...]]) -> None:
    with fresh_keel() as keel:
        projects = setup(keel)
        run(keel, projects, history + history)  # every billing step twice
        drafted = Counter(e.originator_id for _, e in keel.app.read_log(0, 100_000) if isinstance(e, Invoice.Drafted))
        assert all(n == 1 for n in drafted.values())
        causes: dict[UUID, list[str]] = defaultdict(list)
        for _, e in keel.app.read_log(0, 100_000):
            if isinstance(e, Project.MilestoneCompleted | Project.TimeBilled | Project.RetainerBilled):
                causes[e.invoice_id].append(type(e).__name__)
        assert all(len(c) == 1 for c in causes.values())
        assert set(causes) == set(drafted)


@given(history=histories)
def test_each_retainer_month_is_invoiced_at_the_fee_in_force_for_it_when_drafted(
    history: list[tuple[Any, ...]],
) -> None:
    with fresh_keel() as keel:
        projects = setup(keel)
        run(keel, projects, history)
        fees: dict[str, Decimal] = {}  # the retainer's changes so far, by the month they start
        owed: dict[UUID, Decimal] = {}  # invoice -> the fee its month should carry
        drafted: dict[UUID, Decimal] = {}
        for _, e in keel.app.read_log(0, 100_000):
            if isinstance(e, Project.RetainerRepriced):
                fees[f"{e.start:%Y-%m}"] = e.monthly_fee
            elif isinstance(e, Project.RetainerBilled):
                in_force = [month for month in fees if month <= e.month]
                owed[e.invoice_id] = fees[max(in_force)] if in_force else Decimal(1000)
            elif isinstance(e, Invoice.Drafted) and e.project_id == projects[2]:
                drafted[e.originator_id] = e.lines[0].unit_price
        assert drafted == owed


@given(history=histories)
def test_the_work_read_model_rebuilt_from_scratch_equals_the_live_one(history: list[tuple[Any, ...]]) -> None:
    with fresh_keel() as keel:
        projects = setup(keel)
        half = len(history) // 2
        run(keel, projects, history[:half])
        keel.engine.catch_up()
        run(keel, projects, history[half:])
        keel.engine.catch_up()
        tables = keel.engine.projections["work"].tables
        live = {t: dump(keel, t) for t in tables}
        keel.engine.rebuild("work")
        assert {t: dump(keel, t) for t in tables} == live


def dump(keel: Keel, table: str) -> list[tuple[str, ...]]:
    with keel.views.read() as cur:
        cur.execute(f"SELECT * FROM {table}")
        return sorted(tuple(str(v) for v in row) for row in cur.fetchall())
