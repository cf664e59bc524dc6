"""The journal as a dataset: every line posted, with its account as the chart had it and every
dimension (party, document, cost center, project, tax code), in the line's currency and in the
functional one. Summed per account and currency it is the trial balance (a test checks it through
DuckDB over the Parquet file)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

from ledger.money import from_minor
from projections.engine.sql import as_date, as_datetime
from projections.exports.datasets import BATCH_ROWS, Column, Dataset, Snapshot, Sources
from projections.finance.chart import labels

LATEST = date(9999, 12, 30)  # no as_of: the chart as it stands (as known at the snapshot)

COLUMNS = (
    Column("position", "int64", "The log position of the event that posted the line"),
    Column("line_no", "int64", "The line's place in its entry"),
    Column("recorded_at", "timestamp", "When the event was recorded (UTC)"),
    Column("effective_date", "date", "The business date of the posting"),
    Column("entry_id", "text", "The entry: the posting aggregate's id and version, `id:version`"),
    Column("source_id", "text", "The invoice, payment, journal entry … that posted"),
    Column("event_type", "text", "The stored topic of the posting event"),
    Column("account", "text", "The account's code"),
    Column("account_name", "text", "The account's name on the snapshot's date"),
    Column("account_type", "text", "asset, liability, equity, income or expense"),
    Column("account_subtype", "text", "bank, receivable, tax …"),
    Column("currency", "text", "The line's currency (ISO 4217)"),
    Column("debit", "money", "In the line's currency"),
    Column("credit", "money", "In the line's currency"),
    Column("functional_debit", "money", "Valued in the functional currency"),
    Column("functional_credit", "money", "Valued in the functional currency"),
    Column("functional_currency", "text", "The books' functional currency"),
    Column("party_id", "text", "Customer, supplier or person"),
    Column("party_name", "text", "Their name"),
    Column("document_id", "text", "The invoice, bill or claim the line settles or raises"),
    Column("cost_center", "text", "Cost center (Keel's departments)"),
    Column("project_id", "text", "Project"),
    Column("tax_code", "text", "Tax code"),
    Column("role", "text", "The line's control role (receivable, payable, bank …)"),
    Column("memo", "text", "The line's memo"),
)


def journal_batches(sources: Sources, snapshot: Snapshot) -> Iterator[list[tuple[Any, ...]]]:
    """The lines dated by ``as_of`` and recorded by ``known_at``, up to the snapshot's position, in
    log order; a batch a query, continued after the last (position, line) of the one before."""
    db, fc = sources.views, snapshot.functional_currency
    where: list[str] = ["l.position <= %s"]
    params: list[Any] = [snapshot.position]
    if snapshot.as_of is not None:
        where.append("l.effective_date <= %s")
        params.append(snapshot.as_of)
    if snapshot.known_at is not None:
        where.append("l.recorded_at <= %s")
        params.append(snapshot.known_at)
    with db.read() as cur:
        cur.execute(f"SELECT DISTINCT account FROM gl_lines l WHERE {' AND '.join(where)}", params)
        chart = labels(cur, snapshot.as_of or LATEST, snapshot.known_at, sorted(str(r[0]) for r in cur.fetchall()))
    after = (0, -1)
    while True:
        with db.read() as cur:
            cur.execute(
                "SELECT l.position, l.line_no, l.recorded_at, l.effective_date, l.source_id, l.source_version,"
                " l.event_topic, l.account, l.currency, l.amount_minor, l.value_minor, l.party_id, p.name,"
                " l.document_id, l.cost_center, l.project_id, l.tax_code, l.role, l.memo"
                " FROM gl_lines l LEFT JOIN parties p ON p.id = l.party_id"
                f" WHERE {' AND '.join(where)} AND (l.position, l.line_no) > (%s, %s)"
                " ORDER BY l.position, l.line_no LIMIT %s",
                [*params, *after, BATCH_ROWS],
            )
            rows = cur.fetchall()
        if not rows:
            return
        batch = []
        for r in rows:
            acct = chart[str(r[7])]
            amount, value = from_minor(int(r[9]), str(r[8])), from_minor(int(r[10]), fc)
            zero, fzero = from_minor(0, str(r[8])), from_minor(0, fc)
            batch.append(
                (
                    int(r[0]),
                    int(r[1]),
                    as_datetime(r[2]),
                    as_date(r[3]),
                    f"{r[4]}:{r[5]}",
                    r[4],
                    r[6],
                    r[7],
                    acct.name,
                    acct.type,
                    acct.subtype,
                    r[8],
                    max(amount, zero),
                    max(-amount, zero),
                    max(value, fzero),
                    max(-value, fzero),
                    fc,
                    *r[11:18],
                    r[18],
                )
            )
        yield batch
        after = (int(rows[-1][0]), int(rows[-1][1]))


JOURNAL = Dataset(
    "journal",
    "Every line posted, with its account and every dimension, dated by as_of and recorded by known_at",
    COLUMNS,
    journal_batches,
    ("general_ledger", "chart", "documents"),
)
