"""A retainer's price changed from a month on, in the books and in a scenario (issue 23), on SQLite
and PostgreSQL: billing drafts each month at the fee in force for it; the cash forecast expects the
new fee from the day it was agreed (as of an earlier day, or as known before, the old one); a change
that would reach a month invoiced already is refused naming ``from``; and a scenario assuming the
change moves the forecast by exactly (new fee - fee in force) x (1 + tax) a month, never the books."""

from __future__ import annotations

from decimal import Decimal

from fastapi.testclient import TestClient
from support import cli_run, ok

from api.demo.recurring import RETAINER
from api.system import Keel
from ledger.invoice import Invoice

FEE = f"/v1/projects/{RETAINER}/retainer-fee"


def retainer_months(client: TestClient, **asked: str) -> dict[str, str]:
    """The Helios retainer's expected receipts in the forecast: month -> amount with tax."""
    params = {"as_of": "2026-11-10", "to": "2027-04-30", "by": "month", "limit": 1000, **asked}
    items = ok(client.get("/v1/reports/cash-forecast", params=params))["items"]
    return {i["due_date"][:7]: i["amount"] for i in items if i["source"] == "retainer"}


def billed_fees(keel: Keel) -> dict[str, Decimal]:
    """Each retainer month drafted: its line's unit price."""
    found = {}
    for _, e in keel.app.read_log(0, 100_000):
        if isinstance(e, Invoice.Drafted) and e.project_id == RETAINER:
            found[e.lines[0].description.rsplit(" ", 1)[-1]] = e.lines[0].unit_price
    return found


def test_a_retainer_repriced_from_a_month_bills_and_forecasts_the_new_fee_from_then(
    demo: tuple[Keel, TestClient],
) -> None:
    keel, client = demo
    ok(client.post(f"/v1/projects/{RETAINER}/billing-runs", json={"as_of": "2026-11-01", "on": "2026-11-01"}))
    keel.engine.catch_up()
    before = keel.app.moment_of(keel.app.head_position())  # the store's clock, not this machine's
    assert before is not None
    old = dict.fromkeys(("2026-12", "2027-01", "2027-02", "2027-03", "2027-04"), "1860.00")  # 1,500 + 24 %
    assert retainer_months(client) == old

    billed = client.post(FEE, json={"monthly_fee": "1800.00", "from": "2026-11-01", "on": "2026-11-05"})
    assert billed.status_code == 409 and billed.json()["field"] == "from", billed.text
    assert "2026-11 of Helios social content is invoiced already" in billed.json()["detail"]
    mid_month = client.post(FEE, json={"monthly_fee": "1800.00", "from": "2027-01-15"})
    assert mid_month.status_code == 422 and mid_month.json()["field"] == "from", mid_month.text
    negative = client.post(FEE, json={"monthly_fee": "-1800.00", "from": "2027-01-01"})
    assert negative.status_code == 422 and "monthly_fee" in negative.text
    ok(client.post(FEE, json={"monthly_fee": "1800.00", "from": "2027-01-01", "on": "2026-11-05"}))
    keel.engine.catch_up()

    assert retainer_months(client) == {**old, **dict.fromkeys(("2027-01", "2027-02", "2027-03", "2027-04"), "2232.00")}
    assert retainer_months(client, as_of="2026-11-04")["2027-01"] == "1860.00"  # not agreed yet then
    assert retainer_months(client, known_at=before.isoformat()) == old  # nor known

    said_as = ("--monthly-fee", "1900", "--from", "2027-03-01", "--on", "2026-11-06")
    code, said = cli_run(keel, "projects", "reprice", "Helios", *said_as)
    assert code == 0 and said.startswith("Helios social content: 1,900.00 EUR a month from 2027-03-01"), said
    code, said = cli_run(keel, "projects", "reprice", "Helios", "--monthly-fee", "1900", "--from", "2027-03-02")
    assert code == 1 and said.startswith("error: --from: a retainer's fee changes from the first day of a month"), said
    keel.engine.catch_up()
    assert retainer_months(client) == {**old, "2027-01": "2232.00", "2027-02": "2232.00"} | dict.fromkeys(
        ("2027-03", "2027-04"), "2356.00"
    )

    ok(client.post(f"/v1/projects/{RETAINER}/billing-runs", json={"as_of": "2027-03-01", "on": "2027-03-01"}))
    assert billed_fees(keel) == {
        "2026-09": Decimal("1500.00"),
        "2026-10": Decimal("1500.00"),
        "2026-11": Decimal("1500.00"),
        "2026-12": Decimal("1500.00"),
        "2027-01": Decimal("1800.00"),
        "2027-02": Decimal("1800.00"),
        "2027-03": Decimal("1900"),
    }


def test_a_scenario_repricing_the_retainer_moves_the_forecast_by_exactly_the_difference(
    demo: tuple[Keel, TestClient],
) -> None:
    keel, client = demo
    ok(client.post(FEE, json={"monthly_fee": "1800.00", "from": "2027-01-01", "on": "2026-10-20"}))
    keel.engine.catch_up()
    books = keel.app.head_position()
    ok(client.post("/v1/scenarios", json={"name": "price-up", "on": "2026-10-25"}), 201)
    assumption = {"kind": "retainer_price", "project_id": str(RETAINER), "monthly_fee": "2000.00", "from": "2027-02-01"}
    ok(client.post("/v1/scenarios/price-up/assumptions", json={"assumptions": [assumption]}))
    asked = {"as_of": "2026-10-31", "to": "2027-04-30", "by": "month", "scenario": "price-up"}
    compared = ok(client.get("/v1/reports/cash-forecast/compare", params=asked))
    difference = {d["start"][:7]: Decimal(d["net"]) for d in compared["difference"]}
    per_month = (Decimal("2000.00") - Decimal("1800.00")) * Decimal("1.24")  # over January's new fee
    assert difference == {
        "2026-11": 0,
        "2026-12": 0,
        "2027-01": 0,
        "2027-02": per_month,
        "2027-03": per_month,
        "2027-04": per_month,
    }
    assert keel.app.head_position() == books  # nothing of it in the books

    code, said = cli_run(
        keel, "scenarios", "add", "price-up", "--retainer-price", "Helios", "--monthly-fee", "2100", "--from", "2027-03"
    )
    assert code == 1 and said.startswith("error: --from:"), said
    code, said = cli_run(
        keel,
        "scenarios",
        "add",
        "price-up",
        "--retainer-price",
        "Helios",
        "--from",
        "2027-03-01",
        "--monthly-cost",
        "1",
    )
    assert code == 1 and said.startswith("error: --monthly-cost: a retainer_price assumption takes none"), said
    code, said = cli_run(
        keel, "scenarios", "add", "price-up", "--retainer-price", "Helios", "--monthly-fee", "0", "--from", "2027-03-01"
    )
    assert code == 1 and said.startswith("error: --monthly-fee: a monthly amount is more than zero"), said
    zero = client.post("/v1/scenarios/price-up/assumptions", json={"assumptions": [{**assumption, "monthly_fee": "0"}]})
    assert zero.status_code == 422 and zero.json()["field"] == "monthly_fee", zero.text
    mid_month = {**assumption, "from": "2027-02-15"}
    refused = client.post("/v1/scenarios/price-up/assumptions", json={"assumptions": [mid_month]})
    assert refused.status_code == 422, refused.text
    assert "(retainer_price): refused: from: a retainer's fee changes from the first day" in refused.json()["detail"]
    assert len(ok(client.get("/v1/scenarios/price-up"))["assumptions"]) == 1

    ok(client.post(FEE, json={"monthly_fee": "2000.00", "from": "2027-02-01", "on": "2026-11-02"}))
    rebased = ok(client.post("/v1/scenarios/price-up/rebase"))
    assert [(d["number"], d["why"], d["detail"]) for d in rebased["dropped"]] == [
        (1, "became real", "the books' fee from 2027-02 is 2000.00")
    ]
