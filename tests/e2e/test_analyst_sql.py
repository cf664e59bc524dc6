"""An analyst's DuckDB database and SQL shell: `keel export duckdb` gives tables whose report views
are Keel's reports row for row, and `keel sql` answers the same over a snapshot at (as of, known
at), as a table, CSV or JSON; bad input is one line and exit 1, with nothing written."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from api.cli import app as cli
from api.demo import load_demo
from api.system import Keel
from projections.crm.reports import pipeline
from projections.finance.reports import profit_and_loss, receivables, trial_balance

END_OF_Q3 = date(2026, 9, 30)
RUNNER = CliRunner()


@pytest.fixture
def demo(keel: Keel) -> Keel:
    load_demo(keel.app)
    keel.engine.catch_up()
    return keel


def run(keel: Keel, *args: str, stdin: str | None = None) -> tuple[int, str]:
    settings = keel.settings
    env = {"KEEL_DATA_DIR": str(settings.data_dir), "KEEL_DATABASE_URL": settings.database_url or ""}
    result = RUNNER.invoke(cli, list(args), env={k: v for k, v in env.items() if v}, input=stdin)
    return result.exit_code, result.output


def test_the_duckdb_file_s_report_views_are_keel_s_reports(demo: Keel, tmp_path: Path) -> None:
    file = tmp_path / "q3.duckdb"
    code, output = run(demo, "export", "duckdb", str(file), "--as-of", "2026-09-30")
    assert code == 0, output
    assert "trial_balance" in output
    con = duckdb.connect(str(file), read_only=True)
    keel_tb = trial_balance(demo.views, END_OF_Q3).rows
    assert con.execute("SELECT * FROM trial_balance").fetchall() == [
        (r.account, r.name, r.type, r.currency, r.debit, r.credit) for r in keel_tb
    ]
    # the documented query (docs/analysis.md), over the table itself
    balances = con.execute(
        "SELECT account, currency, SUM(debit) - SUM(credit) AS balance FROM journal"
        " GROUP BY account, currency HAVING balance <> 0 ORDER BY account, currency"
    ).fetchall()
    assert balances == [(r.account, r.currency, r.debit - r.credit) for r in keel_tb]
    income, expenses = con.execute(
        "SELECT SUM(amount) FILTER (account_type = 'income'), -SUM(amount) FILTER (account_type = 'expense')"
        " FROM profit_and_loss WHERE month >= DATE '2026-01-01'"
    ).fetchone() or (None, None)
    statement = profit_and_loss(demo.views, date(2026, 1, 1), END_OF_Q3, demo.functional_currency)
    assert (income, expenses) == (statement.total_income, statement.total_expenses)
    owed = con.execute("SELECT customer_id, currency, receivable, credit, net FROM receivables").fetchall()
    report = receivables(demo.views, END_OF_Q3).rows
    assert owed == sorted((r.customer_id, r.currency, r.receivable, r.credit, r.net) for r in report)
    stages = con.execute("SELECT stage, currency, deals, value, weighted FROM pipeline").fetchall()
    assert sorted(stages) == sorted(
        (r.group, r.currency, r.count, r.value, r.weighted) for r in pipeline(demo.views, END_OF_Q3).rows
    )
    snapshot = con.execute("SELECT as_of, position FROM _snapshot").fetchone()
    assert snapshot == (END_OF_Q3, demo.app.head_position())


def test_an_existing_database_is_replaced_only_when_asked(demo: Keel, tmp_path: Path) -> None:
    (tmp_path / "out").mkdir()
    file = tmp_path / "out" / "books.duckdb"
    file.write_bytes(b"mine")
    code, output = run(demo, "export", "duckdb", str(file))
    assert code == 1 and "exists" in output and "--force" in output and len(output.splitlines()) == 1
    assert file.read_bytes() == b"mine"
    code, output = run(demo, "export", "duckdb", str(tmp_path / "x.duckdb"), "--dataset", "ledgers")
    assert code == 1 and "no dataset ledgers" in output and not (tmp_path / "x.duckdb").exists()
    file.with_name("books.duckdb.wal").write_bytes(b"the old file's log")  # would not fit the new file
    code, output = run(demo, "export", "duckdb", str(file), "--force", "--dataset", "deals")
    assert code == 0, output
    tables = duckdb.connect(str(file), read_only=True).execute("SHOW TABLES").fetchall()
    assert sorted(t[0] for t in tables) == ["_snapshot", "deals", "pipeline"]
    assert [p.name for p in file.parent.iterdir()] == ["books.duckdb"]  # nothing partial left


def test_keel_sql_answers_over_a_snapshot_as_a_table_csv_or_json(demo: Keel) -> None:
    keel_tb = trial_balance(demo.views, END_OF_Q3).rows
    code, output = run(demo, "sql", "--as-of", "2026-09-30", "-f", "json", "SELECT * FROM trial_balance")
    assert code == 0, output
    rows = json.loads(output)["rows"]
    assert all(isinstance(r["debit"], str) for r in rows)  # decimals as strings, as Keel's API answers
    assert [(r["account"], r["currency"], Decimal(r["debit"]), Decimal(r["credit"])) for r in rows] == [
        (r.account, r.currency, r.debit, r.credit) for r in keel_tb
    ]
    income = "SELECT currency, SUM(credit - debit) AS income FROM journal WHERE account_type = 'income' GROUP BY 1"
    code, output = run(demo, "sql", "--as-of", "2026-09-30", "-f", "csv", income)
    assert code == 0, output
    table = list(csv.DictReader(io.StringIO(output)))
    assert {r["currency"]: Decimal(r["income"]) for r in table} == {
        r.currency: r.credit - r.debit for r in keel_tb if r.type == "income"
    }
    code, output = run(demo, "sql", "--known-at", "2026-08-04T23:59:59Z", "SELECT count(*) AS n FROM deals")
    assert code == 0 and "n" in output
    typed = run(
        demo, "sql", "-f", "json", "SELECT NULL AS nothing, '' AS empty, true AS yes, 2 AS two FROM deals LIMIT 1"
    )
    assert json.loads(typed[1])["rows"] == [{"nothing": None, "empty": "", "yes": True, "two": 2}]
    code, output = run(demo, "sql", "SELECT nope FROM journal")
    assert code == 1 and "nope" in output and len(output.splitlines()) == 1


def test_keel_sql_reads_queries_from_stdin_and_a_database_file(demo: Keel, tmp_path: Path) -> None:
    script = (
        "SELECT count(*) AS n\n  FROM deal_stages;\n.help\n.tables\nSELECT position FROM _snapshot;\n"
        ".quit\nSELECT 'after quit' AS marker;\n"
    )
    code, output = run(demo, "sql", "--dataset", "deal_stages", "-f", "csv", stdin=script)
    assert code == 0, output
    assert "deal_stages,VIEW" in output and f"position\n{demo.app.head_position()}" in output
    assert "unknown command .help" in output and "after quit" not in output  # .quit ends it
    code, output = run(demo, "sql", "--dataset", "deals", stdin="SELECT 1 +;\nSELECT 2;\n")
    assert code == 1 and "error" in output
    file = tmp_path / "q3.duckdb"
    assert run(demo, "export", "duckdb", str(file), "--as-of", "2026-09-30")[0] == 0
    code, output = run(demo, "sql", "--database", str(file), "-f", "csv", "SELECT as_of FROM _snapshot")
    assert (code, output) == (0, "as_of\n2026-09-30\n")
    code, output = run(demo, "sql", "--database", str(file), "--as-of", "2026-09-30", "SELECT 1")
    assert code == 1 and "--database" in output
