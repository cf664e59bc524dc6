"""A customer's expected payment delay (ADR 0065), on SQLite and PostgreSQL: finance's override of
the delay the customer's payments show moves exactly that customer's receivables and retainer
months in the cash forecast, from the date it was decided and as known from when it was
recorded; going back to the observed delay restores them; nothing reaches the books. Bad input is
a problem naming the field (4xx / one CLI line), nothing written."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient
from support import cli_run

from api.system import Keel
from projections.cash.forecasts import Forecast, ForecastItem, forecast
from projections.finance.reports import trial_balance

AS_OF, END = date(2026, 10, 31), date(2027, 2, 28)
TOMORROW = AS_OF + timedelta(days=1)
ON = "2026-10-15"


def asked(keel: Keel, known_at: datetime | None = None) -> Forecast:
    keel.engine.catch_up()
    return forecast(keel.views, AS_OF, END, "month", "EUR", known_at, limit=1000)


def customer_id(client: TestClient, name: str) -> str:
    found = client.get("/v1/customers", params={"name": name}).json()["items"]
    assert len(found) == 1, found
    return str(found[0]["id"])


def moved(item: ForecastItem, days: int) -> date:
    """Where the item is expected when the customer pays ``days`` after the due date."""
    assert item.due_date is not None
    return max(TOMORROW, item.due_date + timedelta(days=days))


def test_an_expected_delay_moves_that_customers_cash_and_nothing_else(demo: tuple[Keel, TestClient]) -> None:
    keel, client = demo
    before, books = asked(keel), trial_balance(keel.views, END)
    northwind, helios = customer_id(client, "Northwind"), customer_id(client, "Helios")
    decided_at = datetime.now(UTC)
    set_delay = client.post(f"/v1/customers/{northwind}/expected-payment-delay", json={"days": 40, "on": ON})
    assert set_delay.status_code == 200, set_delay.text
    code, said = cli_run(keel, "customers", "expected-delay", "helios", "--days", "30", "--on", ON)
    assert code == 0 and "payments 30 days after their due dates" in said, said
    code, said = cli_run(keel, "customers", "expected-delay", "helios", "--days", "30", "--on", ON)
    assert code == 0 and "nothing recorded" in said, said

    after = asked(keel)
    assert after.delays[northwind] == Decimal(40) and after.delays[helios] == Decimal(30)
    helios_was = Decimal(before.delays[helios]).to_integral_value()  # the observed delay, in whole days
    helios_shift = timedelta(days=int(30 - helios_was))  # retainers: after the terms, then the delay

    def now_expected(item: ForecastItem) -> date:
        if item.party_id == northwind and item.source == "receivable":
            return moved(item, 40)
        if item.party_id == helios and item.source == "receivable":
            return moved(item, 30)
        if item.party_id == helios and item.source == "retainer":
            return item.expected_on + helios_shift
        return item.expected_on

    expected = [ForecastItem(**{**vars(i), "expected_on": now_expected(i)}) for i in before.items]
    expected = [i for i in expected if i.expected_on <= END]
    assert sorted(after.items, key=lambda i: i.key) == sorted(expected, key=lambda i: i.key)
    assert any(i.expected_on == date(2026, 12, 4) for i in after.items if i.party_id == northwind)  # due 25 Oct
    assert sum(p.inflow for p in after.periods) <= sum(p.inflow for p in before.periods)  # later, never more
    assert asked(keel, decided_at).items == before.items  # as known before it was decided
    early = forecast(keel.views, date(2026, 10, 14), END, "month", "EUR", limit=1000)
    assert northwind not in early.delays or early.delays[northwind] != Decimal(40)  # not in force before its date

    code, said = cli_run(keel, "customers", "expected-delay", "northwind", "--observed", "--on", "2026-10-20")
    assert code == 0 and "the observed delay" in said, said
    back = asked(keel)
    assert [i for i in back.items if i.party_id == northwind] == [i for i in before.items if i.party_id == northwind]
    now = trial_balance(keel.views, END)
    assert (now.rows, now.totals) == (books.rows, books.totals)  # nothing reaches the books


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"days": 366}, "days"),
        ({"days": -366}, "days"),
        ({"days": "soon"}, "days"),
        ({"days": 1.5}, "days"),
        ({"days": True}, "days"),
        ({"days": "30"}, "days"),
        ({}, "days"),
        ({"days": 10, "on": "1999-01-01"}, "on"),  # before the customer was registered
        ({"days": 10, "reason": "x" * 501}, "reason"),
        ({"days": 10, "until": "2027-01-01"}, "until"),
    ],
)
def test_a_bad_expected_delay_is_refused_naming_the_field(
    demo: tuple[Keel, TestClient], body: dict[str, object], field: str
) -> None:
    keel, client = demo
    head = keel.app.head_position()
    refused = client.post(f"/v1/customers/{customer_id(client, 'Northwind')}/expected-payment-delay", json=body)
    assert refused.status_code in (400, 409, 422), refused.text
    assert refused.headers["content-type"] == "application/problem+json"
    assert field in refused.text
    missing = client.post("/v1/customers/00000000-0000-0000-0000-000000000009/expected-payment-delay", json={"days": 1})
    assert missing.status_code == 404
    assert keel.app.head_position() == head


def test_the_cli_refuses_in_one_line_and_writes_nothing(demo: tuple[Keel, TestClient]) -> None:
    keel, _ = demo
    head = keel.app.head_position()
    for args in (["--days", "400"], ["--days", "3", "--observed"], [], ["--days", "x"], ["--days", ""]):
        code, said = cli_run(keel, "customers", "expected-delay", "northwind", *args)
        assert code != 0 and said.strip().count("\n") == 0 and "--days" in said, (args, said)
    code, said = cli_run(keel, "customers", "expected-delay", "nobody like this", "--days", "3")
    assert code != 0 and "keel customers list" in said
    assert keel.app.head_position() == head


def test_early_payers_are_expected_from_tomorrow_and_a_merged_duplicate_can_go_back_to_observed(
    demo: tuple[Keel, TestClient],
) -> None:
    keel, client = demo
    helios, northwind = customer_id(client, "Helios"), customer_id(client, "Northwind")
    assert (
        client.post(f"/v1/customers/{helios}/expected-payment-delay", json={"days": -365, "on": ON}).status_code == 200
    )
    items = asked(keel).items
    retainers = [i for i in items if i.party_id == helios and i.source == "retainer"]
    assert retainers and all(i.expected_on >= TOMORROW for i in retainers)  # never before the window
    merged = client.post(f"/v1/customers/{helios}/merge-into", json={"target_id": northwind, "on": "2026-10-20"})
    assert merged.status_code == 200, merged.text
    refused = client.post(f"/v1/customers/{helios}/expected-payment-delay", json={"days": 5, "on": "2026-10-21"})
    assert refused.status_code == 409 and "merged" in refused.text
    cleared = client.post(f"/v1/customers/{helios}/expected-payment-delay", json={"days": None, "on": "2026-10-21"})
    assert cleared.status_code == 200, cleared.text
    assert Decimal(asked(keel).delays.get(helios, 0)) > -365
