"""GETs of one resource answered by the read models, not by loading aggregates (issue 17).

Each route is asked, on the demo quarter plus a few later changes, for every resource of its kind,
and must answer what it answered when it read the aggregate (``before``: the former route's code,
kept here as the oracle) — the same JSON, key order included, and the same ETag, the aggregate's
version that writes take as If-Match — right after the change, with ``min_position``. Then the
read model is shown to be the source: emptied, the route no longer answers so (the aggregates are
all still there); rebuilt from the log, it answers as before again. A missing resource is a 404
with the former detail."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

import pytest
from fastapi.testclient import TestClient

from api import schemas
from api.demo import load_demo
from api.system import Keel
from ledger.credit_note import CreditNote
from ledger.errors import NotFound
from ledger.events import KeelAggregate
from ledger.expense_policy import POLICY_ID, CostCenter, cost_center_id
from ledger.payment import Payment
from ledger.supplier_payment import SupplierPayment
from ledger.timesheets import Timesheet, monday_of, timesheet_id

Answer = tuple[int, str, str | None]  # status, the JSON body as sent (keys in order), the ETag


def events_of(keel: Keel, kind: type[KeelAggregate.Event]) -> list[Any]:
    return [e for _, e in keel.app.read_log(0, 1_000_000, topics=[kind.TOPIC])]


def answer(client: TestClient, path: str, position: int) -> Answer:
    response = client.get(path, params={"min_position": position})
    body = response.json()
    if response.status_code != 200:
        return response.status_code, body["detail"], None
    return 200, json.dumps(body), response.headers.get("ETag")


def former(make: Callable[[Keel, str], tuple[Any, int | None]]) -> Callable[[Keel, str], Answer]:
    """The former route's answer: its body as JSON and its ETag, or its 404."""

    def run(keel: Keel, path: str) -> Answer:
        try:
            body, version = make(keel, path)
        except NotFound as exc:
            return 404, str(exc), None
        return 200, json.dumps(body.model_dump(mode="json")), None if version is None else f'"{version}"'

    return run


# -- the former routes, verbatim but for their parameters ------------------------------------------


def policy_before(keel: Keel, _path: str) -> tuple[Any, int | None]:
    stored = POLICY_ID in keel.app.repository
    policy = keel.app.expense_policy()
    version = policy.version if stored else 0
    return schemas.ExpensePolicyOut(
        steps=[schemas.ApprovalStepIn(approver=s.approver, above=str(s.above)) for s in policy.steps],
        fallback_approver=policy.fallback_approver,
        categories=dict(policy.categories),
        version=version,
    ), version


def cost_center_before(keel: Keel, path: str) -> tuple[Any, int | None]:
    code = path.rsplit("/", 1)[1]
    center = keel.app.get(CostCenter, cost_center_id(code.upper()))
    return schemas.CostCenter(code=center.code, name=center.name, manager=center.manager, version=center.version), (
        center.version
    )


def credit_note_before(keel: Keel, path: str) -> tuple[Any, int | None]:
    parts = path.split("/")
    invoice_id, credit_note_id = UUID(parts[3]), UUID(parts[5])
    issued = keel.app.first_event(CreditNote, credit_note_id)
    if not isinstance(issued, CreditNote.Issued) or issued.invoice_id != invoice_id:
        raise NotFound(f"credit note {credit_note_id} of invoice {invoice_id} not found")
    return schemas.CreditNote(
        id=credit_note_id,
        invoice_id=issued.invoice_id,
        customer_id=issued.customer_id,
        number=issued.number,
        issued_on=issued.effective_date,
        currency=issued.currency,
        net=issued.net,
        tax=issued.tax,
        total=issued.net + issued.tax,
        to_credit=issued.to_credit,
        reason=issued.reason,
        lines=[
            schemas.CreditNoteLine(
                description=ln.description,
                quantity=ln.quantity,
                unit_price=ln.unit_price,
                discount_percent=ln.discount_percent,
                tax_rate=ln.tax_rate,
                tax_inclusive=ln.tax_inclusive,
                amount=ln.amount(issued.currency).amount,
            )
            for ln in issued.lines
        ],
    ), None


def supplier_payment_before(keel: Keel, path: str) -> tuple[Any, int | None]:
    payment_id = UUID(path.rsplit("/", 1)[1])
    made = keel.app.first_event(SupplierPayment, payment_id)
    assert isinstance(made, SupplierPayment.Made)
    return schemas.SupplierPayment(
        id=payment_id,
        supplier_id=made.supplier_id,
        paid_on=made.effective_date,
        currency=made.currency,
        amount=made.amount,
        rate=made.rate,
        reference=made.reference,
        allocations=[schemas.BillAllocationOut(bill_id=a.bill_id, amount=a.amount) for a in made.allocations],
    ), None


def payment_before(keel: Keel, path: str) -> tuple[Any, int | None]:
    payment = keel.app.get(Payment, UUID(path.rsplit("/", 1)[1]))
    return schemas.PaymentDetail(
        id=payment.id,
        customer_id=payment.customer_id,
        received_on=payment.received_on,
        currency=payment.amount.currency,
        amount=payment.amount.amount,
        rate=payment.rate,
        allocations=[schemas.PaymentAllocation(invoice_id=i, amount=a) for i, a in payment.allocated.items() if a != 0],
        credit=payment.credit.amount,
        version=payment.version,
    ), payment.version


def timesheet_before(keel: Keel, path: str) -> tuple[Any, int | None]:
    _, _, _, person, week = path.split("/")
    sheet = keel.app.get(Timesheet, timesheet_id(person, monday_of(date.fromisoformat(week))))
    entries = [
        schemas.TimesheetEntry(
            entry_id=entry_id,
            day=e["day"],
            project_id=str(e["project_id"]),
            hours=e["hours"],
            billable=e["billable"],
            note=e.get("note", ""),
        )
        for entry_id, e in sorted(sheet.entries.items(), key=lambda item: (item[1]["day"], item[0]))
    ]
    return schemas.Timesheet(
        person=sheet.person,
        week=sheet.week,
        status=sheet.status,
        total_hours=sum((e.hours for e in entries), Decimal(0)),
        entries=entries,
        version=sheet.version,
    ), sheet.version


# -- later changes, each written over HTTP: the GET after it must see it ---------------------------


def position_of(response: Any) -> int:
    assert response.status_code in (200, 201), response.text
    return int(response.json()["position"])


def reconfigure_policy(client: TestClient, _keel: Keel) -> int:
    steps = [{"approver": "cost_center_manager", "above": "0"}, {"approver": "olaf", "above": "1500.50"}]
    categories = {"travel": "6200", "software": "6100", "meals": "6300"}  # not in alphabetical order
    body = {"steps": steps, "fallback_approver": "finance", "categories": categories, "on": "2026-09-30"}
    return position_of(client.put("/v1/expense-policy", json=body))


def change_a_manager(client: TestClient, _keel: Keel) -> int:
    return position_of(client.post("/v1/cost-centers/ops/manager", json={"manager": "nina", "on": "2026-09-30"}))


def credit_an_invoice(client: TestClient, _keel: Keel) -> int:
    """Credit all of an issued invoice nothing was paid or credited on (its lines, as drafted)."""
    issued = client.get("/v1/invoices", params={"status": "issued", "limit": 1000}).json()["items"]
    untouched = next(i for i in issued if i["paid"] == i["credited"] == "0.00")
    return position_of(client.post(f"/v1/invoices/{untouched['id']}/credit-notes", json={"reason": "Goodwill"}))


def pay_a_bill(client: TestClient, _keel: Keel) -> int:
    bill = client.get("/v1/bills", params={"status": "open"}).json()["items"][0]
    body = {"supplier_id": bill["supplier_id"], "allocations": [{"bill_id": bill["id"], "amount": bill["open"]}]}
    return position_of(client.post("/v1/supplier-payments", json={**body, "reference": "Transfer 12-01"}))


def take_allocations_back(client: TestClient, keel: Keel) -> int:
    """Part of one allocation of a payment of two, and all of the other (which leaves its list)."""
    received = events_of(keel, Payment.Received)
    split = next(e for e in received if len(e.allocations) == 2)
    first, second = split.allocations
    path = f"/v1/payments/{split.originator_id}/unallocate"
    position_of(client.post(path, json={"invoice_id": str(first.invoice_id), "amount": "100.10"}))
    return position_of(client.post(path, json={"invoice_id": str(second.invoice_id), "amount": str(second.amount)}))


def a_week_logged_corrected_and_rejected(client: TestClient, keel: Keel) -> int:
    """A new week for each person of the demo: one submitted; the other's with an entry corrected
    to nothing and an earlier entry id on the same day, submitted and rejected (open again)."""
    sheets = {e.originator_id: e.person for e in events_of(keel, Timesheet.Opened)}
    projects = {sheets[e.originator_id]: str(e.project_id) for e in events_of(keel, Timesheet.EntryLogged)}
    (first, first_project), (second, second_project) = sorted(projects.items())
    week = "2026-09-28"

    def log(person: str, project: str, entry: str, day: str, hours: str, **more: Any) -> int:
        entry = f"{person}-{entry}"  # entry ids unique across timesheets (the work read model keys time by them)
        body = {"person": person, "project_id": project, "entry_id": entry, "day": day, "hours": hours, **more}
        return position_of(client.post("/v1/time", json=body))

    log(first, first_project, "e-1", "2026-09-29", "6")
    log(first, first_project, "e-2", "2026-09-28", "1.50", billable=False, note="Planning")
    position_of(client.post(f"/v1/timesheets/{first}/{week}/submit"))
    log(second, second_project, "e-1", "2026-09-30", "2.5", note="Review")
    log(second, second_project, "a-0", "2026-09-30", "0.75")
    sheet = f"/v1/timesheets/{second}/{week}"
    position_of(client.post(f"{sheet}/entries/{second}-e-1/correct", json={"hours": "0", "billable": False}))
    position_of(client.post(f"{sheet}/submit"))
    return position_of(client.post(f"{sheet}/reject", json={"reason": "Which review?"}))


@dataclass(frozen=True)
class Route:
    name: str
    read_model: str
    paths: Callable[[Keel], list[str]]
    before: Callable[[Keel, str], Answer]
    change: Callable[[TestClient, Keel], int]
    missing: Callable[[Keel], list[str]]  # paths to nothing: 404, with the former detail


ROUTES = [
    Route(
        "expense-policy",
        "claims",
        lambda keel: ["/v1/expense-policy"],
        former(policy_before),
        reconfigure_policy,
        lambda keel: [],
    ),
    Route(
        "cost-center",
        "claims",
        lambda keel: [f"/v1/cost-centers/{e.code.lower()}" for e in events_of(keel, CostCenter.Defined)],
        former(cost_center_before),
        change_a_manager,
        lambda keel: ["/v1/cost-centers/nope"],
    ),
    Route(
        "credit-note",
        "documents",
        lambda keel: [
            f"/v1/invoices/{e.invoice_id}/credit-notes/{e.originator_id}" for e in events_of(keel, CreditNote.Issued)
        ],
        former(credit_note_before),
        credit_an_invoice,
        lambda keel: [
            f"/v1/invoices/{UUID(int=1)}/credit-notes/{UUID(int=2)}",
            *(f"/v1/invoices/{UUID(int=1)}/credit-notes/{e.originator_id}" for e in events_of(keel, CreditNote.Issued)),
        ],
    ),
    Route(
        "supplier-payment",
        "documents",
        lambda keel: [f"/v1/supplier-payments/{e.originator_id}" for e in events_of(keel, SupplierPayment.Made)],
        former(supplier_payment_before),
        pay_a_bill,
        lambda keel: [f"/v1/supplier-payments/{UUID(int=3)}"],
    ),
    Route(
        "payment",
        "documents",
        lambda keel: [f"/v1/payments/{e.originator_id}" for e in events_of(keel, Payment.Received)],
        former(payment_before),
        take_allocations_back,
        lambda keel: [f"/v1/payments/{UUID(int=4)}"],
    ),
    Route(
        "timesheet",
        "work",
        lambda keel: [
            f"/v1/timesheets/{e.person}/{week}"
            for e in events_of(keel, Timesheet.Opened)
            for week in (e.week, e.week + timedelta(days=3))  # any day of the week asks for it
        ],
        former(timesheet_before),
        a_week_logged_corrected_and_rejected,
        lambda keel: ["/v1/timesheets/nobody/2026-09-28"],
    ),
]


@pytest.fixture
def demo(keel: Keel, client: TestClient) -> TestClient:
    load_demo(keel.app)
    keel.engine.wait_for(keel.app.head_position(), [], timeout=60)
    return client


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: r.name)
def test_a_resource_is_answered_from_its_read_model_as_it_was_from_its_aggregate(
    route: Route, keel: Keel, demo: TestClient
) -> None:
    position = route.change(demo, keel)
    paths = route.paths(keel)
    assert paths
    before = {path: route.before(keel, path) for path in paths}
    assert all(found[0] == 200 for found in before.values())
    assert {path: answer(demo, path, position) for path in paths} == before
    for path in route.missing(keel):
        assert answer(demo, path, position) == route.before(keel, path)
        assert answer(demo, path, position)[0] == 404

    with keel.views.transaction() as cur:  # the read model emptied, the aggregates untouched
        for table in keel.engine.projections[route.read_model].tables:
            cur.execute(f"DELETE FROM {table}")
    assert all(answer(demo, path, position) != before[path] for path in paths)

    keel.engine.rebuild(route.read_model)
    assert {path: answer(demo, path, position) for path in paths} == before


def test_the_default_policy_is_answered_at_version_zero_until_one_is_configured(client: TestClient, keel: Keel) -> None:
    head = keel.app.head_position()
    assert answer(client, "/v1/expense-policy", head) == former(policy_before)(keel, "")
    assert answer(client, "/v1/expense-policy", head)[2] == '"0"'
    position = reconfigure_policy(client, keel)
    found = answer(client, "/v1/expense-policy", position)
    assert found == former(policy_before)(keel, "") and found[2] == '"1"'
