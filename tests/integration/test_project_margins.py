"""April at the agency, project by project (SQLite and PostgreSQL): a fixed fee that overruns,
time and materials, a retainer, a raise on 13 April, an expense charged to a project."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal as D

import pytest

from api.system import Keel
from commands import messages as m
from ledger.errors import InvalidTransition, InvalidValue, NotPermitted
from ledger.events import Meta
from ledger.invoice import Invoice
from ledger.project_terms import invoice_id_for
from projections.delivery import reports as work_reports
from projections.finance import reports

LEAD, ANA, BEN = Meta("lead"), Meta("ana"), Meta("ben")
APR = date(2026, 4, 1)


def run(keel: Keel, command: m.Command) -> m.CommandResult:
    return keel.app.handle(command)


def terms(effective: date, role: str, cc: str, cost: str, bill: str) -> m.TermsInput:
    return m.TermsInput(
        effective=effective, role=role, cost_center=cc, weekly_capacity="40", cost_rate=cost, bill_rate=bill
    )


def week_of_days(keel: Keel, person: Meta, project: object, monday: date, hours: str, billable: bool = True) -> None:
    for n in range(5):
        run(
            keel,
            m.LogTime(
                meta=person,
                person=person.actor,
                day=monday + timedelta(days=n),
                project_id=project,  # type: ignore[arg-type]
                hours=hours,
                billable=billable,
            ),
        )
    run(keel, m.SubmitTimesheet(meta=person, person=person.actor, week=monday))
    run(keel, m.ApproveTimesheet(meta=LEAD, person=person.actor, week=monday, on=monday + timedelta(days=7)))


def issue(keel: Keel, invoice_id: object, on: date) -> None:
    run(keel, m.IssueInvoice(meta=LEAD, invoice_id=invoice_id, on=on))  # type: ignore[arg-type]


@pytest.fixture
def april(keel: Keel) -> dict[str, object]:
    acme = run(keel, m.RegisterCustomer(meta=LEAD, name="Acme", on=date(2026, 3, 1))).id
    run(
        keel,
        m.HirePerson(
            meta=LEAD, handle="ana", name="Ana Silva", terms=terms(date(2026, 1, 1), "designer", "DESIGN", "40", "90")
        ),
    )
    run(
        keel,
        m.HirePerson(
            meta=LEAD, handle="ben", name="Ben Okafor", terms=terms(date(2026, 1, 1), "developer", "DEV", "50", "110")
        ),
    )
    run(keel, m.ChangeTerms(meta=LEAD, handle="ana", terms=terms(date(2026, 4, 13), "designer", "DESIGN", "45", "90")))
    run(keel, m.DefineCostCenter(meta=LEAD, code="DESIGN", name="Design", manager="lead", on=date(2026, 3, 1)))

    brand = run(keel, m.DraftProject(meta=LEAD, customer_id=acme, name="Brand refresh", on=date(2026, 3, 20))).id
    run(
        keel,
        m.ConfigureProject(
            meta=LEAD,
            project_id=brand,
            model="fixed",
            start=APR,
            budget_hours="50",
            budget_amount="2500",
            cost_center="DESIGN",
            milestones=(
                m.MilestoneInput(key="concepts", name="Concepts", amount="3000"),
                m.MilestoneInput(key="final", name="Final artwork", amount="2000"),
            ),
        ),
    )
    app_build = run(keel, m.DraftProject(meta=LEAD, customer_id=acme, name="App build", on=date(2026, 3, 20))).id
    run(
        keel,
        m.ConfigureProject(
            meta=LEAD,
            project_id=app_build,
            model="time_and_materials",
            start=APR,
            budget_hours="200",
            budget_amount="10000",
            cost_center="DEV",
            requires_allocation=True,
            rates=(("role:developer", "120"),),
        ),
    )
    support = run(keel, m.DraftProject(meta=LEAD, customer_id=acme, name="Support", on=date(2026, 3, 20))).id
    run(
        keel,
        m.ConfigureProject(
            meta=LEAD, project_id=support, model="retainer", start=APR, monthly_fee="1000", cost_center="DEV"
        ),
    )
    for p in (brand, app_build, support):
        run(keel, m.ActivateProject(meta=LEAD, project_id=p, on=APR))
    for monday in (date(2026, 4, 6), date(2026, 4, 13)):
        run(keel, m.PlanAllocation(meta=LEAD, project_id=app_build, person="ben", week=monday, hours="20", on=APR))

    week_of_days(keel, ANA, brand, date(2026, 4, 6), "6")
    week_of_days(keel, BEN, app_build, date(2026, 4, 6), "4")
    week_of_days(keel, ANA, brand, date(2026, 4, 13), "6")  # at the new cost rate
    week_of_days(keel, BEN, app_build, date(2026, 4, 13), "4")

    run(keel, m.CompleteMilestone(meta=LEAD, project_id=brand, milestone="concepts", on=date(2026, 4, 10)))
    issue(keel, invoice_id_for(brand, "milestone:concepts"), date(2026, 4, 10))  # type: ignore[arg-type]
    run(keel, m.CompleteMilestone(meta=LEAD, project_id=brand, milestone="final", on=date(2026, 4, 24)))
    issue(keel, invoice_id_for(brand, "milestone:final"), date(2026, 4, 24))  # type: ignore[arg-type]

    claim = run(
        keel,
        m.SubmitExpenseClaim(
            meta=ANA,
            on=date(2026, 4, 15),
            claim=m.ClaimInput(
                category="travel",
                description="Print shop visit",
                amount="124.00",
                tax_rate="24",
                receipt_reference="R-77",
                cost_center="DESIGN",
                project_id=str(brand),
            ),
        ),
    ).id
    run(keel, m.ApproveExpenseClaim(meta=LEAD, claim_id=claim, on=date(2026, 4, 20)))

    run(keel, m.RunBilling(meta=LEAD, project_id=support, as_of=date(2026, 4, 30), on=date(2026, 4, 30)))
    issue(keel, invoice_id_for(support, "retainer:2026-04"), date(2026, 4, 30))  # type: ignore[arg-type]
    keel.engine.catch_up()
    return {"brand": brand, "app": app_build, "support": support, "customer": acme}


def margin_rows(keel: Keel, end: date) -> dict[str, tuple[D, D, D, D, D | None]]:
    result = work_reports.margins(keel.views, APR, end, "EUR")
    return {r.name: (r.revenue, r.labour, r.expenses, r.margin, r.margin_percent) for r in result.rows}


def test_april_margins_by_project(keel: Keel, april: dict[str, object]) -> None:
    assert margin_rows(keel, date(2026, 4, 30)) == {
        "App build": (D("0.00"), D("2000.00"), D("0.00"), D("-2000.00"), None),
        "Brand refresh": (D("5000.00"), D("2550.00"), D("100.00"), D("2350.00"), D("47.0")),
        "Support": (D("1000.00"), D("0.00"), D("0.00"), D("1000.00"), D("100.0")),
    }
    by_customer = work_reports.margins(keel.views, APR, date(2026, 4, 30), "EUR", by="customer")
    assert [(r.name, r.margin) for r in by_customer.rows] == [("Acme", D("1350.00"))]


def test_time_and_materials_is_work_in_progress_until_billed(keel: Keel, april: dict[str, object]) -> None:
    wip = work_reports.work_in_progress(keel.views, date(2026, 4, 30))
    assert [(r.name, r.hours, r.value) for r in wip.rows] == [("App build", D("40.00"), D("4800.00"))]
    run(keel, m.RunBilling(meta=LEAD, project_id=april["app"], as_of=date(2026, 5, 1), on=date(2026, 5, 1)))  # type: ignore[arg-type]
    invoice_id = invoice_id_for(april["app"], "time:2026-04")  # type: ignore[arg-type]
    assert keel.app.get(Invoice, invoice_id).total.amount == D("4800.00")
    issue(keel, invoice_id, date(2026, 5, 1))
    keel.engine.catch_up()
    assert work_reports.work_in_progress(keel.views, date(2026, 5, 1)).rows == []
    assert work_reports.work_in_progress(keel.views, date(2026, 4, 30)).rows[0].value == D("4800.00")
    assert margin_rows(keel, date(2026, 5, 31))["App build"][3:] == (D("2800.00"), D("58.3"))


def test_no_cause_drafts_two_invoices(keel: Keel, april: dict[str, object]) -> None:
    head = keel.app.head_position()
    run(keel, m.RunBilling(meta=LEAD, project_id=april["support"], as_of=date(2026, 4, 30)))  # type: ignore[arg-type]
    assert keel.app.head_position() == head  # April's retainer is already drafted: nothing new
    with pytest.raises(InvalidTransition, match="already completed"):
        run(keel, m.CompleteMilestone(meta=LEAD, project_id=april["brand"], milestone="concepts"))  # type: ignore[arg-type]


def test_utilisation_and_budget_burn(keel: Keel, april: dict[str, object]) -> None:
    use = work_reports.utilisation(keel.views, date(2026, 4, 6), date(2026, 4, 19))
    assert [
        (r.person, r.capacity_hours, r.billable_hours, r.planned_hours, r.utilisation_percent) for r in use.rows
    ] == [
        ("ana", D("80.00"), D("60.00"), D("0.00"), D("75.0")),
        ("ben", D("80.00"), D("40.00"), D("40.00"), D("50.0")),
    ]
    burn = {r.name: r for r in work_reports.budget_burn(keel.views, date(2026, 4, 30), "EUR").rows}
    brand = burn["Brand refresh"]
    assert (brand.actual_hours, brand.hours_burn_percent, brand.actual_cost, brand.cost_burn_percent) == (
        D("60.00"),
        D("120.0"),
        D("2650.00"),
        D("106.0"),
    )


def test_margins_reconcile_with_the_general_ledger(keel: Keel, april: dict[str, object]) -> None:
    rows = work_reports.margins(keel.views, APR, date(2026, 4, 30), "EUR").rows
    pnl = reports.profit_and_loss(keel.views, APR, date(2026, 4, 30), "EUR")
    assert sum(r.revenue for r in rows) == pnl.total_income
    assert sum(r.labour + r.expenses for r in rows) == pnl.total_expenses


def test_time_that_makes_no_sense_is_refused(keel: Keel, april: dict[str, object]) -> None:
    head = keel.app.head_position()
    cases: list[tuple[m.Command, type[Exception], str]] = [
        (
            m.LogTime(meta=ANA, person="ana", day=date(2026, 4, 20), project_id=april["brand"], hours="-2"),  # type: ignore[arg-type]
            InvalidValue,
            "hours must be positive",
        ),
        (
            m.LogTime(meta=BEN, person="ben", day=date(2026, 4, 20), project_id=april["app"], hours="4"),  # type: ignore[arg-type]
            InvalidTransition,
            "not allocated",
        ),
        (
            m.LogTime(meta=ANA, person="ana", day=date(2026, 4, 20), project_id=april["brand"], hours="25"),  # type: ignore[arg-type]
            InvalidValue,
            "24 hours",
        ),
    ]
    for command, error, message in cases:
        with pytest.raises(error, match=message):
            run(keel, command)
    run(keel, m.LogTime(meta=ANA, person="ana", day=date(2026, 4, 20), project_id=april["brand"], hours="20"))  # type: ignore[arg-type]
    head = keel.app.head_position()
    with pytest.raises(InvalidValue, match="a day has 24"):
        run(keel, m.LogTime(meta=ANA, person="ana", day=date(2026, 4, 20), project_id=april["support"], hours="5"))  # type: ignore[arg-type]
    run(keel, m.SubmitTimesheet(meta=ANA, person="ana", week=date(2026, 4, 20)))
    head = keel.app.head_position()
    with pytest.raises(NotPermitted, match="own timesheet"):
        run(keel, m.ApproveTimesheet(meta=ANA, person="ana", week=date(2026, 4, 20)))
    run(keel, m.CloseProject(meta=LEAD, project_id=april["support"], on=date(2026, 4, 30)))  # type: ignore[arg-type]
    head = keel.app.head_position()
    with pytest.raises(InvalidTransition, match="is closed; it takes no hours"):
        run(keel, m.LogTime(meta=BEN, person="ben", day=date(2026, 5, 4), project_id=april["support"], hours="1"))  # type: ignore[arg-type]
    assert keel.app.head_position() == head
