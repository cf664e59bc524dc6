"""The rate table and revaluation over HTTP and from the CLI: a rate set, a file imported whole or
not at all (every bad line named), the same file refused unless forced, the revaluation once per
date. Refusals are RFC 9457 problems naming the field, or one CLI error, with nothing written."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from support import ok
from typer.testing import CliRunner

from api.cli import app as cli
from api.settings import Settings
from api.system import Keel
from commands import messages as m
from ledger.events import Meta

SETUP = Meta("setup")

GOOD = b"date,currency,rate\n2026-09-01,USD,0.9000\n2026-09-30,USD,0.9500\n2026-09-30,GBP,1.1700\n"
BAD = (
    b"currency,rate,date\nUSD,0.90,2026-09-01\nUSD,0,2026-09-02\nusd,0.9,2026-09-03\nUSD,0,90,2026-09-04\n"
    b"USD,0.91,2026-09-01\n"
)


def usd_invoice(client: TestClient, on: str = "2026-09-10") -> str:
    customer = ok(
        client.post("/v1/customers", json={"name": "Blue Harbor", "currency": "USD", "on": "2026-01-02"}), 201
    )
    line = {"description": "Audit", "quantity": "1", "unit_price": "1000.00"}
    invoice = ok(client.post("/v1/invoices", json={"customer_id": customer["id"], "lines": [line], "on": on}), 201)
    ok(client.post(f"/v1/invoices/{invoice['id']}/issue", json={"on": on}))
    return str(invoice["id"])


def test_a_rate_set_is_the_default_of_a_foreign_invoice_and_listed(client: TestClient, keel: Keel) -> None:
    missing = client.post("/v1/fx/rates", json={"currency": "USD", "rate": "-1", "date": "2026-09-01"})
    assert missing.status_code == 422 and missing.json()["errors"][0]["location"] == "body.rate"
    ok(client.post("/v1/fx/rates", json={"currency": "USD", "rate": "0.9000", "date": "2026-09-01"}), 201)
    invoice = usd_invoice(client)
    head = str(keel.app.head_position())
    journal = ok(client.get("/v1/books/journal", params={"source_id": invoice, "min_position": head}))
    lines = journal["items"][0]["lines"]
    assert {ln["account"]: ln["value"] for ln in lines}["1100"] == "900.00"
    listed = ok(client.get("/v1/fx/rates", params={"as_of": "2026-09-30", "min_position": head}))
    assert [(r["currency"], r["date"], r["rate"]) for r in listed["items"]] == [("USD", "2026-09-01", "0.9000")]


def test_an_invoice_without_a_rate_names_the_currency_and_date(client: TestClient) -> None:
    customer = ok(
        client.post("/v1/customers", json={"name": "Blue Harbor", "currency": "USD", "on": "2026-01-02"}), 201
    )
    line = {"description": "Audit", "quantity": "1", "unit_price": "1000.00"}
    invoice = ok(
        client.post("/v1/invoices", json={"customer_id": customer["id"], "lines": [line], "on": "2026-09-10"}), 201
    )
    refused = client.post(f"/v1/invoices/{invoice['id']}/issue", json={"on": "2026-09-10"})
    assert refused.status_code == 422
    assert "no USD rate on or before 2026-09-10" in refused.json()["detail"]


def test_a_rate_file_is_imported_whole_or_not_at_all(client: TestClient, keel: Keel) -> None:
    head = keel.app.head_position()
    bad = client.post("/v1/fx/rates/imports/file", files={"file": ("ecb.csv", BAD, "text/csv")})
    assert bad.status_code == 422, bad.text
    lines = [e["message"] for e in bad.json()["errors"]]
    assert lines == [
        "line 3: rate: an exchange rate is positive, got 0",
        "line 4: currency: an ISO 4217 code of three capital letters, got 'usd'",
        "line 5: 4 fields where the header has 3",
        "line 6: USD on 2026-09-01 is given twice (first on line 2)",
    ]
    assert keel.app.head_position() == head
    ok(client.post("/v1/fx/rates/imports/file", files={"file": ("ecb.csv", GOOD, "text/csv")}), 201)
    again = client.post("/v1/fx/rates/imports/file", files={"file": ("ecb.csv", GOOD, "text/csv")})
    assert again.status_code == 409 and "imported before" in again.json()["detail"]
    forced = client.post("/v1/fx/rates/imports/file", files={"file": ("ecb.csv", GOOD)}, data={"force": "true"})
    ok(forced, 201)
    rows = [{"date": "2026-10-01", "currency": "CHF", "rate": "1.05"}]
    last = ok(client.post("/v1/fx/rates/imports", json={"rows": rows}), 201)
    assert client.post("/v1/fx/rates/imports", json={"rows": rows}).status_code == 409
    listed = ok(client.get("/v1/fx/rates", params={"as_of": "2026-12-31", "min_position": str(last["position"])}))
    assert [r["currency"] for r in listed["items"]] == ["CHF", "GBP", "USD", "USD"]


def test_the_revaluation_is_posted_once_per_date(client: TestClient) -> None:
    ok(client.post("/v1/fx/rates", json={"currency": "USD", "rate": "0.90", "date": "2026-09-01"}), 201)
    usd_invoice(client)
    ok(client.post("/v1/fx/rates", json={"currency": "USD", "rate": "0.95", "date": "2026-09-30"}), 201)
    done = ok(client.post("/v1/fx/revaluations", json={"as_of": "2026-09-30"}), 201)
    again = client.post("/v1/fx/revaluations", json={"as_of": "2026-09-30"})
    assert again.status_code == 409 and "already posted" in again.json()["detail"]
    params = {"from": "2026-09-01", "to": "2026-09-30", "min_position": str(done["position"])}
    income = ok(client.get("/v1/reports/profit-and-loss", params=params))["income"]
    assert {ln["account"]: ln["amount"] for ln in income} == {"4000": "900.00", "4910": "50.00"}


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A SQLite store the CLI opens as a user's shell would."""
    for name in ("KEEL_DATABASE_URL", "KEEL_AUTH"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("KEEL_DATA_DIR", str(tmp_path / "keel"))
    yield tmp_path


def test_the_cli_imports_lists_and_revalues(store: Path) -> None:
    runner = CliRunner()
    (store / "bad.csv").write_bytes(BAD)
    (store / "ecb.csv").write_bytes(GOOD)
    refused = runner.invoke(cli, ["fx", "rates", "import", str(store / "bad.csv")])
    assert refused.exit_code == 1
    assert "bad.csv: nothing was imported" in refused.stderr and "line 6: USD on 2026-09-01" in refused.stderr
    imported = runner.invoke(cli, ["fx", "rates", "import", str(store / "ecb.csv")])
    assert imported.exit_code == 0 and imported.stdout.startswith("3 rates imported from ecb.csv (GBP, USD;")
    again = runner.invoke(cli, ["fx", "rates", "import", str(store / "ecb.csv")])
    assert again.exit_code == 1 and "--force" in again.stderr
    assert runner.invoke(cli, ["fx", "rates", "import", str(store / "ecb.csv"), "--force"]).exit_code == 0
    bad_rate = runner.invoke(cli, ["fx", "rate", "set", "USD", "0,92", "--on", "2026-10-01"])
    assert bad_rate.exit_code == 1 and bad_rate.stderr.count("\n") == 1 and "RATE" in bad_rate.stderr
    done = runner.invoke(cli, ["fx", "rate", "set", "usd", "0.92", "--on", "2026-10-01"])
    assert done.exit_code == 0 and done.stdout.startswith("1 USD = 0.92 EUR from 2026-10-01"), done.output
    listed = runner.invoke(cli, ["fx", "rates", "list", "--currency", "USD", "--as-of", "2026-12-31", "-f", "csv"])
    assert listed.stdout.splitlines() == [
        "currency,date,rate,source",
        "USD,2026-09-01,0.9000,import",
        "USD,2026-09-30,0.9500,import",
        "USD,2026-10-01,0.92,set",
    ]
    nothing = runner.invoke(cli, ["fx", "revalue", "--as-of", "2026-09-30"])
    assert nothing.exit_code == 1 and "nothing to revalue on 2026-09-30" in nothing.stderr
    with Keel.start(Settings(_env_file=None), follow=False) as keel:  # type: ignore[call-arg]
        who = keel.app.handle(m.RegisterCustomer(meta=SETUP, name="Blue Harbor", currency="USD", on=date(2026, 1, 2)))
        line = m.LineInput(description="Audit", quantity="1", unit_price="1000.00")
        draft = keel.app.handle(m.DraftInvoice(meta=SETUP, customer_id=who.id, lines=(line,), on=date(2026, 9, 10)))
        keel.app.handle(m.IssueInvoice(meta=SETUP, invoice_id=draft.id, on=date(2026, 9, 10)))  # at 0.9000
    revalued = runner.invoke(cli, ["fx", "revalue", "--as-of", "2026-09-30"])
    assert revalued.exit_code == 0, revalued.output
    assert revalued.stdout.startswith(
        "FX revaluation at 2026-09-30: 2 lines, net unrealised gain 50.00 EUR, reversed on 2026-10-01"
    )
    again = runner.invoke(cli, ["fx", "revalue", "--as-of", "2026-09-30"])
    assert again.exit_code == 0 and "already posted" in again.stdout
