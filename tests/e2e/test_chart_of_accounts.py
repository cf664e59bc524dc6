"""The chart of accounts as data (ADR 0032), told as a business starting on Keel: the books started
on the minimal chart, a second bank account added and used by a payment, renamed in September
(a report known at August keeps the old name), a locked account that cannot be deactivated, a
manual entry refused on a control account; on SQLite and PostgreSQL, over HTTP and the CLI."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from support import ok

from api.http import create_app
from api.settings import Settings
from api.system import Keel
from commands.adapters.clock import SetClock
from ledger.chart_templates import SERVICES_EU

BANK2 = "Bank — second account"
KEEL = shutil.which("keel") or str(Path(sys.executable).parent / "keel")


def run(store: Path, *args: str, database_url: str | None = None) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("KEEL_")}
    environ["KEEL_DATA_DIR"] = str(store)
    if database_url:
        environ["KEEL_DATABASE_URL"] = database_url
    return subprocess.run([KEEL, *args], capture_output=True, text=True, env=environ, timeout=120, check=False)


def said(store: Path, *args: str, database_url: str | None = None) -> str:
    done = run(store, *args, database_url=database_url)
    assert done.returncode == 0, done.stderr
    assert done.stdout.count("\n") == 1, done.stdout
    return done.stdout.strip()


def at(month: int, day: int) -> datetime:
    return datetime(2026, month, day, 9, tzinfo=UTC)


@pytest.fixture
def story(keel: Keel) -> Iterator[tuple[TestClient, SetClock]]:
    clock = SetClock(at(1, 1))
    keel.app.log_clock = clock
    with TestClient(create_app(keel=keel), raise_server_exceptions=False) as client:
        yield client, clock


def refused(response: Any, status: int, *words: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    problem: dict[str, Any] = response.json()
    assert all(w in problem["detail"] for w in words), problem
    assert "\n" not in problem["detail"]
    return problem


def rows(client: TestClient, keel: Keel, **query: str) -> dict[str, dict[str, Any]]:
    keel.engine.catch_up()
    body = ok(client.get("/v1/reports/trial-balance", params=query))
    return {r["account"]: r for r in body["rows"]}


def test_a_business_starts_on_the_minimal_chart_and_keeps_its_own_accounts(
    story: tuple[TestClient, SetClock], keel: Keel
) -> None:
    client, clock = story
    ok(client.post("/v1/books/init", json={"template": "minimal", "on": "2026-01-01"}), 201)
    refused(client.post("/v1/books/init", json={"template": "minimal"}), 409, "already started")
    account = {"code": "1010", "name": BANK2, "type": "asset", "subtype": "bank", "parent": "1000", "on": "2026-01-01"}
    refused(client.post("/v1/accounts", json=account), 422, "1000 Bank takes postings", "sub-type group")
    account["parent"] = "10"  # the minimal chart's group "Cash and bank"
    ok(client.post("/v1/accounts", json=account), 201)
    refused(client.post("/v1/accounts", json={**account, "name": "Again"}), 409, "1010 already exists")
    problem = refused(client.post("/v1/accounts", json={**account, "code": "10-10"}), 422)
    assert problem["errors"][0]["location"] == "body.code"

    customer = ok(client.post("/v1/customers", json={"name": "Acme", "on": "2026-01-02"}), 201)["id"]
    line = {"description": "Design", "quantity": "1", "unit_price": "1000.00", "tax_rate": "24"}
    body = {"customer_id": customer, "lines": [line], "on": "2026-01-10"}
    invoice = ok(client.post("/v1/invoices", json=body), 201)["id"]
    ok(client.post(f"/v1/invoices/{invoice}/issue", json={"on": "2026-01-10"}))
    payment = {"customer_id": customer, "amount": "1240.00", "on": "2026-02-10", "bank_account": "1010"}
    allocated = {**payment, "allocations": [{"invoice_id": invoice, "amount": "1240.00"}]}
    refused(client.post("/v1/payments", json={**allocated, "bank_account": "1100"}), 422, "not a bank account")
    refused(client.post("/v1/payments", json={**allocated, "bank_account": "1999"}), 422, "no account '1999'")
    ok(client.post("/v1/payments", json=allocated), 201)

    clock.set(at(9, 2))  # the rename is dated 1 September and recorded on the 2nd
    ok(client.patch("/v1/accounts/1010", json={"name": "Savings bank", "on": "2026-09-01"}))
    known_in_august = rows(client, keel, as_of="2026-09-30", known_at="2026-08-15T00:00:00Z")
    assert known_in_august["1010"]["name"] == BANK2 and known_in_august["1010"]["debit"] == "1240.00"
    assert rows(client, keel, as_of="2026-08-31")["1010"]["name"] == BANK2  # as of August, known now
    now = rows(client, keel, as_of="2026-09-30")
    assert now["1010"]["name"] == "Savings bank" and now["1010"]["parent"] == "10"
    assert (now["4000"]["name"], now["4000"]["credit"], now["2100"]["credit"]) == ("Revenue", "1000.00", "240.00")
    assert "1100" not in now  # the receivable was settled through the role, whatever account the bank was
    groups = ok(client.get("/v1/reports/trial-balance", params={"as_of": "2026-09-30"}))["groups"]
    assert {
        "type": "asset",
        "group": "10",
        "name": "Cash and bank",
        "currency": "EUR",
        "debit": "1240.00",
        "credit": "0.00",
        "parent": None,
        "depth": 0,
    } in groups
    assert ok(client.get("/v1/reports/ageing/receivables", params={"as_of": "2026-09-30"}))["items"] == []
    listed = ok(client.get("/v1/accounts", params={"as_of": "2026-09-30", "known_at": "2026-08-15T00:00:00Z"}))
    assert {"code": "1010", "name": BANK2, "type": "asset", "subtype": "bank", "parent": "10"}.items() <= next(
        a for a in listed["items"] if a["code"] == "1010"
    ).items()

    refused(
        client.post("/v1/accounts/1100/deactivate", json={}), 409, "1100 Accounts receivable is locked", "receivable"
    )
    entry = {"memo": "Fix", "lines": [{"account": "1100", "debit": "5.00"}, {"account": "6000", "credit": "5.00"}]}
    refused(client.post("/v1/books/journal-entries", json=entry), 409, "moves only through its documents")
    ok(
        client.post("/v1/accounts", json={"code": "6100", "name": "Software", "type": "expense", "subtype": "expense"}),
        201,
    )
    ok(client.post("/v1/accounts/6100/deactivate", json={}))
    entry = {"memo": "Licence", "lines": [{"account": "6100", "debit": "5.00"}, {"account": "2400", "credit": "5.00"}]}
    refused(client.post("/v1/books/journal-entries", json=entry), 409, "6100 Software is deactivated")
    ok(client.put("/v1/accounts/roles/bank", json={"code": "1010"}))
    # a group is never mapped to a role, posted to, nor deactivated while it groups active accounts
    refused(
        client.post("/v1/accounts/10/deactivate", json={}), 409, "10 Cash and bank groups active accounts: 1000, 1010"
    )
    refused(client.put("/v1/accounts/roles/bank", json={"code": "10"}), 422, "10 Cash and bank is a group")
    entry = {"memo": "X", "lines": [{"account": "10", "debit": "5.00"}, {"account": "2400", "credit": "5.00"}]}
    refused(client.post("/v1/books/journal-entries", json=entry), 422, "10 Cash and bank is a group")
    keel.engine.catch_up()
    roles = ok(client.get("/v1/accounts/roles"))["items"]
    assert {"role": "bank", "code": "1010"} in roles and {"role": "receivable", "code": "1100"} in roles
    head = keel.app.head_position()
    refused(client.put("/v1/accounts/roles/bank", json={"code": "4000"}), 422, "maps to an asset account")
    assert keel.app.head_position() == head


def test_the_cli_starts_the_books_and_keeps_the_chart(keel_settings: Settings, tmp_path: Path) -> None:
    store, url = tmp_path / "store", keel_settings.database_url
    assert "minimal chart of accounts" in said(store, "books", "init", "--template", "minimal", database_url=url)
    again = run(store, "books", "init", database_url=url)
    assert again.returncode == 1 and again.stderr.count("\n") == 1 and "already started" in again.stderr
    said(
        store,
        "accounts",
        "add",
        "1010",
        BANK2,
        "--type",
        "asset",
        "--subtype",
        "bank",
        "--parent",
        "10",
        database_url=url,
    )
    settings = Settings(data_dir=store, database_url=url, auth="off", _env_file=None)  # type: ignore[call-arg]
    with Keel.start(settings, follow=False) as keel:
        before = keel.app.head_position()
    said(store, "accounts", "rename", "1010", "Savings bank", database_url=url)
    locked = run(store, "accounts", "deactivate", "1100", database_url=url)
    assert locked.returncode == 1 and "locked" in locked.stderr and locked.stderr.count("\n") == 1
    bad = run(store, "accounts", "add", "1020", "X", "--type", "cash", database_url=url)
    assert bad.returncode == 1 and "--type" in bad.stderr
    listed = run(store, "accounts", "list", "--known-at", str(before), "--format", "json", database_url=url)
    assert listed.returncode == 0, listed.stderr
    named = {a["code"]: a["name"] for a in json.loads(listed.stdout)["items"]}
    assert named["1010"] == BANK2 and len(named) == 27  # 21 accounts, 5 groups and 1010
    now = run(store, "accounts", "list", "--format", "csv", database_url=url)
    assert "1010,Savings bank,asset,bank,10,,yes" in now.stdout.splitlines()
    for args, words in (((), "say --parent CODE, or --top"), (("--parent", "1000"), "1000 Bank takes postings")):
        bad_move = run(store, "accounts", "move", "1010", *args, database_url=url)
        assert bad_move.returncode == 1 and bad_move.stderr.count("\n") == 1 and words in bad_move.stderr
    assert "account 1010 moved to the top" in said(store, "accounts", "move", "1010", "--top", database_url=url)
    assert said(store, "accounts", "move", "1010", "--parent", "10", database_url=url).startswith("account 1010 moved")
    roles = run(store, "accounts", "roles", "--format", "csv", database_url=url)
    assert "bank,1000" in roles.stdout.splitlines()


def test_a_store_without_chart_events_keeps_the_services_chart(story: tuple[TestClient, SetClock], keel: Keel) -> None:
    client, _ = story
    keel.engine.catch_up()
    listed = ok(client.get("/v1/accounts", params={"as_of": "2026-01-01"}))["items"]
    assert [(a["code"], a["name"], a["type"]) for a in listed] == [
        (a.code, a.name, a.type.value) for a in sorted(SERVICES_EU.accounts, key=lambda a: a.code)
    ]
    # its first change records the services chart as it always was, then the change
    ok(client.post("/v1/accounts", json={"code": "1010", "name": BANK2, "type": "asset", "subtype": "bank"}), 201)
    keel.engine.catch_up()
    after = {a["code"]: a for a in ok(client.get("/v1/accounts"))["items"]}
    assert len(after) == len(SERVICES_EU.accounts) + 1 and after["2400"]["name"] == "Accrued liabilities"
    entry = {
        "memo": "Accrual",
        "lines": [{"account": "6000", "debit": "10.00"}, {"account": "2400", "credit": "10.00"}],
    }
    ok(client.post("/v1/books/journal-entries", json=entry), 201)  # accruals still go to a mapped, non-control account
    refused(client.post("/v1/books/init", json={}), 409)


def test_the_demo_reports_keep_their_numbers_with_names_from_the_chart(tmp_path: Path) -> None:
    from api.demo import load_demo
    from projections.finance.reports import balance_sheet, profit_and_loss, trial_balance

    settings = Settings(data_dir=tmp_path / "demo", database_url=None, auth="off", _env_file=None)  # type: ignore[call-arg]
    with Keel.start(settings, follow=False) as keel:
        load_demo(keel.app)
        keel.engine.catch_up()
        tb = trial_balance(keel.views, date(2026, 9, 30))
        names = {a.code: (a.name, a.type.value) for a in SERVICES_EU.accounts}
        assert all((r.name, r.type) == names[r.account] for r in tb.rows) and tb.balanced
        for currency in {r.currency for r in tb.rows}:
            debit = sum((g.debit for g in tb.groups if g.currency == currency), Decimal(0))
            assert debit == next(t.debit for t in tb.totals if t.currency == currency)
        pl = profit_and_loss(keel.views, date(2026, 7, 1), date(2026, 9, 30), "EUR")
        assert sum((g.amount for g in pl.groups if g.type == "income"), Decimal(0)) == pl.total_income
        bs = balance_sheet(keel.views, date(2026, 9, 30), "EUR")
        assert bs.balanced and sum((g.amount for g in bs.groups if g.type == "asset"), Decimal(0)) == bs.total_assets


def test_an_account_moved_to_a_new_group_regroups_reports_from_then_on(
    story: tuple[TestClient, SetClock], keel: Keel
) -> None:
    client, clock = story
    entry = {
        "memo": "Capital",
        "on": "2026-03-01",
        "lines": [{"account": "1000", "debit": "500.00"}, {"account": "3000", "credit": "500.00"}],
    }
    ok(client.post("/v1/books/journal-entries", json=entry), 201)
    clock.set(at(9, 2))
    group = {"code": "12", "name": "Liquid assets", "type": "asset", "subtype": "group", "on": "2026-09-01"}
    ok(client.post("/v1/accounts", json=group), 201)
    problem = refused(client.post("/v1/accounts/10/move", json={"parent": "1000"}), 422, "1000 Bank takes postings")
    assert problem["field"] == "parent"
    refused(client.post("/v1/accounts/10/move", json={"parent": "2000"}), 422, "is liability, not asset")
    ok(client.post("/v1/accounts/10/move", json={"parent": "12", "on": "2026-09-01"}))
    keel.engine.catch_up()

    def groups(**query: str) -> list[tuple[str, Any, int, str]]:
        body = ok(client.get("/v1/reports/trial-balance", params=query))
        return [(g["group"], g["parent"], g["depth"], g["debit"]) for g in body["groups"] if g["type"] == "asset"]

    assert groups(as_of="2026-09-30") == [("12", None, 0, "500.00"), ("10", "12", 1, "500.00")]
    assert groups(as_of="2026-08-31") == [("10", None, 0, "500.00")]
    assert groups(as_of="2026-09-30", known_at="2026-09-01T12:00:00Z") == [("10", None, 0, "500.00")]
    csv = client.get("/v1/reports/balance-sheet", params={"as_of": "2026-09-30", "format": "csv"}).text.splitlines()
    assert csv[1:4] == [
        "assets,1000,Bank,EUR,500.00",
        "assets,10,Total Cash and bank,EUR,500.00",
        "assets,12,Total Liquid assets,EUR,500.00",
    ]
