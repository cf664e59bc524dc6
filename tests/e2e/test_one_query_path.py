"""One query path: for every report and list, ``keel … --format json`` prints the very bytes the API
sends for the same parameters (provenance and digest included), and ``--format csv`` those of
``Accept: text/csv``. Asked of the demo, on both backends, with explicit dates and knowledge."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from api.bank import auto_reconcile, bank_account, import_statement
from api.cli import app as cli
from api.demo import load_demo
from api.http import create_app
from api.settings import Settings
from api.system import Keel
from commands.messages import AddAccount, OpenBankAccount, PlanCost, SetFxRate
from ledger.events import Meta
from ledger.reconciliation import Tolerance
from projections.finance.document_sources import find_document
from projections.queries import QUERIES

META = Meta(actor="test")

NORTHWIND = "Northwind Studio Ltd"  # a demo customer, found by name on the CLI and by id over HTTP
BANK = "Main GR"  # a bank account added to the demo with its October statement, found by name and by id
CAMT = Path(__file__).parent.parent / "fixtures" / "statements" / "camt053_v02_demo.xml"

# (CLI arguments, API path and query): every report and list of the query layer, each asked as
# known now and as known at a past position.
CASES: list[tuple[list[str], str]] = [
    (["report", "trial-balance", "--as-of", "2026-09-30"], "/v1/reports/trial-balance?as_of=2026-09-30"),
    (["report", "trial-balance", "--functional"], "/v1/reports/trial-balance?valuation=functional"),
    (["report", "receivables", "--as-of", "2026-07-31"], "/v1/reports/receivables?as_of=2026-07-31"),
    (
        ["report", "profit-and-loss", "--from", "2026-07-01", "--to", "2026-09-30", "--by", "month"],
        "/v1/reports/profit-and-loss?from=2026-07-01&to=2026-09-30&by=month",
    ),
    (["report", "balance-sheet", "--as-of", "2026-09-30"], "/v1/reports/balance-sheet?as_of=2026-09-30"),
    (["report", "ageing", "receivables", "--as-of", "2026-09-30"], "/v1/reports/ageing/receivables?as_of=2026-09-30"),
    (["report", "ageing", "payables", "--limit", "1"], "/v1/reports/ageing/payables?limit=1"),
    (
        ["report", "ledger", "1100", "--from", "2026-07-01", "--to", "2026-09-30"],
        "/v1/reports/ledger/1100?from=2026-07-01&to=2026-09-30",
    ),
    (
        ["report", "tax-summary", "--from", "2026-07-01", "--to", "2026-09-30"],
        "/v1/reports/tax-summary?from=2026-07-01&to=2026-09-30",
    ),
    (["report", "restatement", "--to", "2026-07-31"], "/v1/reports/restatement?to=2026-07-31"),
    (
        ["report", "cash-flow", "--from", "2026-07-01", "--to", "2026-09-30"],
        "/v1/reports/cash-flow?from=2026-07-01&to=2026-09-30",
    ),
    (
        ["report", "cash-forecast", "--as-of", "2026-09-30", "--to", "2026-12-31", "--by", "month"],
        "/v1/reports/cash-forecast?as_of=2026-09-30&to=2026-12-31&by=month",
    ),
    (
        ["report", "forecast-vs-actual", "--as-of", "2026-08-31", "--to", "2026-09-30"],
        "/v1/reports/forecast-vs-actual?as_of=2026-08-31&to=2026-09-30",
    ),
    (
        ["report", "pipeline", "--as-of", "2026-08-25", "--by", "owner"],
        "/v1/reports/pipeline?as_of=2026-08-25&by=owner",
    ),
    (["report", "conversion", "--as-of", "2026-09-30"], "/v1/reports/conversion?as_of=2026-09-30"),
    (
        ["report", "win-rate", "--from", "2026-07-01", "--to", "2026-09-30"],
        "/v1/reports/win-rate?from=2026-07-01&to=2026-09-30",
    ),
    (["report", "follow-ups", "--as-of", "2026-09-30"], "/v1/reports/follow-ups?as_of=2026-09-30"),
    (["report", "customer-360", NORTHWIND, "--as-of", "2026-09-30"], "/v1/customers/{customer}/360?as_of=2026-09-30"),
    (
        ["report", "margins", "--from", "2026-07-01", "--to", "2026-09-30", "--by", "customer"],
        "/v1/reports/margins?from=2026-07-01&to=2026-09-30&by=customer",
    ),
    (["report", "budget-burn", "--as-of", "2026-09-30"], "/v1/reports/budget-burn?as_of=2026-09-30"),
    (
        ["report", "utilisation", "--from", "2026-09-21", "--to", "2026-09-27"],
        "/v1/reports/utilisation?from=2026-09-21&to=2026-09-27",
    ),
    (["report", "work-in-progress", "--as-of", "2026-09-30"], "/v1/reports/work-in-progress?as_of=2026-09-30"),
    (["customers", "list", "--name", "o", "--as-of", "2026-08-25"], "/v1/customers?name=o&as_of=2026-08-25"),
    (
        ["invoices", "list", "--customer", NORTHWIND, "--status", "issued", "--as-of", "2026-08-25"],
        "/v1/invoices?customer_id={customer}&status=issued&as_of=2026-08-25",
    ),
    (["deals", "list", "--as-of", "2026-08-25"], "/v1/deals?as_of=2026-08-25"),
    (["projects", "list", "--limit", "1", "--as-of", "2026-08-25"], "/v1/projects?limit=1&as_of=2026-08-25"),
    (["suppliers", "list", "--as-of", "2026-09-30"], "/v1/suppliers?as_of=2026-09-30"),
    (
        ["recurring", "list", "--customer", NORTHWIND, "--as-of", "2026-10-01"],
        "/v1/recurring-invoices?customer_id={customer}&as_of=2026-10-01",
    ),
    (["costs", "list", "--as-of", "2026-11-15"], "/v1/planned-costs?as_of=2026-11-15"),
    (["accounts", "list", "--as-of", "2026-09-30"], "/v1/accounts?as_of=2026-09-30"),
    (["accounts", "roles", "--as-of", "2026-09-30"], "/v1/accounts/roles?as_of=2026-09-30"),
    (
        ["fx", "rates", "list", "--as-of", "2026-09-30", "--currency", "USD"],
        "/v1/fx/rates?as_of=2026-09-30&currency=USD",
    ),
    (["bank", "accounts", "list", "--as-of", "2026-10-31"], "/v1/bank-accounts?as_of=2026-10-31"),
    (
        ["bank", "lines", "--bank-account", BANK, "--unmatched", "--as-of", "2026-10-31"],
        "/v1/bank-accounts/{bank}/lines?unmatched=true&as_of=2026-10-31",
    ),
    (
        ["report", "reconciliation", "--bank-account", BANK, "--as-of", "2026-10-31"],
        "/v1/reports/reconciliation?bank_account_id={bank}&as_of=2026-10-31",
    ),
    (["report", "reminders", "--as-of", "2026-10-15"], "/v1/reports/reminders?as_of=2026-10-15"),
    (["report", "sequence-results", "--as-of", "2026-10-15"], "/v1/reports/sequence-results?as_of=2026-10-15"),
]


@pytest.fixture
def demo(keel: Keel, keel_settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Keel, TestClient]]:
    """The demo in a store the CLI (reading KEEL_* as a user's shell would) and the API share."""
    load_demo(keel.app)
    for on, rate in ((date(2026, 7, 1), "0.9200"), (date(2026, 8, 1), "0.9350"), (date(2026, 9, 30), "0.9100")):
        keel.app.handle(SetFxRate(meta=Meta("test"), currency="USD", rate=rate, on=on))
    with_bank_statement(keel)
    rent = PlanCost(meta=META, name="Office rent", amount="2400.00", start=date(2026, 10, 1), cost_center="OPS")
    keel.app.handle(rent)  # in the forecast's items and the planned-costs list
    keel.engine.catch_up()
    monkeypatch.setenv("KEEL_DATA_DIR", str(keel_settings.data_dir))
    if keel_settings.database_url:
        monkeypatch.setenv("KEEL_DATABASE_URL", keel_settings.database_url)
    else:
        monkeypatch.delenv("KEEL_DATABASE_URL", raising=False)
    with TestClient(create_app(keel=keel), raise_server_exceptions=False) as client:
        yield keel, client


def with_bank_statement(keel: Keel) -> None:
    """The demo's October statement of a second bank account, imported and auto-reconciled."""
    keel.app.handle(AddAccount(meta=META, code="1010", name="Bank GR", type="asset", subtype="bank"))
    keel.app.handle(OpenBankAccount(meta=META, name=BANK, account="1010", iban="GR1601101250000000012300695"))
    keel.engine.catch_up()
    account = bank_account(keel, BANK)
    import_statement(keel, account, CAMT.read_bytes(), META, filename=CAMT.name)
    keel.engine.catch_up()
    auto_reconcile(keel, account, "test", Tolerance())
    keel.engine.catch_up()


def customer_id(client: TestClient, name: str) -> str:
    found = client.get("/v1/customers", params={"name": name}).json()["items"]
    return str(found[0]["id"])


def name_of(args: list[str]) -> str:
    if args[0] == "recurring":
        return "recurring-invoices"
    if args[0] == "costs":
        return "planned-costs"
    if args[0] in ("fx", "bank"):
        return f"{args[0]}-{args[1]}"
    return args[1] if args[0] == "report" or args[:2] == ["accounts", "roles"] else args[0]


def test_every_query_is_covered() -> None:
    covered = {name_of(args) for args, _ in CASES}
    assert covered == set(QUERIES), f"reports without a CLI/API comparison: {set(QUERIES) - covered}"


def test_the_cli_prints_the_bytes_the_api_sends_for_every_report(demo: tuple[Keel, TestClient]) -> None:
    keel, client = demo
    runner = CliRunner()
    known = str(keel.app.head_position() - 5)  # as known a few events ago: the position in the provenance
    customer = customer_id(client, NORTHWIND)
    bank = bank_account(keel, BANK).id
    for args, path in CASES:
        url = path.format(customer=customer, bank=bank)
        for knowledge in ([], ["--known-at", known]):
            query = url + ("&" if "?" in url else "?") + f"known_at={known}" if knowledge else url
            api = client.get(query)
            assert api.status_code == 200, (query, api.text)
            done = runner.invoke(cli, [*args, *knowledge, "--format", "json"])
            assert done.exit_code == 0, (args, done.output)
            assert done.stdout_bytes == api.content + b"\n", args
            assert api.headers["ETag"] == f'"{api.json()["provenance"]["digest"]}"'
        as_csv = client.get(url, headers={"Accept": "text/csv"})
        assert as_csv.status_code == 200 and as_csv.headers["content-type"].startswith("text/csv"), url
        done = runner.invoke(cli, [*args, "--format", "csv"])
        assert done.exit_code == 0 and done.stdout_bytes == as_csv.content, args
        assert as_csv.content.split(b"\r\n", 1)[0], url  # a header line, always


def test_provenance_names_the_resolved_parameters(demo: tuple[Keel, TestClient]) -> None:
    _, client = demo
    old = client.get("/v1/reports/profit-and-loss?start=2026-07-01&end=2026-09-30").json()
    new = client.get("/v1/reports/profit-and-loss?from=2026-07-01&to=2026-09-30").json()
    assert old == new and new["provenance"]["parameters"] == {"from": "2026-07-01", "to": "2026-09-30"}
    missing = client.get("/v1/reports/profit-and-loss")
    assert missing.status_code == 422 and missing.json()["errors"][0]["location"] == "query.from"
    as_csv = client.get("/v1/reports/trial-balance?as_of=2026-09-30&format=csv")
    assert as_csv.text.splitlines()[0] == "account,name,currency,debit,credit"


def test_the_cli_writes_the_document_bytes_the_api_sends(demo: tuple[Keel, TestClient]) -> None:
    """Documents are one query path too (api.documents.render): `keel invoices pdf|ubl NUMBER` writes
    the bytes of GET /v1/invoices/{id}/pdf|ubl, and /v1/credit-notes/{id}/… for a credit note."""
    keel, client = demo
    runner = CliRunner()
    for number in ("INV-2026-0001", "INV-2026-0003", "CN-2026-0001"):
        found = find_document(keel.views, number)
        assert found is not None, number
        area = "credit-notes" if found[1] == "credit-note" else "invoices"
        for which in ("pdf", "ubl"):
            api = client.get(f"/v1/{area}/{found[0]}/{which}")
            assert api.status_code == 200, (number, which, api.text)
            done = runner.invoke(cli, ["invoices", which, number])
            assert done.exit_code == 0, (number, which, done.output)
            assert done.stdout_bytes == api.content, (number, which)
