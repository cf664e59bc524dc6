"""Supplier credit notes over HTTP and from the CLI: recorded against a bill, read back from the
read model, shown in the bills list; bad input a problem naming the field (or one CLI line) with
nothing written."""

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

LINE = {"description": "Hosting", "account": "6100", "amount": "1000.00", "tax_rate": "24"}


def a_bill(client: TestClient) -> tuple[str, str]:
    supplier = ok(client.post("/v1/suppliers", json={"name": "Copperline", "on": "2026-01-02"}), 201)
    body = {"supplier_id": supplier["id"], "supplier_reference": "CL-1", "lines": [LINE], "on": "2026-03-01"}
    return str(ok(client.post("/v1/bills", json=body), 201)["id"]), str(supplier["id"])


def test_a_credit_note_is_recorded_and_read_back(client: TestClient, keel: Keel) -> None:
    bill, supplier = a_bill(client)
    part = {"description": "Downtime", "account": "6100", "amount": "100.00", "tax_rate": "24"}
    made = client.post(
        f"/v1/bills/{bill}/credit-notes", json={"reference": "CN-9", "lines": [part], "on": "2026-03-05"}
    )
    done = ok(made, 201)
    position = str(done["position"])
    note = ok(client.get(made.headers["Location"], params={"min_position": position}))
    assert (note["reference"], note["total"], note["to_credit"], note["supplier_id"]) == (
        "CN-9",
        "124.00",
        "0.00",
        supplier,
    )
    assert note["lines"] == [{**part, "tax_inclusive": False, "cost_center": None}]
    listed = ok(client.get(f"/v1/bills/{bill}", params={"min_position": position}))
    assert (listed["open"], listed["credited"], listed["status"]) == ("1116.00", "124.00", "open")
    other = ok(client.get(f"/v1/supplier-credit-notes/{done['id']}"))
    assert other == note
    assert client.get(f"/v1/bills/{supplier}/credit-notes/{done['id']}").status_code == 404


def test_bad_credit_notes_are_problems_naming_the_field_and_write_nothing(client: TestClient, keel: Keel) -> None:
    bill, _ = a_bill(client)
    head = keel.app.head_position()
    for body, field in (
        ({"reference": "", "on": "2026-03-05"}, "body.reference"),
        ({"reference": "CN-1", "lines": [{**LINE, "account": "61-0"}]}, "body.lines.0.account"),
        ({"reference": "CN-1", "lines": [{**LINE, "amount": "1,00"}]}, "body.lines.0.amount"),
        ({"reference": "CN\u00001"}, "body.reference"),
    ):
        refused = client.post(f"/v1/bills/{bill}/credit-notes", json=body)
        assert refused.status_code == 422 and refused.json()["errors"][0]["location"] == field, refused.text
    early = client.post(f"/v1/bills/{bill}/credit-notes", json={"reference": "CN-1", "on": "2026-02-01"})
    assert early.status_code == 422 and "before bill CL-1" in early.json()["detail"]
    assert keel.app.head_position() == head


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    for name in ("KEEL_DATABASE_URL", "KEEL_AUTH"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("KEEL_DATA_DIR", str(tmp_path / "keel"))
    yield tmp_path


def test_the_cli_credits_a_bill_in_full_or_by_lines(store: Path) -> None:
    runner = CliRunner()
    with Keel.start(Settings(_env_file=None), follow=False) as keel:  # type: ignore[call-arg]
        who = keel.app.handle(m.RegisterSupplier(meta=SETUP, name="Copperline", on=date(2026, 1, 2)))
        line = m.BillLineInput(description="Hosting", account="6100", amount="1000.00", tax_rate="24")
        bill = m.RecordBill(
            meta=SETUP, supplier_id=who.id, supplier_reference="CL-1", lines=(line,), on=date(2026, 3, 1)
        )
        keel.app.handle(bill)
    neither = runner.invoke(cli, ["bills", "credit", "CL-1", "--reference", "CN-1"])
    assert neither.exit_code == 1 and neither.stderr.count("\n") == 1
    bad = runner.invoke(cli, ["bills", "credit", "CL-1", "--reference", "CN-1", "--line", "Downtime:61-0:10.00"])
    assert bad.exit_code == 1 and bad.stderr.count("\n") == 1 and "--line 1 (account)" in bad.stderr, bad.stderr
    part = runner.invoke(
        cli,
        ["bills", "credit", "CL-1", "--reference", "CN-1", "--line", "Downtime:6100:100.00:24", "--on", "2026-03-05"],
    )
    assert part.exit_code == 0, part.output
    assert part.stdout.startswith("credit note CN-1 on bill CL-1 (Copperline): 124.00 EUR (id ")
    twice = runner.invoke(cli, ["bills", "credit", "CL-1", "--reference", "CN-1", "--line", "Downtime:6100:1.00"])
    assert twice.exit_code == 1 and "already exists" in twice.stderr
    with Keel.start(Settings(_env_file=None), follow=False) as keel:  # type: ignore[call-arg]
        paid = m.RecordBill(
            meta=SETUP, supplier_id=who.id, supplier_reference="CL-2", lines=(line,), on=date(2026, 3, 2)
        )
        second = keel.app.handle(paid).id
        allocation = m.BillPaymentInput(bill_id=second, amount="1240.00")
        keel.app.handle(m.PaySupplier(meta=SETUP, supplier_id=who.id, allocations=(allocation,), on=date(2026, 3, 3)))
    full = runner.invoke(cli, ["bills", "credit", "CL-2", "--full", "--reference", "CN-2", "--on", "2026-03-06"])
    assert full.exit_code == 0 and "1,240.00 EUR became supplier credit" in full.stdout, full.output
    used = runner.invoke(
        cli, ["bills", "apply-credit", "CN-2", "--bill", "CL-1", "--amount", "100.00", "--on", "2026-03-07"]
    )
    assert used.exit_code == 0 and used.stdout.startswith("100.00 of CN-2 ("), used.output
    refunded = runner.invoke(cli, ["bills", "refund-credit", "CN-2", "--amount", "50.00", "--on", "2026-03-08"])
    assert refunded.exit_code == 0, refunded.output
    too_much = runner.invoke(cli, ["bills", "refund-credit", "CN-2", "--amount", "5000.00"])
    assert too_much.exit_code == 1 and "1,090.00" not in too_much.stderr and "supplier credit" in too_much.stderr
