"""Recurring work on the demo (issue 19 item 5, ADR 0044), on SQLite and PostgreSQL: the worker at
2026-10-15 invoices Helios' September retainer and Northwind's subscription once; a second run and a
run after every read model is rebuilt record nothing new. Over HTTP and on the command line a bad
recurring invoice is refused naming the field (4xx problem / exit 1, one line), nothing written."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from api.cli import app as cli
from api.demo import load_demo
from api.demo.recurring import HOSTING, RETAINER
from api.http import create_app
from api.settings import Settings
from api.system import Keel
from api.worker.scheduler import Worker
from ledger.invoice import DRAFT, Invoice
from ledger.project_terms import invoice_id_for
from ledger.recurring import invoice_id_for_period

AS_OF = date(2026, 10, 15)


def test_the_demo_worker_invoices_the_september_retainer_and_the_subscription_once(keel: Keel) -> None:
    load_demo(keel.app)
    keel.engine.catch_up()
    first = {s.kind: s for s in Worker(keel).pass_once(AS_OF)}
    assert (first["billing"].done, first["recurring"].done) == (1, 2)

    september = keel.app.get(Invoice, invoice_id_for(RETAINER, "retainer:2026-09"))
    assert (september.status, september.total.amount) == (DRAFT, Decimal("1860.00"))
    assert september.lines[0].description == "Helios social content: retainer 2026-09"
    half = keel.app.get(Invoice, invoice_id_for_period(HOSTING, date(2026, 9, 15)))
    assert [ln.description for ln in half.lines] == [
        "Website hosting (2026-09-15 to 2026-09-30, 16 of 30 days)",
        "Maintenance hours (2026-09-15 to 2026-09-30, 16 of 30 days)",
    ]
    assert (half.net.amount, half.total.amount) == (Decimal("165.34"), Decimal("205.02"))
    october = keel.app.get(Invoice, invoice_id_for_period(HOSTING, date(2026, 10, 1)))
    assert october.total.amount == Decimal("384.40")

    keel.engine.catch_up()
    head = keel.app.head_position()
    again = Worker(keel, owner="a second worker").pass_once(AS_OF)
    for name in list(keel.engine.projections):
        keel.engine.rebuild(name)
    rebuilt = Worker(keel, owner="after the rebuild").pass_once(AS_OF)
    assert all(s.done == 0 for s in [*again, *rebuilt])
    assert keel.app.head_position() == head


def test_a_bad_recurring_invoice_is_a_problem_naming_the_field_and_nothing_is_written(keel: Keel) -> None:
    keel.engine.start(poll_interval=0.05)
    with TestClient(create_app(keel=keel), raise_server_exceptions=False) as client:
        customer = client.post("/v1/customers", json={"name": "Acme"}).json()["id"]
        good = {
            "customer_id": customer,
            "name": "Hosting",
            "lines": [{"description": "Hosting", "quantity": "1", "unit_price": "120.00"}],
            "frequency": "monthly",
            "start": "2026-10-10",
            "anchor": "2026-11-01",
            "on": "2026-10-01",
        }
        head = keel.app.head_position()
        for change, field in (
            ({"frequency": "weekly"}, "frequency"),
            ({"anchor": "2026-10-01"}, "anchor"),
            ({"end": "2026-10-01"}, "end"),
            ({"lines": [{"description": "x" * 501, "quantity": "1", "unit_price": "1"}]}, "description"),
            ({"lines": [{"description": "Hosting", "quantity": "1", "unit_price": 1.5}]}, "unit_price"),
            ({"lines": []}, "lines"),
        ):
            bad = client.post("/v1/recurring-invoices", json={**good, **change})
            assert 400 <= bad.status_code < 500 and field in bad.text, (change, bad.text)
            assert bad.headers["content-type"].startswith("application/problem+json")
        assert keel.app.head_position() == head

        made = client.post("/v1/recurring-invoices", json=good)
        assert made.status_code == 201, made.text
        ident = made.json()["id"]
        paused = client.post(f"/v1/recurring-invoices/{ident}/pause", json={"day": "2026-12-01", "on": "2026-11-20"})
        assert paused.status_code == 200, paused.text
        shown = client.get(f"/v1/recurring-invoices/{ident}", params={"min_position": paused.json()["position"]})
        assert shown.json()["status"] == "paused" and shown.json()["anchor"] == "2026-11-01"
        listed = client.get("/v1/recurring-invoices", params={"as_of": "2026-10-10"}).json()["items"]
        later = client.get("/v1/recurring-invoices", params={"as_of": "2026-11-25"}).json()["items"]
        assert ([x["status"] for x in listed], [x["status"] for x in later]) == (["active"], ["paused"])


@pytest.fixture
def demo(keel: Keel, keel_settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Keel:
    """The demo in a store the CLI (reading KEEL_* as a user's shell would) and the test share."""
    load_demo(keel.app)
    keel.engine.catch_up()
    monkeypatch.setenv("KEEL_DATA_DIR", str(keel_settings.data_dir))
    if keel_settings.database_url:
        monkeypatch.setenv("KEEL_DATABASE_URL", keel_settings.database_url)
    else:
        monkeypatch.delenv("KEEL_DATABASE_URL", raising=False)
    return keel


def test_keel_recurring_show_prints_what_http_sends(demo: Keel) -> None:
    with TestClient(create_app(keel=demo), raise_server_exceptions=False) as client:
        api = client.get(f"/v1/recurring-invoices/{HOSTING}")
    assert api.status_code == 200 and api.json()["line_versions"][0]["lines"][1]["service_code"] == "MAINT"
    done = CliRunner().invoke(cli, ["recurring", "show", "hosting"])
    assert done.exit_code == 0, done.output
    assert done.stdout_bytes == api.content + b"\n"


@pytest.mark.parametrize(
    ("args", "line"),
    [
        (["--line", "Hosting:1:abc"], "error: --line 1 (unit price)"),
        (["--line", "Hosting:1:120.00", "--frequency", "fortnightly"], "error: --frequency"),
        (["--line", "Hosting:1:120.00", "--anchor", "2026-09-01"], "error: anchor: 2026-09-01 is before the start"),
    ],
)
def test_a_bad_recurring_invoice_on_the_command_line_is_one_line_and_exit_1(
    demo: Keel, args: list[str], line: str
) -> None:
    keel = demo
    head = keel.app.head_position()
    done = CliRunner().invoke(
        cli, ["recurring", "add", "Hosting", "--customer", "Northwind", "--start", "2026-10-10", *args]
    )
    assert done.exit_code == 1, done.output
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(line), lines
    assert keel.app.head_position() == head


def test_a_recurring_invoice_is_added_changed_paused_and_ended_on_the_command_line(demo: Keel) -> None:
    runner = CliRunner()
    steps = [
        ["add", "Licence", "--customer", "Atlas", "--line", "Design system licence:1:1200.00:24", "--frequency"],
        ["change", "licence", "--from", "2027-10-01", "--line", "Design system licence:1:1320.00:24"],
        ["pause", "licence", "--from", "2028-10-01"],
        ["resume", "licence", "--from", "2029-10-01"],
        ["end", "licence", "--last-day", "2030-09-30"],
    ]
    steps[0] += ["yearly", "--start", "2026-10-01", "--issue", "--on", "2026-10-01"]
    for step in steps:
        done = runner.invoke(cli, ["recurring", *step])
        assert done.exit_code == 0, (step, done.output)
    shown = runner.invoke(cli, ["recurring", "show", "licence"]).stdout
    assert '"status":"ended"' in shown and '"end":"2030-09-30"' in shown and '"effective_from":"2027-10-01"' in shown
    again = runner.invoke(cli, ["recurring", "end", "licence", "--last-day", "2031-09-30"])
    assert again.exit_code == 1 and again.stderr.strip().splitlines() == [
        "error: recurring invoice Licence has ended; it cannot end again"
    ]
