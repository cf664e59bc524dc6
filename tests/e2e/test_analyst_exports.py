"""An analyst's snapshot of the books: Parquet files at (as of, known at) that DuckDB reads into
the very numbers Keel reports, that differ between two moments by exactly what was recorded in
between, and that are written whole or not at all."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from fastapi.testclient import TestClient
from support import bearer, issue_key
from typer.testing import CliRunner

from api.cli import app as cli
from api.demo import load_demo
from api.exports.parquet import PROVENANCE, datasets_named, export_snapshot, take_snapshot
from api.http import create_app
from api.settings import Settings
from api.system import Keel
from projections.exports.catalog import DATASETS
from projections.finance.reports import profit_and_loss, receivables, trial_balance

END_OF_Q3 = date(2026, 9, 30)
FOURTH_OF_AUGUST = datetime(2026, 8, 4, 23, 59, 59, tzinfo=UTC)


@pytest.fixture
def demo(keel: Keel) -> Keel:
    load_demo(keel.app)
    keel.engine.catch_up()
    return keel


def snapshot_of(keel: Keel, directory: Path, as_of: date | None, known_at: datetime | None = None) -> Path:
    position = keel.app.position_at(known_at) if known_at else None
    export_snapshot(keel, directory, take_snapshot(keel, as_of, known_at, position, datasets_named([])))
    return directory


def test_duckdb_over_the_snapshot_gives_keel_s_trial_balance_and_p_and_l(demo: Keel, tmp_path: Path) -> None:
    journal = snapshot_of(demo, tmp_path / "q3", END_OF_Q3) / "journal.parquet"
    balances = duckdb.execute(
        "SELECT account, currency, SUM(debit) - SUM(credit) AS balance"
        f" FROM '{journal}' GROUP BY account, currency HAVING balance <> 0 ORDER BY account, currency"
    ).fetchall()
    keel_rows = trial_balance(demo.views, END_OF_Q3).rows
    assert balances == sorted((r.account, r.currency, r.debit - r.credit) for r in keel_rows)
    assert len(balances) > 10
    results = dict(
        duckdb.execute(
            "SELECT account_type, SUM(functional_credit) - SUM(functional_debit) FROM"
            f" '{journal}' WHERE effective_date >= DATE '2026-01-01' AND account_type IN ('income', 'expense')"
            " GROUP BY account_type"
        ).fetchall()
    )
    statement = profit_and_loss(demo.views, date(2026, 1, 1), END_OF_Q3, demo.functional_currency)
    assert results["income"] == statement.total_income > 0
    assert -results["expense"] == statement.total_expenses > 0


def test_the_open_items_file_sums_to_keel_s_receivables_as_known_then(demo: Keel, tmp_path: Path) -> None:
    for known_at in (FOURTH_OF_AUGUST, None):
        items = snapshot_of(demo, tmp_path / f"open-{known_at is None}", END_OF_Q3, known_at) / "open_items.parquet"
        owed = duckdb.execute(
            "SELECT party_id, currency, SUM(open_amount) FROM read_parquet(?) WHERE role = 'receivable'"
            " GROUP BY ALL HAVING SUM(open_amount) <> 0 ORDER BY ALL",
            [str(items)],
        ).fetchall()
        report = receivables(demo.views, END_OF_Q3, known_at).rows
        assert owed == sorted((r.customer_id, r.currency, r.receivable) for r in report if r.receivable)
        assert owed


def test_every_column_is_typed_and_money_is_decimal(demo: Keel, tmp_path: Path) -> None:
    snapshot = snapshot_of(demo, tmp_path / "all", None)
    for file in snapshot.glob("*.parquet"):
        schema = pq.read_schema(file)
        assert not [f.name for f in schema if pa.types.is_floating(f.type)], file
        assert b"keel.snapshot" in (schema.metadata or {})
    journal = pq.read_table(snapshot / "journal.parquet")
    assert journal.schema.field("debit").type == pa.decimal128(38, 4)
    assert journal.schema.field("effective_date").type == pa.date32()
    dimensions = {"party_id", "document_id", "cost_center", "project_id", "tax_code"}
    assert dimensions <= set(journal.column_names)
    assert journal.column("cost_center").null_count < journal.num_rows  # the demo books by cost center
    total = duckdb.execute(
        f"SELECT SUM(functional_debit) - SUM(functional_credit) FROM '{snapshot / 'journal.parquet'}'"
    )
    assert total.fetchone() == (Decimal(0),)  # every entry balances


def test_a_snapshot_known_at_4_august_lacks_exactly_what_was_recorded_after(demo: Keel, tmp_path: Path) -> None:
    then = snapshot_of(demo, tmp_path / "then", None, FOURTH_OF_AUGUST)
    now = snapshot_of(demo, tmp_path / "now", None)
    for name in ("events", "journal"):
        old = {tuple(r.values()) for r in pq.read_table(then / f"{name}.parquet").to_pylist()}
        new_rows = pq.read_table(now / f"{name}.parquet").to_pylist()
        later = {tuple(r.values()) for r in new_rows if r["recorded_at"] > FOURTH_OF_AUGUST}
        assert later and old and old.isdisjoint(later)
        assert {tuple(r.values()) for r in new_rows} == old | later, name


def test_an_export_is_whole_or_nothing_and_refuses_what_it_would_overwrite(demo: Keel, tmp_path: Path) -> None:
    runner = CliRunner()
    settings = demo.settings
    env = {
        k: v
        for k, v in {"KEEL_DATA_DIR": str(settings.data_dir), "KEEL_DATABASE_URL": settings.database_url}.items()
        if v
    }
    target = tmp_path / "out"
    target.mkdir()
    (target / "notes.txt").write_text("mine")
    refused = runner.invoke(cli, ["export", "parquet", str(target)], env=env)
    assert refused.exit_code == 1 and "not empty" in refused.output and "--force" in refused.output
    assert [p.name for p in target.iterdir()] == ["notes.txt"]
    unknown = runner.invoke(cli, ["export", "parquet", str(tmp_path / "x"), "--dataset", "nope"], env=env)
    assert unknown.exit_code == 1 and "no dataset nope" in unknown.output and not (tmp_path / "x").exists()
    early = runner.invoke(cli, ["export", "parquet", str(tmp_path / "y"), "--known-at", "2001-01-01T00:00:00"], env=env)
    assert early.exit_code == 1 and "before the first event" in early.output and not (tmp_path / "y").exists()
    here = runner.invoke(cli, ["export", "parquet", str(Path.cwd()), "--force"], env=env)
    assert here.exit_code == 1 and "holds the current directory" in here.output
    done = runner.invoke(cli, ["export", "parquet", str(target), "--force", "--as-of", "2026-09-30"], env=env)
    assert done.exit_code == 0, done.output
    assert sorted(p.name for p in target.iterdir()) == [PROVENANCE, *sorted(f"{d}.parquet" for d in DATASETS)]
    assert [p for p in tmp_path.iterdir() if p.name.endswith(".partial")] == []


@pytest.fixture
def secured(demo: Keel, keel_settings: Settings) -> Iterator[tuple[Keel, TestClient]]:
    demo.settings = keel_settings.model_copy(update={"auth": "keys"})
    with TestClient(create_app(keel=demo), raise_server_exceptions=False) as client:
        yield demo, client


def test_the_analyst_downloads_a_dataset_and_the_sales_role_may_not(
    secured: tuple[Keel, TestClient], tmp_path: Path
) -> None:
    keel, client = secured
    analyst, sales = issue_key(keel, "ana", "analyst"), issue_key(keel, "sam", "sales")
    answer = client.get("/v1/exports/journal.parquet?as_of=2026-09-30", headers=bearer(analyst))
    assert answer.status_code == 200 and answer.headers["content-type"] == "application/vnd.apache.parquet"
    (tmp_path / "j.parquet").write_bytes(answer.content)
    assert pq.read_table(tmp_path / "j.parquet").num_rows > 50
    assert int(answer.headers["Keel-Position"]) <= keel.app.head_position()
    assert client.get("/v1/exports/journal.parquet", headers=bearer(sales)).status_code == 403
    missing = client.get("/v1/exports/ledgers.parquet", headers=bearer(analyst))
    assert missing.status_code == 404 and "no dataset ledgers" in missing.json()["detail"]
    early = client.get("/v1/exports/events.parquet?known_at=2001-01-01T00:00:00Z", headers=bearer(analyst))
    assert early.status_code == 422 and "known_at" in early.json()["detail"]


def test_the_log_holds_what_the_caller_s_stream_would_show_it(secured: tuple[Keel, TestClient], tmp_path: Path) -> None:
    keel, client = secured
    analyst, accountant = issue_key(keel, "ana", "analyst"), issue_key(keel, "acc", "accountant")
    types = {}
    for name, key in (("analyst", analyst), ("accountant", accountant)):
        answer = client.get("/v1/exports/events.parquet", headers=bearer(key))
        assert answer.status_code == 200, answer.text
        (tmp_path / name).write_bytes(answer.content)
        types[name] = set(pq.read_table(tmp_path / name).column("type").to_pylist())
    assert "apikey.issued" in types["analyst"] and "apikey.issued" not in types["accountant"]
    assert "invoice.issued" in types["accountant"] and types["accountant"] < types["analyst"]
