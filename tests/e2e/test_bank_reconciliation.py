"""Bank statements and reconciliation, as the finance lead would do it (issue 18, items 3 and 4).

Each demo statement file — CAMT.053, OFX and a German CSV export — is imported into the demo
quarter, in a bank account added through the commands; ``keel bank reconcile --auto`` matches the
line that pays an open invoice exactly, suggests the one a bank fee was taken from and leaves the
unknown line unmatched; the bank account's book balance is then the statement's closing balance
less the unmatched lines. On SQLite and PostgreSQL, through the CLI and over HTTP.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner, Result

from api.cli import app as cli
from api.demo import load_demo
from api.http import create_app
from api.settings import Settings
from api.system import Keel
from commands.messages import EntryLineInput, PostJournalEntry
from ledger.events import Meta

STATEMENTS = Path(__file__).parent.parent / "fixtures" / "statements"
GERMAN_MAPPING = {
    "date": "Buchungstag",
    "date_format": "%d.%m.%Y",
    "value_date": "Valuta",
    "debit": "Soll",
    "credit": "Haben",
    "description": ["Verwendungszweck"],
    "reference": "Kundenreferenz",
    "counterparty": "Auftraggeber/Empfänger",
    "counterparty_iban": "IBAN",
    "decimal": ",",
    "thousands": ".",
    "delimiter": ";",
    "encoding": "cp1252",
    "skip_rows": 3,
}


@dataclass(frozen=True)
class Case:
    file: str
    account: str  # the ledger account it gets
    iban: str
    opening: str  # the balance at the bank before the statement: the books' opening entry
    closing: str  # what the bank says at its end (the lines' sum from the opening, for a CSV)
    exact: str  # the invoice a line pays exactly
    fee: tuple[str, str]  # the invoice a line pays less a bank fee, and the fee
    unknown: str  # a word of the line nothing explains
    lines: int


CASES = [
    Case("camt053_v02_demo.xml", "1010", "GR16 0110 1250 0000 0001 2300 695", "24310.55", "33645.45",
         "INV-2026-0007", ("INV-2026-0008", "15.00"), "77812", 7),
    Case("ofx1_demo.ofx", "1020", "DE89 3704 0044 0532 0130 00", "10000.00", "14464.20",
         "INV-2026-0009", ("INV-2026-0001", "7.50"), "K-2231", 5),
    Case("csv_demo_de.csv", "1030", "DE44 5001 0517 5407 3249 31", "0.00", "10643.90",
         "INV-2026-0005", ("INV-2026-0007", "20.00"), "77812", 7),
]  # fmt: skip


@pytest.fixture
def shell(keel: Keel, keel_settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Iterator[Keel]:
    """The demo in a store the CLI (reading KEEL_* as a user's shell would) and the API share."""
    load_demo(keel.app)
    keel.engine.catch_up()
    monkeypatch.setenv("KEEL_DATA_DIR", str(keel_settings.data_dir))
    if keel_settings.database_url:
        monkeypatch.setenv("KEEL_DATABASE_URL", keel_settings.database_url)
    else:
        monkeypatch.delenv("KEEL_DATABASE_URL", raising=False)
    yield keel


def keel_cli(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args))


def ok(*args: str) -> str:
    done = keel_cli(*args)
    assert done.exit_code == 0, (args, done.output)
    return done.stdout


def refused(*args: str) -> str:
    done = keel_cli(*args)
    assert done.exit_code == 1, (args, done.output)
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), done.stderr
    return lines[0]


def as_json(*args: str) -> Any:
    return json.loads(ok(*args, "--format", "json"))


def set_up(keel: Keel, case: Case, tmp_path: Path) -> list[str]:
    """A ledger account of sub-type bank, a bank account on it, the opening balance in the books;
    the options that import the statement."""
    ok("accounts", "add", case.account, f"Bank {case.account}", "--type", "asset", "--subtype", "bank")
    ok("bank", "accounts", "add", case.file, "--account", case.account, "--iban", case.iban)
    if Decimal(case.opening):
        keel.app.handle(
            PostJournalEntry(
                meta=Meta("test"),
                on=date(2026, 9, 30),
                memo="Opening balance of the bank account",
                lines=(
                    EntryLineInput(account=case.account, debit=case.opening),
                    EntryLineInput(account="3000", credit=case.opening),
                ),
            )
        )
    options = [str(STATEMENTS / case.file), "--bank-account", case.file]
    if case.file.endswith(".csv"):
        mapping = tmp_path / "musterbank.json"
        mapping.write_text(json.dumps(GERMAN_MAPPING), encoding="utf-8")
        ok("bank", "mappings", "add", "Musterbank", "--file", str(mapping))
        options += ["--mapping", "Musterbank"]
    return options


@pytest.mark.parametrize("case", CASES, ids=[c.file for c in CASES])
def test_each_statement_is_reconciled_against_the_demo_and_the_books_agree(
    shell: Keel, case: Case, tmp_path: Path
) -> None:
    importing = set_up(shell, case, tmp_path)
    said = ok("bank", "import", *importing)
    assert f"{case.lines} lines" in said and f"{case.lines} new, 0 already there" in said

    done = ok("bank", "reconcile", "--bank-account", case.file, "--auto")
    matched, suggested = done.split("suggested:")[0], done.split("suggested:")[1].split("nothing fits")[0]
    assert case.exact in matched and "score 100" in matched
    invoice, fee = case.fee
    assert invoice in suggested and f"(fee {fee})" in suggested and invoice not in matched

    unmatched = as_json("bank", "lines", "--bank-account", case.file, "--unmatched", "--as-of", "2026-10-31")
    texts = [line["description"] + " " + (line["reference"] or "") for line in unmatched["items"]]
    assert any(case.unknown in t for t in texts)
    assert not any(case.exact in t for t in texts)  # matched: no longer listed
    assert any(invoice in t for t in texts)  # only suggested: still open
    every = as_json("bank", "lines", "--bank-account", case.file, "--as-of", "2026-10-31")["items"]
    assert [line["matched_to"] for line in every if case.exact in line["description"]] == [case.exact]

    report = as_json("report", "reconciliation", "--bank-account", case.file, "--as-of", "2026-10-31")
    assert Decimal(report["statement_balance"]) == Decimal(case.closing)
    assert Decimal(report["book_balance"]) + Decimal(report["unmatched_total"]) == Decimal(case.closing)
    assert Decimal(report["unexplained"]) == 0
    assert sum(Decimal(line["amount"]) for line in report["lines"]) == Decimal(report["unmatched_total"])

    # accepting the suggestion records Northwind's (or Atlas's) payment less the fee: the books follow
    line = next(x for x in unmatched["items"] if invoice in x["description"] + (x["reference"] or ""))
    ok("bank", "match", line["id"][:8], f"invoice:{invoice}:{line['amount']}:{fee}")
    after = as_json("report", "reconciliation", "--bank-account", case.file, "--as-of", "2026-10-31")
    assert Decimal(after["book_balance"]) == Decimal(report["book_balance"]) + Decimal(line["amount"])
    assert Decimal(after["unexplained"]) == 0
    # … and unmatching takes the payment and its fee back out of the books, as events
    ok("bank", "unmatch", line["id"][:8], "--reason", "wrong customer")
    again = as_json("report", "reconciliation", "--bank-account", case.file, "--as-of", "2026-10-31")
    assert again["book_balance"] == report["book_balance"] and Decimal(again["unexplained"]) == 0
    invoices = as_json("invoices", "list", "--as-of", "2026-10-31", "--limit", "100")["items"]
    assert next(i["outstanding"] for i in invoices if i["number"] == invoice) != "0.00"

    # a second run matches nothing twice; the same file again adds nothing
    assert ok("bank", "reconcile", "--bank-account", case.file, "--auto").startswith(f"{case.file}: 0 matched")
    head = shell.app.head_position()
    assert "already imported" in refused("bank", "import", *importing)
    assert shell.app.head_position() == head


def test_an_overlapping_statement_adds_only_its_new_lines_and_the_reconciliation_was_known_when_it_was(
    shell: Keel, tmp_path: Path
) -> None:
    case = CASES[0]
    importing = set_up(shell, case, tmp_path)
    ok("bank", "import", *importing)
    moment_before = shell.app.moment_of(shell.app.head_position())
    assert moment_before is not None
    said = ok("bank", "import", str(STATEMENTS / "camt053_v08_demo.xml"), "--bank-account", case.file)
    assert "0 new, 7 already there" in said
    ok("bank", "reconcile", "--bank-account", case.file, "--auto")
    now = as_json("report", "reconciliation", "--bank-account", case.file, "--as-of", "2026-10-31")
    then = as_json(
        "report", "reconciliation", "--bank-account", case.file, "--as-of", "2026-10-31",
        "--known-at", moment_before.isoformat(),
    )  # fmt: skip
    assert len(then["lines"]) == len(now["lines"]) + 2  # the Atlas line and CloudDesk's bill were not matched then
    assert Decimal(then["unexplained"]) == Decimal(now["unexplained"]) == 0


@pytest.mark.parametrize(
    ("file", "case", "options", "names"),
    [
        ("hostile_malformed.xml", 0, [], ["hostile_malformed.xml", "line", "malformed XML"]),
        ("hostile_truncated.ofx", 1, [], ["hostile_truncated.ofx", "line", "STMTTRN"]),
        ("ofx1_demo.ofx", 0, [], ["ofx1_demo.ofx", "line", "ACCTID", "DE89370400440532013000"]),
        ("hostile_bad_amount.csv", 0, ["--mapping", "bad"], ["hostile_bad_amount.csv", "line 3", "Betrag"]),
        ("hostile_doctype.xml", 0, [], ["hostile_doctype.xml", "DOCTYPE"]),
    ],
)
def test_bad_statement_files_are_refused_with_one_line_naming_file_place_and_field_and_nothing_is_written(
    shell: Keel, tmp_path: Path, file: str, case: int, options: list[str], names: list[str]
) -> None:
    chosen = CASES[case]
    set_up(shell, chosen, tmp_path)
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"date": "Buchungstag", "date_format": "%d.%m.%Y", "amount": "Betrag",
                               "description": "Verwendungszweck", "decimal": ",", "thousands": ".",
                               "delimiter": ";"}))  # fmt: skip
    ok("bank", "mappings", "add", "bad", "--file", str(bad))
    head = shell.app.head_position()
    line = refused("bank", "import", str(STATEMENTS / file), "--bank-account", chosen.file, *options)
    for name in names:
        assert name in line, line
    assert shell.app.head_position() == head


def test_over_http_a_statement_is_uploaded_reconciled_and_a_bad_one_is_a_problem_naming_the_field(
    shell: Keel, tmp_path: Path
) -> None:
    case = CASES[0]
    set_up(shell, case, tmp_path)
    shell.engine.start(poll_interval=0.05)  # as `keel serve` does: the read models follow the log
    with TestClient(create_app(keel=shell), raise_server_exceptions=False) as client:
        accounts = client.get(f"/v1/bank-accounts?min_position={shell.app.head_position()}").json()["items"]
        account = next(a["id"] for a in accounts if a["name"] == case.file)
        data = (STATEMENTS / case.file).read_bytes()
        url = f"/v1/bank-accounts/{account}/statements"
        done = client.post(url, files={"file": (case.file, data, "application/xml")})
        assert done.status_code == 201, done.text
        assert (done.json()["lines"], done.json()["new_lines"]) == (7, 7)
        again = client.post(url, files={"file": (case.file, data, "application/xml")})
        assert again.status_code == 409 and again.json()["field"] == "file"
        other = (STATEMENTS / "ofx1_demo.ofx").read_bytes()
        wrong = client.post(url, files={"file": ("ofx1_demo.ofx", other, "application/x-ofx")})
        assert wrong.status_code == 422, wrong.text
        assert (wrong.json()["file"], wrong.json()["field"]) == ("ofx1_demo.ofx", "ACCTID")
        broken = client.post(url, files={"file": ("x.xml", b"<Document><Stmt>", "application/xml")})
        assert broken.status_code == 422 and broken.json()["file"] == "x.xml", broken.text
        position = done.json()["position"]
        reconciled = client.post(f"/v1/bank-accounts/{account}/reconcile?min_position={position}", json={"apply": True})
        assert reconciled.status_code == 200, reconciled.text
        matched = reconciled.json()["matched"]  # an invoice paid exactly, CloudDesk's bill paid exactly (ADR 0037)
        assert [p["items"][0]["label"] for p in matched] == ["INV-2026-0007", "CD-55102"]
        suggested = sorted((p["score"], p["items"][0]["label"]) for p in reconciled.json()["suggested"])
        assert suggested == [(60, "CL-2026-031"), (60, "HP-07/2026"), (90, "INV-2026-0008")]
        after = reconciled.json()["position"]  # read your writes: the matches folded first
        report = client.get(
            f"/v1/reports/reconciliation?bank_account_id={account}&as_of=2026-10-31&min_position={after}"
        )
        assert report.status_code == 200 and Decimal(report.json()["unexplained"]) == 0


def test_a_statement_upload_has_its_own_size_bound(shell: Keel, tmp_path: Path) -> None:
    set_up(shell, CASES[0], tmp_path)
    shell.engine.catch_up()
    shell.settings.statement_max_bytes = 4096
    with TestClient(create_app(keel=shell), raise_server_exceptions=False) as client:
        account = client.get("/v1/bank-accounts").json()["items"][0]["id"]
        big = (STATEMENTS / "camt053_v02_demo.xml").read_bytes()
        done = client.post(f"/v1/bank-accounts/{account}/statements", files={"file": ("big.xml", big * 2)})
        assert done.status_code in (413, 422), done.text
        assert "at most 4,096 bytes" in done.json()["detail"]
