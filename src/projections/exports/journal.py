"""The journal as a dataset: every line posted, with its account as the chart had it and every
dimension (party, document, cost center, project, tax code; names of parties are not kept as they
were known then, so the file has their ids), in the line's currency and in the
functional one. Summed per account and currency it is the trial balance (a test checks it through
DuckDB over the Parquet file)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from ledger.money import minor_units
from projections.engine.sql import Cursor, as_date, as_datetime
from projections.exports.datasets import (
    BATCH_ROWS,
    LATEST_DAY,
    Batch,
    Column,
    Dataset,
    MinorUnits,
    Snapshot,
    Sources,
    known_moment,
    pages_ahead,
)
from projections.finance.chart import ChartAccount, labels

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
    Column("document_id", "text", "The invoice, bill or claim the line settles or raises"),
    Column("cost_center", "text", "Cost center (Keel's departments)"),
    Column("project_id", "text", "Project"),
    Column("tax_code", "text", "Tax code"),
    Column("role", "text", "The line's control role (receivable, payable, bank …)"),
    Column("memo", "text", "The line's memo"),
)


def journal_batches(sources: Sources, snapshot: Snapshot) -> Iterator[Batch]:
    """The lines dated by ``as_of`` and recorded by ``known_at``, up to the snapshot's position, in
    log order; a batch a query, continued after the last (position, line) of the one before."""
    db, fc = sources.views, snapshot.functional_currency
    where, params = _where(snapshot)
    with db.read() as cur:
        chart = _chart(cur, sources, snapshot, where, params)
    exponent: dict[str, int] = {}
    sql = (
        "SELECT l.position, l.line_no, l.recorded_at, l.effective_date, l.source_id, l.source_version,"
        " l.event_topic, l.account, l.currency, l.amount_minor, l.value_minor, l.party_id,"
        " l.document_id, l.cost_center, l.project_id, l.tax_code, l.role, l.memo"
        " FROM gl_lines l"
        f" WHERE {where} AND (l.position, l.line_no) > (%s, %s)"
        " ORDER BY l.position, l.line_no LIMIT %s"
    )

    def fetch(after: tuple[Any, ...]) -> list[Any]:
        with db.read() as cur:
            cur.execute(sql, [*params, *after, BATCH_ROWS])
            return cur.fetchall()

    for rows in pages_ahead(fetch, (0, -1), lambda last: (int(last[0]), int(last[1]))):
        columns = list(zip(*rows, strict=True))  # one transposition, in C
        (position, line_no, recorded, effective, source, version, topic, account, currency, amount, value) = columns[
            :11
        ]
        accounts = [chart[str(code)] for code in account]
        for code in set(currency) - set(exponent):
            exponent[code] = minor_units(code)
        exponents = [exponent[c] for c in currency]
        functional = [minor_units(fc)] * len(rows)
        yield [
            position,
            line_no,
            [as_datetime(t) for t in recorded],
            [as_date(d) for d in effective],
            [f"{s}:{v}" for s, v in zip(source, version, strict=True)],
            source,
            topic,
            account,
            [a.name for a in accounts],
            [a.type for a in accounts],
            [a.subtype for a in accounts],
            currency,
            MinorUnits([max(int(a), 0) for a in amount], exponents),
            MinorUnits([max(-int(a), 0) for a in amount], exponents),
            MinorUnits([max(int(v), 0) for v in value], functional),
            MinorUnits([max(-int(v), 0) for v in value], functional),
            [fc] * len(rows),
            *columns[11:],
        ]


def journal_csv(sources: Sources, snapshot: Snapshot) -> Iterator[bytes] | None:
    """The same rows as ``journal_batches``, as CSV made by PostgreSQL's ``COPY`` (None on
    SQLite): the chart's labels and the currencies' minor units joined in, money as exact
    decimals of 4 places, moments in UTC; a writer parses it in C, no Python object per row."""
    db, fc = sources.views, snapshot.functional_currency
    where, params = _where(snapshot)
    with db.read() as cur:
        chart = _chart(cur, sources, snapshot, where, params)
        cur.execute(f"SELECT DISTINCT currency FROM gl_lines l WHERE {where}", params)
        places = [{"code": str(r[0]), "places": minor_units(str(r[0]))} for r in cur.fetchall()]
    accounts = [{"code": c, "name": a.name, "type": a.type, "subtype": a.subtype} for c, a in chart.items()]

    def money(minor: str, exponent: str) -> str:
        return f"round(({minor})::numeric / power(10::numeric, {exponent}), 4)"

    query = (
        "SELECT l.position, l.line_no,"
        " l.recorded_at, l.effective_date,"
        " l.source_id || ':' || l.source_version, l.source_id, l.event_topic, l.account, c.name, c.type, c.subtype,"
        f" l.currency, {money('GREATEST(l.amount_minor, 0)', 'x.places')},"
        f" {money('GREATEST(-l.amount_minor, 0)', 'x.places')},"
        f" {money('GREATEST(l.value_minor, 0)', '%s')}, {money('GREATEST(-l.value_minor, 0)', '%s')}, %s,"
        " l.party_id, l.document_id, l.cost_center, l.project_id, l.tax_code, l.role, l.memo"
        " FROM gl_lines l"
        " JOIN jsonb_to_recordset(%s::jsonb) AS c(code text, name text, type text, subtype text) ON c.code = l.account"
        " JOIN jsonb_to_recordset(%s::jsonb) AS x(code text, places int) ON x.code = l.currency"
        f" WHERE {where} ORDER BY l.position, l.line_no"
    )
    exponent = minor_units(fc)
    values = [exponent, exponent, fc, json.dumps(accounts), json.dumps(places), *params]
    return db.copy_out(query, values)


def _chart(cur: Cursor, sources: Sources, snapshot: Snapshot, where: str, params: list[Any]) -> dict[str, ChartAccount]:
    """The labels of the accounts the snapshot's lines post to, as the chart had them then."""
    cur.execute(f"SELECT DISTINCT account FROM gl_lines l WHERE {where}", params)
    codes = sorted(str(r[0]) for r in cur.fetchall())
    return labels(cur, snapshot.as_of or LATEST_DAY, known_moment(sources, snapshot), codes)


def _where(snapshot: Snapshot) -> tuple[str, list[Any]]:
    where: list[str] = ["l.position <= %s"]
    params: list[Any] = [snapshot.position]
    if snapshot.as_of is not None:
        where.append("l.effective_date <= %s")
        params.append(snapshot.as_of)
    if snapshot.known_at is not None:
        where.append("l.recorded_at <= %s")
        params.append(snapshot.known_at)
    return " AND ".join(where), params


JOURNAL = Dataset(
    "journal",
    "Every line posted, with its account and every dimension, dated by as_of and recorded by known_at",
    COLUMNS,
    journal_batches,
    ("general_ledger", "chart"),
    journal_csv,
)
