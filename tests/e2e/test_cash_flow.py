"""Cash flow: actuals from the bank, a forecast that knows each customer's payment habits, and the
forecast of a past day against what happened since."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal
from uuid import UUID

from fastapi.testclient import TestClient
from support import invoice, ok, pay, register

from api.system import Keel
from commands.messages import (
    ActivateProject,
    BillLineInput,
    BillPaymentInput,
    ChangePaymentTerms,
    ChangeTerms,
    CloseProject,
    ConfigureProject,
    DealInput,
    DraftProject,
    HirePerson,
    OpenDeal,
    PaySupplier,
    PlanAllocation,
    RecordBill,
    RegisterSupplier,
    TermsInput,
)
from ledger.events import Meta

META = Meta("maria")


def test_a_customer_paying_12_days_late_is_forecast_12_days_late_and_the_forecast_holds(
    keel: Keel, client: TestClient
) -> None:
    slow = register(keel, "Slow & Co", on=date(2026, 1, 1))
    prompt = register(keel, "Prompt Ltd", on=date(2026, 1, 1))
    # History: two invoices due 1 Feb and 3 Mar, each paid 12 days after its due date.
    first = invoice(keel, slow, "1000.00", date(2026, 1, 2))
    pay(keel, slow, "1240.00", date(2026, 2, 13), {first: "1240.00"})
    second = invoice(keel, slow, "2000.00", date(2026, 2, 1))
    pay(keel, slow, "2480.00", date(2026, 3, 15), {second: "2480.00"})
    # Open on 20 March: Slow's invoice due 1 April, Prompt's due 10 April, a bill due 5 April.
    open_slow = invoice(keel, slow, "1500.00", date(2026, 3, 2))
    open_prompt = invoice(keel, prompt, "500.00", date(2026, 3, 11))
    supplier = keel.app.handle(RegisterSupplier(meta=META, name="Pixel Print", on=date(2026, 1, 1))).id
    line = BillLineInput(description="Print", account="5000", amount="300.00", tax_rate="24")
    bill = keel.app.handle(
        RecordBill(
            meta=META,
            on=date(2026, 3, 6),
            supplier_id=supplier,
            supplier_reference="PP-1",
            lines=(line,),
            due_date=date(2026, 4, 5),
        )
    ).id
    forecast_made = keel.app.moment_of(keel.app.head_position())
    assert forecast_made is not None
    keel.engine.catch_up()

    said = ok(client.get("/v1/reports/cash-forecast", params={"as_of": "2026-03-20", "end": "2026-04-30"}))
    assert Decimal(said["delays"][str(slow)]) == Decimal("12.0") and str(prompt) not in said["delays"]
    expected = {i["document_id"]: (i["expected_on"], i["amount"]) for i in said["items"]}
    assert expected[str(open_slow)] == ("2026-04-13", "1860.00")  # due 1 April + 12 days
    assert expected[str(open_prompt)] == ("2026-04-10", "620.00")
    assert expected[str(bill)] == ("2026-04-05", "-372.00")
    weeks = {p["start"]: p for p in said["periods"]}
    # A naive forecast would put Slow's money in the week of 30 March, with the bill.
    assert weeks["2026-03-30"]["inflow"] == "0.00" and weeks["2026-03-30"]["outflow"] == "372.00"
    assert weeks["2026-04-06"]["net"] == "620.00" and weeks["2026-04-13"]["net"] == "1860.00"
    assert said["periods"][0]["opening"] == "3720.00"  # what came in so far

    # What happened: the bill paid on time, Prompt on time, Slow 13 days late.
    keel.app.handle(
        PaySupplier(
            meta=META,
            on=date(2026, 4, 5),
            supplier_id=supplier,
            allocations=(BillPaymentInput(bill_id=bill, amount="372.00"),),
        )
    )
    pay(keel, prompt, "620.00", date(2026, 4, 10), {open_prompt: "620.00"})
    before_slow = keel.app.head_position()  # Slow's payment not yet recorded
    pay(keel, slow, "1860.00", date(2026, 4, 14), {open_slow: "1860.00"})
    keel.engine.catch_up()

    compared = ok(
        client.get(
            "/v1/reports/forecast-vs-actual",
            params={"as_of": "2026-03-20", "end": "2026-04-30", "forecast_known_at": forecast_made.isoformat()},
        )
    )
    rows = {p["start"]: p for p in compared["periods"]}
    assert all(p["difference"] == "0.00" for p in compared["periods"]), compared["periods"]
    assert rows["2026-04-13"]["forecast_net"] == rows["2026-04-13"]["actual_net"] == "1860.00"
    # As known before Slow's payment was recorded: the same forecast, nothing come in that week yet.
    params = {"as_of": "2026-03-20", "end": "2026-04-30", "forecast_known_at": forecast_made.isoformat()}
    then = ok(client.get("/v1/reports/forecast-vs-actual", params={**params, "known_at": str(before_slow)}))
    weeks_then = {p["start"]: p for p in then["periods"]}
    assert (weeks_then["2026-04-13"]["forecast_net"], weeks_then["2026-04-13"]["actual_net"]) == ("1860.00", "0.00")
    assert then["provenance"]["position"] == before_slow

    actual = ok(client.get("/v1/reports/cash-flow", params={"start": "2026-04-01", "end": "2026-04-30"}))
    (april,) = actual["periods"]
    assert april["inflow"] == "2480.00" and april["outflow"] == "372.00"
    assert april["opening"] == "3720.00" and april["closing"] == "5828.00"


def test_committed_labour_goes_out_at_the_end_of_each_allocated_week(keel: Keel, client: TestClient) -> None:
    customer = register(keel, "Acme", on=date(2026, 1, 1))
    terms = TermsInput(
        effective=date(2026, 1, 1),
        role="designer",
        cost_center="DES",
        weekly_capacity="40",
        cost_rate="50",
        bill_rate="95",
    )
    keel.app.handle(HirePerson(meta=META, handle="ana", name="Ana", terms=terms, on=date(2026, 1, 1)))
    raise_ = ChangeTerms(meta=META, handle="ana", terms=replace(terms, effective=date(2026, 4, 13), cost_rate="60"))
    keel.app.handle(raise_)
    project = keel.app.handle(DraftProject(meta=META, customer_id=customer, name="Site", on=date(2026, 3, 1))).id
    for week, hours in ((date(2026, 4, 6), "20"), (date(2026, 4, 13), "10"), (date(2026, 3, 9), "40")):
        keel.app.handle(
            PlanAllocation(meta=META, project_id=project, person="ana", week=week, hours=hours, on=date(2026, 3, 2))
        )
    keel.engine.catch_up()
    said = ok(client.get("/v1/reports/cash-forecast", params={"as_of": "2026-03-20", "end": "2026-04-30"}))
    labour = [(i["expected_on"], i["amount"]) for i in said["items"] if i["source"] == "labour"]
    assert labour == [("2026-04-12", "-1000.00"), ("2026-04-19", "-600.00")]  # the raise applies from 13 April


def retainer(keel: Keel, customer: UUID) -> tuple[UUID, int]:
    """A retainer of 1,000 a month (24% tax) from 1 January, active: its id and the log position."""
    project = keel.app.handle(DraftProject(meta=META, customer_id=customer, name="Care", on=date(2026, 1, 1))).id
    keel.app.handle(
        ConfigureProject(
            meta=META,
            project_id=project,
            model="retainer",
            start=date(2026, 1, 1),
            monthly_fee="1000",
            tax_percent="24",
            on=date(2026, 1, 1),
        )
    )
    return project, keel.app.handle(ActivateProject(meta=META, project_id=project, on=date(2026, 1, 1))).position


def test_retainer_months_and_the_weighted_pipeline_come_in_after_the_customers_terms(
    keel: Keel, client: TestClient
) -> None:
    customer = register(keel, "Acme", on=date(2026, 1, 1))  # 30 days' terms, no payment history
    project, _ = retainer(keel, customer)
    deal = DealInput(title="Redesign", value="10000", expected_close=date(2026, 4, 10), probability="50")
    opened = keel.app.handle(OpenDeal(meta=META, customer_id=customer, deal=deal, on=date(2026, 3, 1))).id
    keel.engine.catch_up()
    said = ok(client.get("/v1/reports/cash-forecast", params={"as_of": "2026-03-20", "end": "2026-05-31"}))
    coming = [(i["source"], i["document_id"], i["expected_on"], i["amount"]) for i in said["items"]]
    assert coming == [
        ("retainer", str(project), "2026-05-01", "1240.00"),  # April's fee, 30 days after 1 April
        ("pipeline", str(opened), "2026-05-10", "5000.00"),  # half of 10,000, 30 days after the close
        ("retainer", str(project), "2026-05-31", "1240.00"),
    ]


def test_the_forecast_known_at_k_keeps_the_retainers_and_terms_known_then(keel: Keel, client: TestClient) -> None:
    customer = register(keel, "Acme", on=date(2026, 1, 1))  # 30 days' terms
    project, known = retainer(keel, customer)
    keel.app.handle(ChangePaymentTerms(meta=META, customer_id=customer, payment_terms_days=10, on=date(2026, 3, 1)))
    keel.app.handle(CloseProject(meta=META, project_id=project, on=date(2026, 3, 15)))
    keel.engine.catch_up()
    params = {"as_of": "2026-03-20", "end": "2026-05-31"}

    def retainers(**extra: object) -> list[tuple[str, str]]:
        said = ok(client.get("/v1/reports/cash-forecast", params={**params, **extra}))
        return [(i["expected_on"], i["amount"]) for i in said["items"] if i["source"] == "retainer"]

    assert retainers() == []  # closed on 15 March
    then = [("2026-05-01", "1240.00"), ("2026-05-31", "1240.00")]  # as known before: active, 30 days
    assert retainers(known_at=known) == then
    assert retainers(as_of="2026-03-10") == [("2026-04-11", "1240.00"), ("2026-05-11", "1240.00")]  # 10 days


def test_periods_that_end_before_they_start_or_span_too_long_are_422_problems(client: TestClient) -> None:
    for params in (
        {"start": "2000-01-01", "end": "1970-01-01"},
        {"start": "1900-01-01", "end": "2999-12-31", "by": "week"},
    ):
        response = client.get("/v1/reports/cash-flow", params=params)
        assert response.status_code == 422 and response.headers["content-type"] == "application/problem+json"
    response = client.get("/v1/reports/cash-forecast", params={"as_of": "2026-01-01", "end": "2999-01-01"})
    assert response.status_code == 422


def test_the_forecast_items_come_a_page_at_a_time_and_the_periods_count_them_all(
    keel: Keel, client: TestClient
) -> None:
    customers = [register(keel, f"Customer {n}", on=date(2026, 1, 1)) for n in range(3)]
    for n, customer in enumerate(customers):  # receivables from the database, in twos on a day
        for day in (2, 2, 9, 16):
            invoice(keel, customer, f"{100 * (n + 1)}.00", date(2026, 3, day))
    retainer(keel, customers[0])  # and items the forecast makes itself
    deal = DealInput(title="Redesign", value="10000", expected_close=date(2026, 4, 10), probability="50")
    keel.app.handle(OpenDeal(meta=META, customer_id=customers[1], deal=deal, on=date(2026, 3, 1)))
    keel.engine.catch_up()
    params = {"as_of": "2026-03-20", "end": "2026-05-31"}
    whole = ok(client.get("/v1/reports/cash-forecast", params={**params, "limit": 1000}))
    assert whole["next_cursor"] is None and whole["item_count"] == len(whole["items"]) == 12 + 3
    keys = [(i["expected_on"], i["source"], i["document_id"], i["party_id"]) for i in whole["items"]]
    assert keys == sorted(keys) and {i["source"] for i in whole["items"]} == {"receivable", "retainer", "pipeline"}
    paged, cursors = [], [None]
    while True:
        after = {"cursor": cursors[-1]} if cursors[-1] else {}
        page = ok(client.get("/v1/reports/cash-forecast", params={**params, "limit": 4, **after}))
        assert page["periods"] == whole["periods"] and page["item_count"] == 15
        paged += page["items"]
        if page["next_cursor"] is None:
            break
        cursors.append(page["next_cursor"])
    assert paged == whole["items"] and len(cursors) == 4
    periods_only = ok(client.get("/v1/reports/cash-forecast", params={**params, "limit": 0}))
    assert periods_only["items"] == [] and periods_only["periods"] == whole["periods"]
    elsewhere = client.get("/v1/reports/cash-forecast", params={**params, "as_of": "2026-03-21", "cursor": cursors[1]})
    assert elsewhere.status_code == 422  # a cursor of another forecast
