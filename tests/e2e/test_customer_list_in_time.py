"""The customer list as of a date, as known at a moment: a rename dated in the past, one recorded
late, a merge and a registration after the date. Every answer equals a fold of the customer
events dated by then among those recorded by then, written here without the read model. And the
supplier list, from each supplier's registration date as known from its recording."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import UUID

from fastapi.testclient import TestClient

from api.http import create_app
from api.system import Keel
from commands.messages import (
    AssignCustomerOwner,
    ChangePaymentTerms,
    MergeCustomers,
    RegisterCustomer,
    RegisterSupplier,
    RenameCustomer,
)
from ledger.customer import Customer
from ledger.events import Meta
from projections.finance.ledger_lists import list_suppliers
from projections.finance.lists import list_customers

META = Meta(actor="test")
DAYS = [date(2026, m, d) for m, d in ((1, 4), (1, 5), (2, 15), (3, 20), (7, 1), (8, 31), (9, 1), (10, 14), (10, 20))]
Row = tuple[str, str, int, str, date, int]  # id, name, terms, currency, registered_on, version


def register(keel: Keel, name: str, on: date) -> UUID:
    return keel.app.handle(RegisterCustomer(meta=META, name=name, on=on)).id


def a_year_of_customers(keel: Keel) -> dict[str, UUID]:
    acme = register(keel, "Acme", date(2026, 1, 5))
    beta = register(keel, "Beta", date(2026, 2, 1))
    duplicate = register(keel, "Beta Oy", date(2026, 2, 10))
    keel.app.handle(ChangePaymentTerms(meta=META, on=date(2026, 3, 1), customer_id=beta, payment_terms_days=45))
    keel.app.handle(AssignCustomerOwner(meta=META, on=date(2026, 4, 1), customer_id=acme, owner="ana"))
    keel.app.handle(MergeCustomers(meta=META, on=date(2026, 6, 30), source_id=duplicate, target_id=beta))
    keel.app.handle(RenameCustomer(meta=META, on=date(2026, 9, 1), customer_id=acme, name="Acme Group"))
    gamma = register(keel, "Gamma", date(2026, 10, 15))
    # recorded last, dated in March: known at an earlier moment, Beta was still "Beta"
    keel.app.handle(RenameCustomer(meta=META, on=date(2026, 3, 15), customer_id=beta, name="Beta Ltd"))
    keel.engine.catch_up()
    return {"acme": acme, "beta": beta, "duplicate": duplicate, "gamma": gamma}


def fold(events: list[tuple[int, datetime, Any]], as_of: date, known_at: datetime | None) -> set[Row]:
    """The list from the events themselves: those dated by ``as_of`` and recorded by ``known_at``,
    applied in business order; merged customers left out."""
    state: dict[str, dict[str, Any]] = {}
    chosen = [
        (e.effective_date, p, e) for p, t, e in events if e.effective_date <= as_of and (not known_at or t <= known_at)
    ]
    for _, _, e in sorted(chosen, key=lambda x: (x[0], x[1])):
        key = str(e.originator_id)
        if isinstance(e, Customer.Registered):
            state[key] = {"name": e.name, "terms": e.payment_terms_days, "currency": e.currency}
            state[key].update(registered=e.effective_date, merged=False, version=0)
        if key not in state:
            continue
        c = state[key]
        c["version"] = max(c["version"], e.originator_version)
        if isinstance(e, Customer.Renamed):
            c["name"] = e.name
        elif isinstance(e, Customer.PaymentTermsChanged):
            c["terms"] = e.payment_terms_days
        elif isinstance(e, Customer.MergedInto):
            c["merged"] = True
    return {
        (k, c["name"], c["terms"], c["currency"], c["registered"], c["version"])
        for k, c in state.items()
        if not c["merged"]
    }


def listed(keel: Keel, as_of: date, known_at: datetime | None) -> set[Row]:
    items = list_customers(keel.views, as_of, known_at, limit=1000).items
    assert len(items) == len({c.id for c in items})  # one row per customer
    return {(c.id, c.name, c.payment_terms_days, c.currency, c.registered_on, c.version) for c in items}


def test_the_customer_list_as_of_a_date_as_known_at_a_moment_is_the_fold_of_the_events_by_then(keel: Keel) -> None:
    a_year_of_customers(keel)
    head = keel.app.head_position()
    times = keel.app.recorded_times(1, head)
    events = [(p, times[p], e) for p, e in keel.app.read_log(0, 10_000) if isinstance(e, Customer.Event)]
    moments: list[datetime | None] = [*sorted({t for _, t, _ in events}), None]
    for as_of in DAYS:
        for known_at in moments:
            assert listed(keel, as_of, known_at) == fold(events, as_of, known_at), (as_of, known_at)


def test_renames_merges_and_registrations_show_on_their_dates_as_known_then(keel: Keel) -> None:
    ids = a_year_of_customers(keel)
    late = keel.app.head_position()
    before_late = keel.app.moment_of(late - 1)

    def names(as_of: date, known_at: datetime | None = None) -> dict[UUID, str]:
        return {UUID(c.id): c.name for c in list_customers(keel.views, as_of, known_at).items}

    assert names(date(2026, 1, 4)) == {}  # nobody registered yet
    assert names(date(2026, 2, 15)) == {ids["acme"]: "Acme", ids["beta"]: "Beta", ids["duplicate"]: "Beta Oy"}
    assert names(date(2026, 8, 31))[ids["acme"]] == "Acme"  # renamed as of 1 September
    assert names(date(2026, 9, 1))[ids["acme"]] == "Acme Group"
    assert ids["duplicate"] not in names(date(2026, 6, 30))  # merged that day
    assert names(date(2026, 7, 1))[ids["beta"]] == "Beta Ltd"  # the late rename, known now
    assert names(date(2026, 7, 1), before_late)[ids["beta"]] == "Beta"  # not yet known then
    assert ids["gamma"] not in names(date(2026, 10, 14)) and ids["gamma"] in names(date(2026, 10, 20))


def test_the_http_list_takes_as_of_and_known_at_and_a_customer_still_answers(keel: Keel) -> None:
    ids = a_year_of_customers(keel)
    late = keel.app.head_position()
    with TestClient(create_app(keel=keel), raise_server_exceptions=False) as client:
        then = client.get("/v1/customers", params={"as_of": "2026-07-01", "known_at": late - 1})
        assert then.status_code == 200, then.text
        assert [c["name"] for c in then.json()["items"]] == ["Acme", "Beta"]
        assert then.json()["provenance"]["position"] == late - 1
        now = client.get("/v1/customers", params={"as_of": "2026-10-20"}).json()
        assert [c["name"] for c in now["items"]] == ["Acme Group", "Beta Ltd", "Gamma"]
        one = client.get(f"/v1/customers/{ids['beta']}")
        assert one.status_code == 200 and one.json()["name"] == "Beta Ltd"
        assert client.get(f"/v1/customers/{ids['duplicate']}").status_code == 200  # merged, still there


def test_a_supplier_is_listed_from_its_registration_date_as_known_from_its_recording(keel: Keel) -> None:
    first = keel.app.handle(RegisterSupplier(meta=META, name="Pixel Print", on=date(2026, 3, 1)))
    second = keel.app.handle(RegisterSupplier(meta=META, name="Paper Co", on=date(2026, 2, 1)))  # dated earlier
    keel.engine.catch_up()
    before = keel.app.moment_of(first.position)

    def names(as_of: date, known_at: datetime | None = None) -> list[str]:
        return [s.name for s in list_suppliers(keel.views, as_of, known_at).items]

    assert names(date(2026, 1, 31)) == []
    assert names(date(2026, 2, 1)) == ["Paper Co"]
    assert names(date(2026, 3, 1)) == ["Paper Co", "Pixel Print"]
    assert names(date(2026, 3, 1), before) == ["Pixel Print"]  # Paper Co not yet recorded
    with TestClient(create_app(keel=keel), raise_server_exceptions=False) as client:
        then = client.get("/v1/suppliers", params={"as_of": "2026-03-01", "known_at": first.position}).json()
        assert [s["name"] for s in then["items"]] == ["Pixel Print"]
        assert client.get(f"/v1/suppliers/{second.id}").json()["name"] == "Paper Co"
