"""Entering data with ``keel``, through its installed entry point: the same request bodies and
commands as HTTP, records found by name, one line said for each thing recorded, and a refused
value one line naming the option, with nothing written."""

from __future__ import annotations

import getpass
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from decimal import Decimal
from pathlib import Path
from uuid import UUID

import pytest

from api.settings import Settings
from api.system import Keel
from commands import messages as m
from ledger.customer import Customer
from ledger.events import Meta
from projections.finance import lists
from projections.finance.reports import receivables, trial_balance

KEEL = shutil.which("keel") or str(Path(sys.executable).parent / "keel")
SETUP = Meta(actor="setup")


def settings_of(store: Path, database_url: str | None) -> Settings:
    return Settings(data_dir=store, database_url=database_url, auth="off", _env_file=None)


@contextmanager
def opened(store: Path, database_url: str | None = None) -> Iterator[Keel]:
    keel = Keel.start(settings_of(store, database_url), follow=False)
    try:
        keel.engine.catch_up()
        yield keel
    finally:
        keel.close()


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


def a_small_agency(store: Path, database_url: str | None = None) -> None:
    """What the CLI does not enter: a cost center, a person, and an active project for a customer."""
    with opened(store, database_url) as keel:
        kite = keel.app.handle(m.RegisterCustomer(meta=SETUP, on=date(2026, 1, 2), name="Kite Labs")).id
        keel.app.handle(
            m.DefineCostCenter(meta=SETUP, on=date(2026, 1, 2), code="OPS", name="Operations", manager="olaf")
        )
        terms = m.TermsInput(
            effective=date(2026, 1, 1),
            role="developer",
            cost_center="OPS",
            weekly_capacity="40",
            cost_rate="50",
            bill_rate="100",
        )
        keel.app.handle(m.HirePerson(meta=SETUP, handle="ana", name="Ana Silva", terms=terms))
        project = keel.app.handle(
            m.DraftProject(meta=SETUP, on=date(2026, 1, 5), customer_id=kite, name="Kite website")
        ).id
        keel.app.handle(
            m.ConfigureProject(
                meta=SETUP, on=date(2026, 1, 5), project_id=project, model="time_and_materials", start=date(2026, 1, 5)
            )
        )
        keel.app.handle(m.ActivateProject(meta=SETUP, on=date(2026, 1, 5), project_id=project))


def head(store: Path, database_url: str | None = None) -> int:
    with opened(store, database_url) as keel:
        return keel.app.head_position()


def test_a_morning_of_data_entry_lands_in_the_books(tmp_path: Path) -> None:
    store = tmp_path / "keel"
    a_small_agency(store)

    added = said(store, "customers", "add", "Acme Ltd", "--currency", "EUR", "--terms", "30", "--on", "2026-03-01")
    assert re.fullmatch(r"customer Acme Ltd added: EUR, 30 days' terms \(id [0-9a-f]{8}, log position \d+\)", added)

    drafted = said(
        store, "invoices", "draft", "--customer", "acme", "--line", "Design sprint:10:100.00:21", "--on", "2026-03-02"
    )
    draft = re.fullmatch(
        r"invoice draft ([0-9a-f]{8}) for Acme Ltd: 1 line, 1,210.00 EUR \(log position \d+\);"
        r" issue it with: keel invoices issue \1",
        drafted,
    )
    assert draft, drafted

    issued = said(store, "invoices", "issue", draft[1], "--on", "2026-03-02")
    assert re.fullmatch(
        r"invoice INV-2026-0001 issued to Acme Ltd: 1,210.00 EUR, due 2026-04-01 \(log position \d+\)", issued
    )

    paid = said(
        store, "payments", "record", "--customer", "Acme Ltd", "--amount", "1000.00", "--currency", "EUR",
        "--on", "2026-03-20", "--invoice", "INV-2026-0001",
    )  # fmt: skip
    assert "of 1,000.00 EUR from Acme Ltd recorded on 2026-03-20: 1,000.00 EUR to INV-2026-0001" in paid

    submitted = said(
        store, "expenses", "submit", "--amount", "120.00", "--category", "travel", "--description", "Train to Acme",
        "--receipt-reference", "R-1001", "--cost-center", "OPS", "--employee", "ana", "--project", "kite",
        "--on", "2026-03-05",
    )  # fmt: skip
    assert (
        "by ana submitted: 120.00 EUR travel (receipt R-1001), charged to Kite website, waiting for olaf" in submitted
    )

    approved = said(store, "expenses", "approve", "r-1001", "--as", "olaf", "--on", "2026-03-06")
    assert approved.startswith("expense claim R-1001 (ana, 120.00 EUR) approved by olaf: approved and posted")

    logged = said(
        store, "time", "log", "--person", "Ana", "--project", "website", "--on", "2026-03-03", "--hours", "7.5"
    )
    assert logged.startswith("7.5 hours logged for ana on Kite website on 2026-03-03, billable")

    with opened(store) as keel:
        owed = receivables(keel.views, date(2026, 3, 31))
        assert [(r.customer_name, r.receivable) for r in owed.rows] == [("Acme Ltd", Decimal("210.00"))]
        books = trial_balance(keel.views, date(2026, 3, 31))
        assert all(t.debit == t.credit for t in books.totals)
        assert {(r.account, r.debit) for r in books.rows} >= {("6200", Decimal("120.00"))}  # travel, approved
        (claim,) = lists.list_claims(keel.views).items
        assert (claim.status, claim.employee, claim.receipt_reference) == ("approved", "ana", "R-1001")
        with keel.views.read() as cur:
            cur.execute("SELECT person, hours, billable FROM project_time")
            assert [(p, Decimal(h), bool(b)) for p, h, b in cur.fetchall()] == [("ana", Decimal("7.5"), True)]
        (acme,) = lists.list_customers(keel.views, date(2026, 3, 31), name="acme ltd").items
        assert keel.app.first_event(Customer, UUID(acme.id)).actor == f"cli:{getpass.getuser()}"


@pytest.fixture(scope="module")
def books(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two customers called Acme, an issued invoice: every refusal below must leave it as it is."""
    store = tmp_path_factory.mktemp("entry") / "keel"
    a_small_agency(store)
    with opened(store) as keel:
        for name in ("Acme Ltd", "Acme Holdings"):
            keel.app.handle(m.RegisterCustomer(meta=SETUP, on=date(2026, 1, 2), name=name))
    said(store, "invoices", "draft", "--customer", "Acme Ltd", "--line", "Work:1:100", "--on", "2026-02-02")
    with opened(store) as keel:
        (draft,) = lists.list_invoices(keel.views, date(2026, 2, 2), status="draft").items
    said(store, "invoices", "issue", draft.id, "--on", "2026-02-02")
    return store


@pytest.mark.parametrize(
    ("args", "option", "says"),
    [
        (
            ("payments", "record", "--customer", "Acme Ltd", "--amount", "12,50"),
            "--amount",
            "not a decimal amount with at most 15 digits and 8 decimals (e.g. 1210.00): '12,50'",
        ),
        (("payments", "record", "--customer", "Acme Ltd", "--amount", "1e3"), "--amount", "not a decimal amount"),
        (("invoices", "draft", "--customer", "Nobody", "--line", "Work:1:100"), "--customer", "no customer matches"),
        (
            ("invoices", "draft", "--customer", "acme", "--line", "Work:1:100"),
            "--customer",
            "'acme' matches 2 customers: Acme Holdings (",
        ),
        (
            ("invoices", "draft", "--customer", "Acme Ltd", "--line", "Work:1:100:21", "--line", "Rent:1:10:abc"),
            "--line 2 (tax rate)",
            "not a percentage",
        ),
        (("invoices", "draft", "--customer", "Acme Ltd", "--line", "Work:1"), "--line 1", "not Description:quantity"),
        (("customers", "add", "Acme Ltd", "--currency", "EURO"), "--currency", "not an ISO 4217 currency code"),
        (("customers", "add", "Acme Ltd", "--terms", "400"), "--terms", "less than or equal to 365"),
        (("customers", "add", "Bad\x07Bell"), "NAME", "control character U+0007"),
        (("invoices", "issue", "INV-2026-0001", "--on", "2026-02-30"), "--on", "not a date (YYYY-MM-DD)"),
        (("invoices", "issue", "INV-2026-0001"), "", "only a draft can be issued"),
        (
            ("payments", "record", "--customer", "Acme Ltd", "--amount", "5", "--invoice", "INV-2099"),
            "--invoice 1",
            "no invoice matches 'INV-2099'",
        ),
        (
            ("time", "log", "--person", "ana", "--project", "Nope", "--on", "2026-03-03", "--hours", "1"),
            "--project",
            "no project matches 'Nope'",
        ),
        (
            ("time", "log", "--person", "ana", "--project", "Kite", "--on", "2026-03-03", "--hours", "7.555"),
            "--hours",
            "not a number of hours",
        ),
        (("expenses", "approve", "R-404"), "CLAIM", "no expense claim matches 'R-404'"),
        (
            ("invoices", "draft", "--customer", "Acme Ltd", "--line", "Work:1:100", "--on", "2025-12-31"),
            "",
            "an invoice dated 2025-12-31 is before customer Acme Ltd was registered (",
        ),
    ],
)
def test_a_refused_entry_is_one_line_naming_the_option_and_writes_nothing(
    books: Path, args: tuple[str, ...], option: str, says: str
) -> None:
    before = head(books)
    done = run(books, *args)
    assert done.returncode == 1, done.stdout + done.stderr
    assert done.stdout == ""
    (line,) = done.stderr.strip().splitlines()
    assert line.startswith(f"error: {option}: " if option else "error: ") and says in line, line
    assert head(books) == before


@pytest.mark.postgres
def test_data_entry_on_postgres_finds_by_name_and_posts_the_receivable(tmp_path: Path, postgres_url: str) -> None:
    store = tmp_path / "keel"
    a_small_agency(store, postgres_url)
    said(store, "customers", "add", "Ärzte Praxis", "--terms", "14", "--on", "2026-03-01", database_url=postgres_url)
    drafted = said(
        store, "invoices", "draft", "--customer", "ärzte", "--line", "Audit: phase 1:2:500.00:0", "--on", "2026-03-02",
        database_url=postgres_url,
    )  # fmt: skip
    short = drafted.split()[2]
    issued = said(store, "invoices", "issue", short, "--on", "2026-03-02", database_url=postgres_url)
    assert "invoice INV-2026-0001 issued to Ärzte Praxis: 1,000.00 EUR, due 2026-03-16" in issued
    said(
        store, "payments", "record", "--customer", "Ärzte Praxis", "--amount", "1200", "--on", "2026-03-10",
        "--invoice", "0001", database_url=postgres_url,
    )  # fmt: skip
    with opened(store, postgres_url) as keel:
        (row,) = receivables(keel.views, date(2026, 3, 31)).rows
        assert (row.customer_name, row.receivable, row.credit) == ("Ärzte Praxis", Decimal("0.00"), Decimal("200.00"))


def test_a_report_where_there_is_no_store_says_so_and_creates_none(tmp_path: Path) -> None:
    """Run in the wrong folder, a read does not quietly make an empty store there."""
    nowhere = tmp_path / "not-a-store"
    for args in (("report", "trial-balance"), ("customers", "list"), ("audit", "verify")):
        done = run(nowhere, *args)
        assert done.returncode == 1, done.stdout + done.stderr
        (line,) = done.stderr.strip().splitlines()
        assert line.startswith("error: there is no store at sqlite (") and "keel demo" in line, line
    assert not nowhere.exists()


def test_stored_text_is_shown_as_typed_never_as_markup_or_emoji(tmp_path: Path) -> None:
    name = "Acme :x: Labs [bold]x[/bold]"
    assert name in said(tmp_path, "customers", "add", name, "--on", "2026-01-02")
    assert name in run(tmp_path, "customers", "list").stdout
    refused = run(tmp_path, "customers", "add", "Acme :x: Labs [bold]x[/bold]", "--terms", "[red]x")
    assert refused.returncode != 0 and "[red]x" in refused.stderr
