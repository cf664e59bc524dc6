"""Planned costs (ADR 0065), on SQLite and PostgreSQL: payroll and rent planned over HTTP and the
command line move the demo's cash forecast by exactly their payments, month by month, revisions
and ends included; the forecast known before they were planned is the one it was; nothing reaches
the books. Bad input is a problem naming the field (4xx / exit 1, one line), nothing written."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient
from support import cli_run

from api.demo import load_demo
from api.http import create_app
from api.system import Keel
from projections.cash.forecasts import forecast
from projections.finance.reports import trial_balance

AS_OF, END = date(2026, 10, 31), date(2027, 4, 30)
ON = "2026-10-15"  # when they were decided: before the forecast's as-of date


@pytest.fixture
def demo(keel: Keel) -> Iterator[tuple[Keel, TestClient]]:
    load_demo(keel.app)
    keel.engine.start(poll_interval=0.05)
    with TestClient(create_app(keel=keel), raise_server_exceptions=False) as client:
        yield keel, client


def outflows(keel: Keel, known_at: datetime | None = None) -> dict[date, Decimal]:
    keel.engine.catch_up()
    found = forecast(keel.views, AS_OF, END, "month", "EUR", known_at, limit=0)
    return {p.start: p.outflow for p in found.periods}


def test_planned_costs_move_the_forecast_by_their_payments_and_nothing_else(
    demo: tuple[Keel, TestClient],
) -> None:
    keel, client = demo
    before, books = outflows(keel), trial_balance(keel.views, END)
    planned_at = datetime.now(UTC)
    payroll = client.post(
        "/v1/planned-costs",
        json={"name": "Designer payroll", "amount": "5000.00", "start": "2026-11-01", "pay_day": 25, "on": ON},
    )
    assert payroll.status_code == 201, payroll.text
    code, said = cli_run(keel, "costs", "plan", "Office rent", "--amount", "2400", "--from", "2027-01-01", "--on", ON)
    assert code == 0 and "2400 monthly on day 31 from 2027-01-01" in said, said
    code, said = cli_run(
        keel,
        "costs",
        "plan",
        "Insurance",
        "--amount",
        "900",
        "--from",
        "2026-12-01",
        "--every",
        "quarterly",
        "--pay-day",
        "15",
        "--on",
        ON,
    )
    assert code == 0, said
    code, said = cli_run(keel, "costs", "plan", "Twice", "--amount", "1000", "--from", "2026-11-01", "--on", ON)
    assert code == 0 and cli_run(keel, "costs", "cancel", "twice", "--reason", "planned twice", "--on", ON)[0] == 0
    cost = payroll.json()["id"]
    assert client.post(
        f"/v1/planned-costs/{cost}/revisions", json={"amount": "5500", "effective_from": "2027-02-01", "on": ON}
    )
    code, said = cli_run(keel, "costs", "end", "designer", "--until", "2027-03-31", "--on", ON)
    assert code == 0, said

    after = outflows(keel)
    expected = {
        date(2026, 11, 1): Decimal("5000.00"),
        date(2026, 12, 1): Decimal("5900.00"),  # the insurance's first quarter
        date(2027, 1, 1): Decimal("7400.00"),  # the rent's first month, on the 31st
        date(2027, 2, 1): Decimal("7900.00"),  # the raise; the rent on the 28th
        date(2027, 3, 1): Decimal("8800.00"),  # the insurance again
        date(2027, 4, 1): Decimal("2400.00"),  # the payroll ended in March
    }
    assert {month: after[month] - before[month] for month in after} == expected
    assert outflows(keel, planned_at) == before  # as known before they were planned
    now = trial_balance(keel.views, END)
    assert (now.rows, now.totals) == (books.rows, books.totals)  # nothing reaches the books

    listed = client.get("/v1/planned-costs", params={"as_of": "2027-02-15"}).json()
    by_name = {c["name"]: c for c in listed["items"]}
    assert by_name["Designer payroll"]["steps"] == [
        {"effective_from": "2026-11-01", "amount": "5000.00"},
        {"effective_from": "2027-02-01", "amount": "5500.00"},
    ]
    assert by_name["Designer payroll"]["end"] == "2027-03-31" and "Twice" not in by_name  # cancelled
    assert client.get(payroll.headers["location"]).json() == by_name["Designer payroll"]
    first = client.get(payroll.headers["location"], params={"known_at": planned_at.isoformat()})
    assert first.status_code == 404  # not planned yet then
    code, as_json = cli_run(keel, "costs", "list", "--as-of", "2027-02-15", "--format", "json")
    assert code == 0 and as_json.strip() == client.get("/v1/planned-costs?as_of=2027-02-15").text  # one query path
    items = client.get("/v1/reports/cash-forecast", params={"as_of": "2026-10-31", "to": "2026-11-30"}).json()
    assert {i["source"] for i in items["items"]} >= {"planned_cost"}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"amount": "0"}, "amount"),
        ({"amount": "12.345"}, "amount"),
        ({"amount": "-5"}, "amount"),
        ({"pay_day": 32}, "pay_day"),
        ({"pay_day": 0}, "pay_day"),
        ({"frequency": "weekly"}, "frequency"),
        ({"end": "2026-10-01"}, "end"),
        ({"cost_center": "NOPE"}, "cost_center"),
        ({"currency": "USD"}, "currency"),
        ({"name": "x" * 201}, "name"),
        ({"cost_center": "bad\ncode"}, "cost_center"),
    ],
)
def test_a_bad_planned_cost_is_refused_naming_the_field(
    demo: tuple[Keel, TestClient], body: dict[str, object], field: str
) -> None:
    keel, client = demo
    head = keel.app.head_position()
    sent = {"name": "Payroll", "amount": "100.00", "start": "2026-11-01", **body}
    refused = client.post("/v1/planned-costs", json=sent)
    assert refused.status_code in (400, 422), refused.text
    assert refused.headers["content-type"] == "application/problem+json"
    assert field in refused.text
    assert keel.app.head_position() == head


def test_a_cost_decided_later_is_not_in_a_forecast_as_of_before_and_an_end_drops_later_raises(
    demo: tuple[Keel, TestClient],
) -> None:
    keel, client = demo
    later = {"name": "Later hire", "amount": "4000.00", "start": "2026-11-01", "pay_day": 25, "on": "2027-01-15"}
    assert client.post("/v1/planned-costs", json=later).status_code == 201
    rent_plan = {"name": "Rent", "amount": "100", "start": "2026-12-01", "on": ON}
    rent = client.post("/v1/planned-costs", json=rent_plan).json()["id"]
    client.post(
        f"/v1/planned-costs/{rent}/revisions", json={"amount": "2100", "effective_from": "2029-01-01", "on": ON}
    )
    client.post(f"/v1/planned-costs/{rent}/end", json={"end": "2027-01-31", "on": ON})
    keel.engine.catch_up()
    items = forecast(keel.views, AS_OF, END, "month", "EUR").items
    assert {i.party_name for i in items if i.source == "planned_cost"} == {"Rent"}  # decided by as_of only
    as_of_later = forecast(keel.views, date(2027, 1, 31), END, "month", "EUR").items
    assert any(i.party_name == "Later hire" for i in as_of_later)
    shown = client.get(f"/v1/planned-costs/{rent}", params={"as_of": "2027-06-01"}).json()
    assert shown["steps"] == [{"effective_from": "2026-12-01", "amount": "100.00"}]  # the 2029 raise went with the end
    code, listed = cli_run(keel, "costs", "list", "--as-of", "2029-06-01", "--format", "csv")
    assert code == 0 and "Rent,,EUR,,monthly,31,2026-12-01,2027-01-31" in listed, listed


def test_the_cli_refuses_in_one_line_and_writes_nothing(demo: tuple[Keel, TestClient]) -> None:
    keel, _ = demo
    head = keel.app.head_position()
    code, said = cli_run(keel, "costs", "plan", "Payroll", "--amount", "100", "--from", "2026-11-01", "--pay-day", "0")
    assert code != 0 and said.strip().count("\n") == 0 and "--pay-day" in said
    code, said = cli_run(keel, "costs", "end", "nothing like it", "--until", "2027-01-31")
    assert code != 0 and "keel costs list" in said
    assert keel.app.head_position() == head
