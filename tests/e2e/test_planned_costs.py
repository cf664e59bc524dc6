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
from typer.testing import CliRunner

from api.cli import app as cli
from api.demo import load_demo
from api.http import create_app
from api.system import Keel
from projections.cash.forecasts import forecast
from projections.finance.reports import trial_balance

AS_OF, END = date(2026, 10, 31), date(2027, 4, 30)
RUNNER = CliRunner()


@pytest.fixture
def demo(keel: Keel) -> Iterator[tuple[Keel, TestClient]]:
    load_demo(keel.app)
    keel.engine.start(poll_interval=0.05)
    with TestClient(create_app(keel=keel), raise_server_exceptions=False) as client:
        yield keel, client


def cli_run(keel: Keel, *args: str) -> tuple[int, str]:
    settings = keel.settings
    env = {"KEEL_DATA_DIR": str(settings.data_dir), "KEEL_DATABASE_URL": settings.database_url or ""}
    result = RUNNER.invoke(cli, list(args), env={k: v for k, v in env.items() if v})
    return result.exit_code, result.output


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
        json={"name": "Designer payroll", "amount": "5000.00", "starts": "2026-11-01", "pay_day": 25},
    )
    assert payroll.status_code == 201, payroll.text
    code, said = cli_run(keel, "costs", "plan", "Office rent", "--monthly", "2400", "--from", "2027-01-01")
    assert code == 0 and "2400 a month on day 28 from 2027-01-01" in said, said
    cost = payroll.json()["id"]
    assert client.post(f"/v1/planned-costs/{cost}/revisions", json={"amount": "5500", "effective_from": "2027-02-01"})
    code, said = cli_run(keel, "costs", "end", "designer", "--last-day", "2027-03-31")
    assert code == 0, said

    after = outflows(keel)
    expected = {
        date(2026, 11, 1): Decimal("5000.00"),
        date(2026, 12, 1): Decimal("5000.00"),
        date(2027, 1, 1): Decimal("7400.00"),  # the rent's first month
        date(2027, 2, 1): Decimal("7900.00"),  # the raise
        date(2027, 3, 1): Decimal("7900.00"),
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
    assert by_name["Designer payroll"]["ends"] == "2027-03-31"
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
        ({"pay_day": 31}, "pay_day"),
        ({"ends": "2026-10-01"}, "ends"),
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
    sent = {"name": "Payroll", "amount": "100.00", "starts": "2026-11-01", **body}
    refused = client.post("/v1/planned-costs", json=sent)
    assert refused.status_code in (400, 422), refused.text
    assert refused.headers["content-type"] == "application/problem+json"
    assert field in refused.text
    assert keel.app.head_position() == head


def test_the_cli_refuses_in_one_line_and_writes_nothing(demo: tuple[Keel, TestClient]) -> None:
    keel, _ = demo
    head = keel.app.head_position()
    code, said = cli_run(keel, "costs", "plan", "Payroll", "--monthly", "100", "--from", "2026-11-01", "--pay-day", "0")
    assert code != 0 and said.strip().count("\n") == 0 and "--pay-day" in said
    code, said = cli_run(keel, "costs", "end", "nothing like it", "--last-day", "2027-01-31")
    assert code != 0 and "keel costs list" in said
    assert keel.app.head_position() == head
