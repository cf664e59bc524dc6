"""General-ledger lines: every journal line any event posted, with both time axes.

Each row keeps the business date it is about (``effective_date``) and when the books
learnt of it (``position``, ``recorded_at``), the transaction-currency amount and its value
in the functional currency, and the line's dimensions. "As of D, known at K" is an
indexed aggregate over this one table.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any

from ledger.chart_templates import role_of
from ledger.journal import JournalLine
from ledger.money import to_minor
from ledger.topics import events_with_field
from projections.engine.projection import Fact
from projections.engine.sql import Cursor

YEAR_CLOSE_TOPIC = "keel.books.YearClosed.v1"
# A literal, not a parameter: a partial index is used only where the query repeats its condition.
CLOSING = f"event_topic = '{YEAR_CLOSE_TOPIC}'"
COLUMNS = (
    "position",
    "line_no",
    "recorded_at",
    "effective_date",
    "source_id",
    "source_version",
    "event_topic",
    "account",
    "currency",
    "amount_minor",
    "value_minor",
    "party_id",
    "document_id",
    "cost_center",
    "project_id",
    "tax_code",
    "memo",
    "role",
)


# Balances from the first day need every line before the date: ``gl_month_sums`` keeps them
# summed per account, currency, month of the business date and segment of the log (positions
# by ten thousands), so a balance as of D known at K reads sums for whole months and segments
# and only the lines of D's month and of K's unfinished segment (see ``account_balances``).
SEGMENT = 10_000


class GeneralLedgerProjection:
    name = "general_ledger"
    # 3: monthly sums per log segment; 4: and per party on the control accounts; 5: those went to
    # open items (projections.finance.open_items); 6: an index of the year-end closing lines; 7: each
    # line's role (ADR 0032), and the accounts each role has posted to (gl_roles); 8: the lines of
    # each source (the journal of one invoice, bill or entry); 9: an account's lines by date and
    # position, and by position, carrying the amounts (an account's balance from the index alone)
    schema_version = 9
    tables = ("gl_lines", "gl_month_sums", "gl_roles")
    query_indexes = (
        "gl_lines_account_date",
        "gl_lines_party_date",
        "gl_lines_document",
        "gl_lines_source",
        "gl_lines_date",
        "gl_lines_recorded",
        "gl_lines_project_date",
        "gl_lines_year_close",
        "gl_lines_account_date_position",
        "gl_lines_account_position",
    )

    @property
    def folds(self) -> tuple[type, ...]:
        """Every event that posts to the books carries its journal lines. Asked when the engine
        reads the log, not in the class body: finding them imports every ``ledger`` module."""
        return events_with_field("journal")

    def __init__(self, functional_currency: str) -> None:
        self.functional_currency = functional_currency

    def create(self, cur: Cursor) -> None:
        cur.execute(
            """CREATE TABLE gl_lines (
                position BIGINT NOT NULL,
                line_no INTEGER NOT NULL,
                recorded_at TIMESTAMPTZ NOT NULL,
                effective_date DATE NOT NULL,
                source_id TEXT NOT NULL,
                source_version INTEGER NOT NULL,
                event_topic TEXT NOT NULL,
                account TEXT NOT NULL,
                currency TEXT NOT NULL,
                amount_minor BIGINT NOT NULL,
                value_minor BIGINT NOT NULL,
                party_id TEXT,
                document_id TEXT,
                cost_center TEXT,
                project_id TEXT,
                tax_code TEXT,
                memo TEXT NOT NULL,
                role TEXT NOT NULL,
                PRIMARY KEY (position, line_no)
            )"""
        )
        # Which accounts lines were posted to under each role: a handful of rows, so the bank's
        # accounts or the receivable's are found without reading the lines.
        cur.execute("CREATE TABLE gl_roles (role TEXT NOT NULL, account TEXT NOT NULL, PRIMARY KEY (role, account))")
        cur.execute("CREATE INDEX gl_lines_account_date ON gl_lines (account, effective_date, recorded_at)")
        # An account's balance as of D known at position P: the lines of D's month up to P, and the
        # lines of P's unfinished segment before that month, each read from an index alone
        # (SQLite has no INCLUDE: the amounts end its key instead, and it reads them from there).
        amounts = "currency, amount_minor, value_minor"
        key, carried = (")", f" INCLUDE ({amounts})") if cur.dialect == "postgres" else (f", {amounts})", "")
        cur.execute(
            f"CREATE INDEX gl_lines_account_date_position ON gl_lines (account, effective_date, position{key}{carried}"
        )
        cur.execute(
            f"CREATE INDEX gl_lines_account_position ON gl_lines (account, position, effective_date{key}{carried}"
        )
        cur.execute("CREATE INDEX gl_lines_party_date ON gl_lines (party_id, effective_date)")
        cur.execute("CREATE INDEX gl_lines_document ON gl_lines (document_id)")
        cur.execute("CREATE INDEX gl_lines_source ON gl_lines (source_id)")
        cur.execute("CREATE INDEX gl_lines_date ON gl_lines (effective_date)")
        cur.execute("CREATE INDEX gl_lines_recorded ON gl_lines (recorded_at, position)")
        cur.execute(
            "CREATE INDEX gl_lines_project_date ON gl_lines (project_id, effective_date) WHERE project_id IS NOT NULL"
        )
        # The few closing lines, which a period's result leaves out (see ``closing_sums``).
        cur.execute(f"CREATE INDEX gl_lines_year_close ON gl_lines (effective_date) WHERE {CLOSING}")
        cur.execute(
            """CREATE TABLE gl_month_sums (
                account TEXT NOT NULL,
                currency TEXT NOT NULL,
                month DATE NOT NULL,
                segment BIGINT NOT NULL,
                amount_minor BIGINT NOT NULL,
                value_minor BIGINT NOT NULL,
                PRIMARY KEY (account, currency, month, segment)
            )"""
        )

    def apply(self, cur: Cursor, facts: Sequence[Fact]) -> None:
        rows = []
        for fact in facts:
            journal: list[JournalLine] | None = getattr(fact.event, "journal", None)
            if not journal:
                continue
            event = fact.event
            for line_no, line in enumerate(journal, start=1):
                rows.append(
                    (
                        fact.position,
                        line_no,
                        fact.recorded_at,
                        event.effective_date,
                        str(event.originator_id),
                        event.originator_version,
                        type(event).TOPIC,
                        line.account,
                        line.currency,
                        to_minor(line.amount, line.currency),
                        to_minor(line.value, self.functional_currency),
                        line.party_id,
                        line.document_id,
                        line.cost_center,
                        line.project_id,
                        line.tax_code,
                        line.memo,
                        role_of(line) or "",
                    )
                )
        if rows:
            cur.copy_rows("gl_lines", COLUMNS, rows)
            sums: dict[tuple[str, str, date, int], list[int]] = defaultdict(lambda: [0, 0])
            for row in rows:
                total = sums[(row[7], row[8], row[3].replace(day=1), row[0] // SEGMENT)]
                total[0] += row[9]
                total[1] += row[10]
            _add_sums(cur, "gl_month_sums", ("account", "currency", "month", "segment"), sums)
            pairs = sorted({(row[17], row[7]) for row in rows if row[17]})
            cur.executemany(
                "INSERT INTO gl_roles (role, account) VALUES (%s, %s) ON CONFLICT (role, account) DO NOTHING", pairs
            )


def _add_sums(cur: Cursor, table: str, keys: Sequence[str], sums: dict[Any, list[int]]) -> None:
    if not sums:
        return
    names = ", ".join(keys)
    cur.executemany(
        f"INSERT INTO {table} ({names}, amount_minor, value_minor) VALUES ({', '.join(['%s'] * (len(keys) + 2))})"
        f" ON CONFLICT ({names}) DO UPDATE SET amount_minor = {table}.amount_minor + excluded.amount_minor,"
        f" value_minor = {table}.value_minor + excluded.value_minor",
        [(*key, amount, value) for key, (amount, value) in sums.items()],
    )


def closing_sums(
    cur: Cursor, start: date, through: date, known_at: datetime | None, accounts: Sequence[str]
) -> dict[str, int]:
    """Per account, the value (minor units) the year-end closing entries dated in the window and
    recorded by ``known_at`` posted to it."""
    known, params = (" AND recorded_at <= %s", [known_at]) if known_at else ("", [])
    cur.execute(
        f"SELECT account, SUM(value_minor) FROM gl_lines WHERE {CLOSING} AND effective_date >= %s"
        f" AND effective_date <= %s{known} AND account IN ({', '.join(['%s'] * len(accounts))}) GROUP BY account",
        [start, through, *params, *accounts],
    )
    return {str(code): int(value) for code, value in cur.fetchall()}


def account_balances(
    cur: Cursor,
    through: date,
    known_at: datetime | None,
    accounts: Sequence[str] = (),
    since: date | None = None,
) -> list[tuple[str, str, int, int]]:
    """Per account and currency, the sums (amount, value in minor units) of every line dated on or
    before ``through`` (and on or after ``since``, if given) and recorded by ``known_at`` (None:
    everything recorded).

    Whole months of the window before ``through``'s month come from ``gl_month_sums`` (for
    ``known_at``: only the segments of the log entirely before it), the rest from the lines
    themselves: those of ``through``'s month and of ``since``'s, if it starts mid-month, and those
    of the whole months in the segment ``known_at`` falls in. "Recorded by K" is "at or before
    position P": the lines' clock grows with the position."""
    month = through.replace(day=1)
    # The window's first whole month, and the partial month before it (``since`` to it), if any.
    first = since if since is None or since.day == 1 else (since.replace(day=28) + timedelta(days=4)).replace(day=1)
    head = since if since is not None and first is not None and since < first else None
    only, only_params = "", list(accounts)
    if accounts:
        only = f" AND account IN ({', '.join(['%s'] * len(accounts))})"
    columns = "account, currency, amount_minor, value_minor"
    # The whole months of the window before ``through``'s: summed, and (for K's segment) dated.
    if first is None:
        months, dated, whole = "month < %s", "effective_date < %s", [month]
    else:
        months, dated = "month >= %s AND month < %s", "effective_date >= %s AND effective_date < %s"
        whole = [first, month]
    last: int | None = None
    if known_at is not None:
        # The clock grows with the position: the last line by clock is the last by position too,
        # and the index on (recorded_at, position) finds it in one step (MAX(position) would scan).
        cur.execute(
            "SELECT position FROM gl_lines WHERE recorded_at <= %s ORDER BY recorded_at DESC, position DESC LIMIT 1",
            (known_at,),
        )
        row = cur.fetchone()
        if row is None:
            return []
        last = int(row[0])
    recorded, recorded_params = ("", []) if last is None else (" AND position <= %s", [last])
    parts: list[str] = []
    params: list[Any] = []
    # The lines of ``through``'s month (from ``since`` if it falls in it); of ``since``'s partial month.
    start = max(month, since) if since is not None else month
    parts.append(f"SELECT {columns} FROM gl_lines WHERE effective_date >= %s AND effective_date <= %s{recorded}{only}")
    params += [start, through, *recorded_params, *only_params]
    if head is not None and head < month:
        parts.append(
            f"SELECT {columns} FROM gl_lines WHERE effective_date >= %s AND effective_date < %s{recorded}{only}"
        )
        params += [head, first or month, *recorded_params, *only_params]
    if first is None or first < month:
        if last is None:
            parts.append(f"SELECT {columns} FROM gl_month_sums WHERE {months}{only}")
            params += [*whole, *only_params]
        else:
            segment = last // SEGMENT
            parts.append(f"SELECT {columns} FROM gl_month_sums WHERE {months} AND segment < %s{only}")
            params += [*whole, segment, *only_params]
            parts.append(f"SELECT {columns} FROM gl_lines WHERE position >= %s AND position <= %s AND {dated}{only}")
            params += [segment * SEGMENT, last, *whole, *only_params]
    cur.execute(
        f"SELECT account, currency, SUM(amount_minor), SUM(value_minor) FROM ({' UNION ALL '.join(parts)}) AS parts"
        " GROUP BY account, currency ORDER BY account, currency",
        params,
    )
    return [(str(a), str(c), int(am), int(v)) for a, c, am, v in cur.fetchall()]


def accounts_of(cur: Cursor, *roles: str) -> list[str]:
    """The accounts lines were ever posted to under these roles (the bank's, the receivable's …),
    whatever the chart maps the roles to now: a receivable account other than 1100 still counts."""
    marks = ", ".join(["%s"] * len(roles))
    cur.execute(f"SELECT DISTINCT account FROM gl_roles WHERE role IN ({marks}) ORDER BY account", list(roles))
    return [str(r[0]) for r in cur.fetchall()]
