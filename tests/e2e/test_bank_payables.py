"""Money out reconciled against what the business owes, and unmatching as a reversal (issue 18,
item 4; ADR 0037): a statement pays the demo's rent bill exactly and reimburses Maria's approved
lunch claim — both matched by ``keel bank reconcile --auto`` and recorded through the paths a typed
supplier payment and reimbursement take; a line of exactly CloudDesk's bill is suggested with a
score; a customer's payment matched and then unmatched is reversed as ``Payment.Reversed`` and the
invoice is owed again. After each step, book balance + unmatched lines = the statement's balance.
On SQLite and PostgreSQL, through the CLI and over HTTP.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

from fastapi.testclient import TestClient
from test_bank_reconciliation import GERMAN_MAPPING, STATEMENTS, as_json, ok, refused, shell  # noqa: F401

from api.http import create_app
from api.system import Keel
from ledger.payment import Payment
from ledger.supplier_payment import SupplierPayment
from projections.finance import records
from projections.finance.ledger_lists import BillView, list_bills, list_payments

ACCOUNT = "Payables EUR"
CLOSING = Decimal("2926.40")  # 4060.00 - 2000.00 - 297.60 - 86.00 + 1250.00


def set_up(tmp_path: Path) -> None:
    ok("accounts", "add", "1040", "Bank 1040", "--type", "asset", "--subtype", "bank")
    ok("bank", "accounts", "add", ACCOUNT, "--account", "1040", "--iban", "DE89 3704 0044 0532 0130 00")
    mapping = tmp_path / "musterbank.json"
    mapping.write_text(json.dumps(GERMAN_MAPPING), encoding="utf-8")
    ok("bank", "mappings", "add", "Musterbank", "--file", str(mapping))
    ok("bank", "import", str(STATEMENTS / "csv_payables_demo.csv"), "-b", ACCOUNT, "--mapping", "Musterbank")


def balanced(closing: Decimal = CLOSING) -> dict[str, str]:
    report = as_json("report", "reconciliation", "-b", ACCOUNT, "--as-of", "2026-10-31")
    assert Decimal(report["statement_balance"]) == closing
    assert Decimal(report["book_balance"]) + Decimal(report["unmatched_total"]) == closing
    assert Decimal(report["unexplained"]) == 0
    return report  # type: ignore[no-any-return]


def bill(keel: Keel, reference: str) -> BillView:
    keel.engine.catch_up()
    return next(b for b in list_bills(keel.views, limit=100).items if b.reference == reference)


def supplier_payments(keel: Keel) -> list[records.SupplierPaymentView]:
    with keel.views.read() as cur:
        cur.execute("SELECT id FROM supplier_payments")
        ids = [str(r[0]) for r in cur.fetchall()]
    return [p for i in ids if (p := records.get_supplier_payment(keel.views, i)) is not None]


def claim_status(keel: Keel, receipt: str) -> str:
    keel.engine.catch_up()
    with keel.views.read() as cur:
        cur.execute("SELECT status FROM claims WHERE receipt_reference = %s", [receipt])
        row = cur.fetchone()
    assert row is not None
    return str(row[0])


def test_money_out_pays_bills_and_claims_and_an_unmatched_payment_is_reversed_as_such(
    shell: Keel,  # noqa: F811 (the fixture, imported)
    tmp_path: Path,
) -> None:
    set_up(tmp_path)
    assert bill(shell, "HP-07/2026").open == Decimal("2000.00")
    done = ok("bank", "reconcile", "-b", ACCOUNT, "--auto")
    matched, rest = done.split("suggested:")
    assert "HP-07/2026 -2000.00" in matched and "R-2240 -86.00" in matched and "INV-2026-0005" in matched
    assert "score  60  CD-55102 -297.60" in rest and "pays exactly bill CD-55102" in rest
    assert bill(shell, "HP-07/2026").status == "paid"
    assert claim_status(shell, "R-2240") == "reimbursed"
    balanced()

    # the suggestion accepted by hand: the short reference `keel bank lines` shows is enough
    table = ok("bank", "lines", "-b", ACCOUNT, "--unmatched", "--as-of", "2026-10-31")
    lines = as_json("bank", "lines", "-b", ACCOUNT, "--unmatched", "--as-of", "2026-10-31")["items"]
    cloud = next(x for x in lines if "Lizenzen" in x["description"])
    assert cloud["line"] in table and cloud["id"] not in table and cloud["id"].startswith(cloud["line"])
    ok("bank", "match", cloud["line"], "bill:CD-55102")
    assert bill(shell, "CD-55102").status == "paid"
    balanced()

    # unmatching the customer's payment reverses it as such: the invoice is owed again
    every = as_json("bank", "lines", "-b", ACCOUNT, "--as-of", "2026-10-31")["items"]
    northwind = next(x for x in every if "INV-2026-0005" in x["description"])
    before = balanced()
    ok("bank", "unmatch", northwind["line"], "--reason", "not Northwind's")
    after = balanced()
    assert Decimal(after["book_balance"]) == Decimal(before["book_balance"]) - Decimal("4060.00")
    invoices = as_json("invoices", "list", "--as-of", "2026-10-31", "--limit", "100")["items"]
    assert next(i["outstanding"] for i in invoices if i["number"] == "INV-2026-0005") == "4060.00"
    topics = [n.topic for n in shell.app.recorder.select_notifications(1, 1_000_000)]
    assert Payment.Reversed.TOPIC in topics
    assert not any(t == "keel.customer.CreditRefunded.v1" for t in topics[-10:])
    # the payments list and the payment itself say it was taken back, not that it still stands
    taken_back = [p for p in list_payments(shell.views, limit=500).items if p.reversed_on is not None]
    assert [p.amount for p in taken_back] == [Decimal("4060.00")]
    detail = records.get_payment(shell.views, taken_back[0].id)
    assert detail is not None and detail.reversed_on == taken_back[0].reversed_on and detail.allocations == []

    # unmatching the rent reverses the supplier payment: the bill is open again; matching again pays it
    rent = next(x for x in every if "HP-07/2026" in x["description"])
    ok("bank", "unmatch", rent["line"])
    assert bill(shell, "HP-07/2026").open == Decimal("2000.00")
    assert SupplierPayment.Reversed.TOPIC in [n.topic for n in shell.app.recorder.select_notifications(1, 1_000_000)]
    rent_payments = [p for p in supplier_payments(shell) if p.reversed_on is not None]
    assert len(rent_payments) == 1 and rent_payments[0].amount == Decimal("2000.00")
    ok("bank", "match", rent["line"], "bill:HP-07/2026:2000.00")
    assert bill(shell, "HP-07/2026").status == "paid"
    maria = next(x for x in every if "R-2240" in x["description"])
    ok("bank", "unmatch", maria["line"])
    assert claim_status(shell, "R-2240") == "approved"
    balanced()
    head = shell.app.head_position()
    assert "exceeds" in refused("bank", "match", maria["line"], "bill:CL-2026-031:5000.00")
    assert shell.app.head_position() == head


def test_over_http_a_line_is_matched_to_a_bill_and_a_bad_item_is_a_problem_naming_the_field(
    shell: Keel,  # noqa: F811 (the fixture, imported)
    tmp_path: Path,
) -> None:
    set_up(tmp_path)
    shell.engine.start(poll_interval=0.05)
    with TestClient(create_app(keel=shell), raise_server_exceptions=False) as client:
        head = shell.app.head_position()
        account = next(a for a in client.get(f"/v1/bank-accounts?min_position={head}").json()["items"])
        lines = client.get(f"/v1/bank-accounts/{account['id']}/lines?unmatched=true&as_of=2026-10-31").json()["items"]
        rent = next(x for x in lines if "HP-07/2026" in x["description"])
        found = client.post(f"/v1/bank-accounts/{account['id']}/reconcile", json={"apply": False}).json()
        proposal = next(p for p in found["suggested"] if p["line_id"] == rent["id"])
        assert proposal["score"] == 100 and proposal["items"][0]["kind"] == "bill"
        bad = client.post(
            f"/v1/bank-lines/{rent['id']}/match", json={"items": [{"kind": "cheque", "target": "x", "amount": "-1"}]}
        )
        assert bad.status_code == 422 and bad.json()["errors"][0]["location"].startswith("body.items.0.kind"), bad.text
        wrong = client.post(
            f"/v1/bank-lines/{rent['id']}/match",
            json={"items": [{"kind": "bill", "target": "nope", "amount": "-2000.00"}]},
        )
        assert wrong.status_code == 422 and wrong.json()["field"] == "items", wrong.text
        assert shell.app.head_position() == head
        target = proposal["items"][0]["target"]
        done = client.post(
            f"/v1/bank-lines/{rent['id']}/match",
            json={"items": [{"kind": "bill", "target": target, "amount": "-2000.00"}]},
        )
        assert done.status_code == 200, done.text
        undone = client.post(f"/v1/bank-lines/{rent['id']}/unmatch", json={"reason": "wrong bill"})
        assert undone.status_code == 200, undone.text


def test_a_bank_account_is_renamed_and_closed_only_when_nothing_is_left_on_it(
    shell: Keel,  # noqa: F811 (the fixture, imported)
    tmp_path: Path,
) -> None:
    set_up(tmp_path)
    before = shell.app.moment_of(shell.app.head_position())
    assert before is not None
    ok("bank", "accounts", "rename", ACCOUNT, "Operating EUR")
    now = as_json("bank", "accounts", "list")["items"]
    then = as_json("bank", "accounts", "list", "--known-at", before.isoformat())["items"]
    assert [(a["name"], a["status"]) for a in now] == [("Operating EUR", "open")]
    assert [a["name"] for a in then] == [ACCOUNT] and then[0]["id"] == now[0]["id"]
    assert "Lizenzen" in ok("bank", "lines", "-b", "Operating EUR")  # found by its new name
    head = shell.app.head_position()
    assert "unmatched" in refused("bank", "accounts", "close", "Operating EUR")
    assert shell.app.head_position() == head

    ok("accounts", "add", "1050", "Bank 1050", "--type", "asset", "--subtype", "bank")
    ok("bank", "accounts", "add", "Old savings", "--account", "1050")
    ok("bank", "accounts", "close", "Old savings")
    listed = {a["name"]: a["status"] for a in as_json("bank", "accounts", "list")["items"]}
    assert listed == {"Operating EUR": "open", "Old savings": "closed"}
    head = shell.app.head_position()
    statement = str(STATEMENTS / "ofx1_demo.ofx")
    assert "closed" in refused("bank", "import", statement, "-b", "Old savings")
    assert "closed" in refused("bank", "accounts", "rename", "Old savings", "Older savings")
    assert shell.app.head_position() == head


def test_over_http_rename_and_close_are_problems_naming_the_field_and_write_nothing(
    shell: Keel,  # noqa: F811 (the fixture, imported)
    tmp_path: Path,
) -> None:
    set_up(tmp_path)
    ok("accounts", "add", "1050", "Bank 1050", "--type", "asset", "--subtype", "bank")
    ok("bank", "accounts", "add", "Old savings", "--account", "1050")
    shell.engine.start(poll_interval=0.05)
    with TestClient(create_app(keel=shell), raise_server_exceptions=False) as client:
        head = shell.app.head_position()
        accounts = client.get(f"/v1/bank-accounts?min_position={head}").json()["items"]
        main = next(a["id"] for a in accounts if a["name"] == ACCOUNT)
        empty = next(a["id"] for a in accounts if a["name"] == "Old savings")
        blank = client.post(f"/v1/bank-accounts/{main}/rename", json={"name": ""})
        assert blank.status_code == 422 and blank.json()["errors"][0]["location"] == "body.name", blank.text
        taken = client.post(f"/v1/bank-accounts/{main}/rename", json={"name": "old SAVINGS"})
        assert taken.status_code == 409 and taken.json()["field"] == "name", taken.text
        busy = client.post(f"/v1/bank-accounts/{main}/close")
        assert busy.status_code == 409 and busy.json()["field"] == "bank_account", busy.text
        assert shell.app.head_position() == head
        renamed = client.post(f"/v1/bank-accounts/{main}/rename", json={"name": "Operating EUR"})
        assert renamed.status_code == 200, renamed.text
        closed = client.post(f"/v1/bank-accounts/{empty}/close", json={})
        assert closed.status_code == 200, closed.text
        after = client.get(f"/v1/bank-accounts?min_position={closed.json()['position']}").json()["items"]
        assert {a["name"]: a["status"] for a in after} == {"Operating EUR": "open", "Old savings": "closed"}
