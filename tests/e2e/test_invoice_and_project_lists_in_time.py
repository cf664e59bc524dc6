"""The invoices and projects lists as of a date, as known at a moment: an invoice part paid, then
paid by a payment recorded late; one voided, one credited in full, one written off, one left a
draft; a project configured, activated and closed, another configured and activated late; the
customer renamed on a date, another renamed late. Every answer (the customer's name included)
equals a fold of the events dated by then among those recorded by then, written here without
the read models."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from fastapi.testclient import TestClient
from support import draft, invoice, pay, register, void

from api.answers import answer
from api.http import create_app
from api.system import Keel
from commands.messages import (
    ActivateProject,
    CloseProject,
    ConfigureProject,
    DraftProject,
    IssueCreditNote,
    IssueInvoice,
    RenameCustomer,
    WriteOffInvoice,
)
from ledger.customer import Customer
from ledger.events import Meta
from ledger.invoice import Invoice
from ledger.projects import Project
from projections.queries import Params

META = Meta(actor="test")
DAYS = [
    date(2026, m, d)
    for m, d in (
        (1, 31),
        (2, 1),
        (2, 2),
        (2, 10),
        (2, 20),
        (3, 1),
        (3, 4),
        (3, 5),
        (3, 9),
        (3, 10),
        (3, 15),
        (3, 20),
        (4, 14),
        (4, 15),
        (5, 1),
        (6, 29),
        (6, 30),
        (12, 31),
    )
]
Logged = list[tuple[int, datetime, Any]]


def configure(keel: Keel, project: UUID, on: date, start: date) -> None:
    rates = (("role:designer", "95"),)
    keel.app.handle(
        ConfigureProject(
            meta=META,
            on=on,
            project_id=project,
            model="time_and_materials",
            start=start,
            rates=rates,
            budget_hours="120",
            budget_amount="11400.00",
            cost_center="des",
        )
    )


def a_half_year_of_invoices_and_projects(keel: Keel) -> tuple[dict[str, UUID], int]:
    """The story's ids, and the log position before the late news was recorded."""
    acme = register(keel, "Acme", date(2026, 1, 5))
    beta = register(keel, "Beta", date(2026, 1, 10))
    paid_late = draft(keel, acme, "100.00", date(2026, 2, 1))  # 124.00
    keel.app.handle(IssueInvoice(meta=META, invoice_id=paid_late, on=date(2026, 2, 2)))
    pay(keel, acme, "50.00", date(2026, 2, 20), {paid_late: "50.00"})
    voided = invoice(keel, beta, "200.00", date(2026, 3, 1))
    void(keel, voided, date(2026, 3, 10))
    credited = invoice(keel, beta, "300.00", date(2026, 4, 1))
    keel.app.handle(IssueCreditNote(meta=META, invoice_id=credited, reason="not delivered", on=date(2026, 4, 15)))
    left_draft = draft(keel, acme, "40.00", date(2026, 5, 1))
    written_off = invoice(keel, acme, "10.00", date(2026, 5, 1))
    keel.app.handle(WriteOffInvoice(meta=META, invoice_id=written_off, reason="gone", on=date(2026, 6, 30)))
    keel.app.handle(RenameCustomer(meta=META, customer_id=acme, name="Acme Group", on=date(2026, 3, 15)))

    site = keel.app.handle(DraftProject(meta=META, customer_id=acme, name="Site", on=date(2026, 2, 1))).id
    configure(keel, site, date(2026, 2, 1), date(2026, 2, 10))
    keel.app.handle(ActivateProject(meta=META, project_id=site, on=date(2026, 2, 10)))
    keel.app.handle(CloseProject(meta=META, project_id=site, reason="done", on=date(2026, 6, 30)))
    app = keel.app.handle(DraftProject(meta=META, customer_id=beta, name="App", on=date(2026, 3, 1))).id

    # recorded last, dated in the past: known at an earlier moment, none of this had happened
    before_late = keel.app.head_position()
    pay(keel, acme, "74.00", date(2026, 3, 5), {paid_late: "74.00"})
    configure(keel, app, date(2026, 3, 5), date(2026, 3, 5))
    keel.app.handle(ActivateProject(meta=META, project_id=app, on=date(2026, 3, 5)))
    keel.app.handle(RenameCustomer(meta=META, customer_id=beta, name="Beta Ltd", on=date(2026, 3, 20)))
    keel.engine.catch_up()
    return {
        "acme": acme,
        "beta": beta,
        "paid_late": paid_late,
        "voided": voided,
        "credited": credited,
        "left_draft": left_draft,
        "written_off": written_off,
        "site": site,
        "app": app,
    }, before_late


def chosen(events: Logged, as_of: date, known_at: datetime | None) -> list[Any]:
    """The events dated by ``as_of`` and recorded by ``known_at``, in business order."""
    picked = [
        (e.effective_date, p, e) for p, t, e in events if e.effective_date <= as_of and (not known_at or t <= known_at)
    ]
    return [e for _, _, e in sorted(picked, key=lambda x: (x[0], x[1]))]


def names(events: Logged, as_of: date, known_at: datetime | None) -> dict[str, str]:
    named: dict[str, str] = {}
    for e in chosen(events, as_of, known_at):
        if isinstance(e, Customer.Registered | Customer.Renamed):
            named[str(e.originator_id)] = e.name
    return named


def fold_invoices(events: Logged, as_of: date, known_at: datetime | None) -> set[tuple[Any, ...]]:
    state: dict[str, dict[str, Any]] = {}
    for e in chosen(events, as_of, known_at):
        key = str(e.originator_id)
        if isinstance(e, Invoice.Drafted):
            total = sum((ln.amount(e.currency).amount * (1 + ln.tax_rate / 100) for ln in e.lines), Decimal(0))
            state[key] = {"customer": str(e.customer_id), "status": "draft", "total": total.quantize(Decimal("0.01"))}
            state[key].update(number=None, issued=None, due=None, voided=None, version=0)
            state[key].update(paid=Decimal(0), credited=Decimal(0), written_off=Decimal(0))
        if key not in state:
            continue
        i = state[key]
        i["version"] = max(i["version"], e.originator_version)
        if isinstance(e, Invoice.Issued):
            i.update(status="issued", number=e.number, issued=e.effective_date, due=e.due_date)
        elif isinstance(e, Invoice.Voided):
            i.update(status="voided", voided=e.effective_date)
        elif isinstance(e, Invoice.PaymentApplied | Invoice.CustomerCreditApplied):
            i["paid"] += e.amount
        elif isinstance(e, Invoice.PaymentUnapplied):
            i["paid"] -= e.amount
        elif isinstance(e, Invoice.Credited):
            i["credited"] += e.amount
        elif isinstance(e, Invoice.WrittenOff):
            i["written_off"] += e.amount
    named = names(events, as_of, known_at)
    rows = set()
    for key, i in state.items():
        owed = i["total"] - i["paid"] - i["credited"] - i["written_off"] if i["status"] == "issued" else Decimal(0)
        if i["status"] != "issued":
            shown = i["status"]
        elif not owed:  # settled: with payments, else by credit notes or a write-off
            shown = "paid" if i["paid"] else "credited" if i["credited"] else "written_off"
        else:
            shown = "partially_paid" if owed < i["total"] else "unpaid"
        rows.add(
            (
                key,
                named[i["customer"]],
                i["status"],
                shown,
                i["number"],
                i["issued"],
                i["due"],
                i["voided"],
                i["total"],
                i["paid"],
                i["credited"],
                i["written_off"],
                owed,
                i["version"],
            )
        )
    return rows


def fold_projects(events: Logged, as_of: date, known_at: datetime | None) -> set[tuple[Any, ...]]:
    state: dict[str, dict[str, Any]] = {}
    for e in chosen(events, as_of, known_at):
        key = str(e.originator_id)
        if isinstance(e, Project.Drafted):
            state[key] = {
                "customer": str(e.customer_id),
                "name": e.name,
                "status": "draft",
                "drafted": e.effective_date,
            }
            state[key].update(model=None, currency=None, hours=Decimal(0), budget=None, start=None, cost_center="")
        if key not in state:
            continue
        p = state[key]
        if isinstance(e, Project.Configured):
            p.update(model=e.billing.model, currency=e.billing.currency, hours=e.budget_hours, budget=e.budget_amount)
            p.update(start=e.start, cost_center=e.cost_center)
        elif isinstance(e, Project.Activated):
            p["status"] = "active"
        elif isinstance(e, Project.Closed):
            p["status"] = "closed"
    named = names(events, as_of, known_at)
    return {
        (
            key,
            named[p["customer"]],
            p["name"],
            p["status"],
            p["model"],
            p["currency"],
            p["hours"],
            p["budget"],
            p["start"],
            p["cost_center"],
            p["drafted"],
        )
        for key, p in state.items()
    }


def listed_invoices(keel: Keel, as_of: date, known_at: datetime | None) -> set[tuple[Any, ...]]:
    found = answer(keel, "invoices", Params(as_of=as_of, known_at=known_at, limit=1000)).result
    assert len(found.items) == len({i.id for i in found.items})  # one row per invoice
    return {
        (
            i.id,
            found.customer_names[i.customer_id],
            i.status,
            i.payment_state,
            i.number,
            i.issue_date,
            i.due_date,
            i.voided_on,
            i.total,
            i.paid,
            i.credited,
            i.written_off,
            i.outstanding,
            i.version,
        )
        for i in found.items
    }


def listed_projects(keel: Keel, as_of: date, known_at: datetime | None) -> set[tuple[Any, ...]]:
    found = answer(keel, "projects", Params(as_of=as_of, known_at=known_at, limit=1000)).result
    assert len(found.items) == len({p.id for p in found.items})
    return {
        (
            p.id,
            found.customer_names[p.customer_id],
            p.name,
            p.status,
            p.billing_model,
            p.currency,
            p.budget_hours,
            p.budget,
            p.start_date,
            p.cost_center,
            p.drafted_on,
        )
        for p in found.items
    }


def test_the_invoices_and_projects_lists_as_of_a_date_as_known_at_a_moment_are_the_fold_of_the_events(
    keel: Keel,
) -> None:
    a_half_year_of_invoices_and_projects(keel)
    times = keel.app.recorded_times(1, keel.app.head_position())
    kinds = (Invoice.Event, Project.Event, Customer.Event)
    events = [(p, times[p], e) for p, e in keel.app.read_log(0, 10_000) if isinstance(e, kinds)]
    moments: list[datetime | None] = [*sorted({t for _, t, _ in events}), None]
    for as_of in DAYS:
        for known_at in moments:
            assert listed_invoices(keel, as_of, known_at) == fold_invoices(events, as_of, known_at), (as_of, known_at)
            assert listed_projects(keel, as_of, known_at) == fold_projects(events, as_of, known_at), (as_of, known_at)


def test_payments_voids_credits_and_late_news_show_on_their_dates_as_known_then(keel: Keel) -> None:
    ids, late = a_half_year_of_invoices_and_projects(keel)
    before_late = keel.app.moment_of(late)

    def states(as_of: date, known_at: datetime | None = None) -> dict[UUID, tuple[str, str]]:
        found = answer(keel, "invoices", Params(as_of=as_of, known_at=known_at)).result
        return {UUID(i.id): (i.payment_state, found.customer_names[i.customer_id]) for i in found.items}

    def projects(as_of: date, known_at: datetime | None = None) -> dict[UUID, str]:
        return {
            UUID(p.id): p.status for p in answer(keel, "projects", Params(as_of=as_of, known_at=known_at)).result.items
        }

    assert states(date(2026, 1, 31)) == {}
    assert states(date(2026, 2, 1)) == {ids["paid_late"]: ("draft", "Acme")}
    assert states(date(2026, 3, 4))[ids["paid_late"]] == ("partially_paid", "Acme")
    assert states(date(2026, 3, 5))[ids["paid_late"]] == ("paid", "Acme")  # the late payment, known now
    assert states(date(2026, 3, 5), before_late)[ids["paid_late"]] == ("partially_paid", "Acme")
    assert states(date(2026, 3, 15))[ids["paid_late"]] == ("paid", "Acme Group")  # renamed that day
    assert states(date(2026, 3, 9))[ids["voided"]][0] == "unpaid"
    assert states(date(2026, 3, 10))[ids["voided"]][0] == "voided"
    assert states(date(2026, 4, 14))[ids["credited"]][0] == "unpaid"
    assert states(date(2026, 4, 15))[ids["credited"]] == ("credited", "Beta Ltd")
    assert states(date(2026, 4, 15), before_late)[ids["credited"]] == ("credited", "Beta")
    assert states(date(2026, 6, 30))[ids["written_off"]][0] == "written_off"
    assert states(date(2026, 6, 30))[ids["left_draft"]][0] == "draft"
    assert projects(date(2026, 3, 5)) == {ids["site"]: "active", ids["app"]: "active"}
    assert projects(date(2026, 3, 5), before_late) == {ids["site"]: "active", ids["app"]: "draft"}
    assert projects(date(2026, 6, 30))[ids["site"]] == "closed"


def test_the_http_lists_take_as_of_and_known_at_and_one_invoice_or_project_still_answers(keel: Keel) -> None:
    ids, late = a_half_year_of_invoices_and_projects(keel)
    with TestClient(create_app(keel=keel), raise_server_exceptions=False) as client:
        then = client.get(
            "/v1/invoices", params={"as_of": "2026-03-05", "known_at": late, "customer_id": str(ids["acme"])}
        )
        assert then.status_code == 200, then.text
        assert [(i["payment_state"], i["outstanding"]) for i in then.json()["items"]] == [("partially_paid", "74.00")]
        assert then.json()["provenance"]["position"] == late
        now = client.get("/v1/invoices", params={"as_of": "2026-03-05", "status": "issued"}).json()
        assert {(i["id"], i["payment_state"]) for i in now["items"]} == {
            (str(ids["paid_late"]), "paid"),
            (str(ids["voided"]), "unpaid"),
        }
        projects = client.get("/v1/projects", params={"as_of": "2026-03-05", "known_at": late}).json()
        assert [p["status"] for p in projects["items"]] == ["active", "draft"]
        one = client.get(f"/v1/invoices/{ids['paid_late']}")
        assert one.status_code == 200 and one.json()["payment_state"] == "paid" and one.json()["lines"]
        assert client.get(f"/v1/projects/{ids['app']}").json()["status"] == "active"
