"""The accountant's detail reports, on the same two time axes as the statements (see
``projections.finance.reports``): open items by age (ageing), every line of one account (the
account ledger), and output and input tax per tax code (the tax summary).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from ledger.accounts import AccountType
from ledger.policy import check_window
from ledger.roles import Role
from projections.engine.db import ViewDatabase
from projections.engine.pages import decode_cursor, encode_cursor, list_tag
from projections.engine.sql import as_date, by_code_point
from projections.finance.chart import labels, types_known
from projections.finance.general_ledger import account_balances
from projections.finance.open_items import open_items_of
from projections.finance.scope import ReportScope, amount_in, read_position, window_condition, zero_in

BUCKETS = ("current", "1-30", "31-60", "61-90", "over 90")


@dataclass(frozen=True)
class AgeingItem:
    document_id: str
    number: str
    party_id: str
    party_name: str
    currency: str
    due_date: date
    days_overdue: int
    bucket: str
    open_amount: Decimal  # in the document's currency
    open_value: Decimal  # in the functional currency


@dataclass(frozen=True)
class Ageing:
    scope: ReportScope
    kind: str  # receivables or payables
    items: list[AgeingItem]  # every item, or one page of them (see ``ageing``)
    total: Decimal  # of every item, on every page
    buckets: dict[str, Decimal]  # likewise
    item_count: int
    next_cursor: str | None = None


@dataclass(frozen=True)
class LedgerEntry:
    effective_date: date
    position: int
    memo: str
    currency: str
    amount: Decimal
    value: Decimal
    balance: Decimal  # running, in the functional currency
    document_id: str | None
    party_id: str | None


@dataclass(frozen=True)
class AccountLedger:
    scope: ReportScope
    account: str
    name: str
    opening: Decimal  # the balance before the first entry shown (of this page, when paged)
    entries: list[LedgerEntry]
    next_cursor: str | None = None  # the next page's, when paged and there is one

    @property
    def closing(self) -> Decimal:
        return self.entries[-1].balance if self.entries else self.opening


@dataclass(frozen=True)
class TaxLine:
    tax_code: str
    sales_base: Decimal
    output_tax: Decimal
    purchases_base: Decimal
    input_tax: Decimal

    @property
    def net_payable(self) -> Decimal:
        return self.output_tax - self.input_tax


@dataclass(frozen=True)
class TaxSummary:
    scope: ReportScope
    lines: list[TaxLine]

    @property
    def net_payable(self) -> Decimal:
        return sum((ln.net_payable for ln in self.lines), Decimal(0))


def _bucket(days: int) -> str:
    if days <= 0:
        return "current"
    if days <= 30:
        return "1-30"
    if days <= 60:
        return "31-60"
    if days <= 90:
        return "61-90"
    return "over 90"


def ageing(
    db: ViewDatabase,
    kind: str,
    as_of: date,
    functional_currency: str,
    known_at: datetime | None = None,
    limit: int | None = None,
    cursor: str | None = None,
) -> Ageing:
    """Open items by days overdue as of a date. The total equals the balance-sheet
    receivables (or payables) of the same date and knowledge: the items are the same lines,
    summed per document (see ``projections.finance.open_items``). Items come by party name, due date
    and number: every one (``limit`` None), or a page of ``limit`` after ``cursor``; the total
    and the buckets count them all, summed per due date in SQL."""
    if kind not in ("receivables", "payables"):
        raise ValueError(f"ageing is for receivables or payables, not {kind!r}")
    role = Role.RECEIVABLE.value if kind == "receivables" else Role.PAYABLE.value
    sign = 1 if kind == "receivables" else -1
    tag = list_tag("ageing", kind, as_of.isoformat(), known_at.isoformat() if known_at else "")
    after = decode_cursor(cursor, 4, tag) if cursor else None
    with db.read() as cur:
        columns = "o.document_id, o.number, o.party_id, o.currency, o.due_date, o.amount_minor, o.value_minor, o.item"
        items_sql, params = open_items_of(cur, (role,), as_of, known_at, columns)
        order = ", ".join(c if c == "due" else by_code_point(cur, c) for c in ("party_name", "due", "number", "item"))
        sql = (
            "WITH a AS (SELECT o.document_id, COALESCE(o.number, '') AS number, o.party_id,"
            " COALESCE(p.name, o.party_id, '') AS party_name, o.currency, COALESCE(o.due_date, %s) AS due,"
            f" o.amount_minor, o.value_minor, o.item FROM {items_sql} AS o LEFT JOIN parties p ON p.id = o.party_id)"
            " SELECT 0, NULL, '', NULL, '', '', due, 0, SUM(value_minor), COUNT(*), '' FROM a GROUP BY due"
            " UNION ALL SELECT * FROM (SELECT 1, document_id, number, party_id, party_name, currency, due,"
            f" amount_minor, value_minor, 0, item FROM a{f' WHERE ({order}) > (%s, %s, %s, %s)' if after else ''}"
            f" ORDER BY {order}{' LIMIT %s' if limit is not None else ''}) AS page"
        )
        values = [as_of, *params, *(after or ()), *([limit + 1] if limit is not None else [])]
        cur.execute(sql, values)
        rows = cur.fetchall()
        position = read_position(cur, "open_items")
    zero = zero_in(functional_currency)
    buckets = dict.fromkeys(BUCKETS, zero)
    count = 0
    items, keys = [], []  # each item's place in the order: what a cursor holds
    for kind_of_row, doc, number, party, name, currency, due, amount, value, n, item in rows:
        due_date = as_date(due)
        assert due_date is not None
        days = (as_of - due_date).days
        if kind_of_row == 0:
            buckets[_bucket(days)] += sign * amount_in(value, functional_currency)
            count += int(n)
            continue
        keys.append([name, due_date, number, item])
        items.append(
            AgeingItem(
                str(doc or ""),
                str(number),
                str(party or ""),
                str(name),
                currency,
                due_date,
                max(days, 0),
                _bucket(days),
                sign * amount_in(amount, currency),
                sign * amount_in(value, functional_currency),
            )
        )
    next_cursor = None
    if limit is not None and len(items) > limit:
        next_cursor = encode_cursor(keys[limit - 1], tag)
        items = items[:limit]
    scope = ReportScope(as_of, known_at, position, currency=functional_currency)
    return Ageing(scope, kind, items, sum(buckets.values(), zero), buckets, count, next_cursor)


def account_ledger(
    db: ViewDatabase,
    code: str,
    start: date,
    end: date,
    functional_currency: str,
    known_at: datetime | None = None,
    limit: int | None = None,
    cursor: str | None = None,
) -> AccountLedger:
    """Every line on one account between two dates, with opening and running balances: all of
    them (``limit`` None), or a page of ``limit`` after ``cursor``, opening at the balance before
    its first line (so a page's running balances are the whole list's)."""
    check_window(start, end)
    tag = list_tag("ledger", code, start.isoformat(), end.isoformat(), known_at.isoformat() if known_at else "")
    after = decode_cursor(cursor, 3, tag) if cursor else None
    where = (
        f"account = %s AND effective_date >= %s AND effective_date <= %s{' AND recorded_at <= %s' if known_at else ''}"
    )
    params: list[object] = [code, start, end, *([known_at] if known_at else [])]
    order = "effective_date, position, line_no"
    with db.read() as cur:
        before = account_balances(cur, start - timedelta(days=1), known_at, [code])
        opening_minor = sum(value for *_, value in before)
        if after:  # the lines of the earlier pages count into this page's opening balance
            cur.execute(
                f"SELECT SUM(value_minor) FROM gl_lines WHERE {where} AND ({order}) <= (%s, %s, %s)", [*params, *after]
            )
            opening_minor += int((cur.fetchone() or (0,))[0] or 0)
        later = f" AND ({order}) > (%s, %s, %s)" if after else ""
        cur.execute(
            "SELECT effective_date, position, memo, currency, amount_minor, value_minor, document_id, party_id, line_no"
            f" FROM gl_lines WHERE {where}{later} ORDER BY {order}{' LIMIT %s' if limit is not None else ''}",
            [*params, *(after or ()), *([limit + 1] if limit is not None else [])],
        )
        rows = cur.fetchall()
        position = read_position(cur)
        name = labels(cur, end, known_at, [code])[code].name
    opening = amount_in(opening_minor, functional_currency)
    next_cursor = None
    if limit is not None and len(rows) > limit:
        eff, pos, *_, line_no = rows[limit - 1]
        next_cursor = encode_cursor([as_date(eff), int(pos), int(line_no)], tag)
        rows = rows[:limit]
    balance = opening
    entries = []
    for eff, pos, memo, currency, amount, value, doc, party, _ in rows:
        v = amount_in(value, functional_currency)
        balance += v
        d = as_date(eff)
        assert d is not None
        entries.append(LedgerEntry(d, int(pos), memo, currency, amount_in(amount, currency), v, balance, doc, party))
    scope = ReportScope(end, known_at, position, start=start, currency=functional_currency)
    return AccountLedger(scope, code, name, opening, entries, next_cursor)


def tax_summary(
    db: ViewDatabase, start: date, end: date, functional_currency: str, known_at: datetime | None = None
) -> TaxSummary:
    """Output and input tax per tax code for a period, with the bases they were charged on."""
    check_window(start, end)
    where, params = window_condition(end, known_at, start=start)
    with db.read() as cur:
        cur.execute(
            "SELECT tax_code, account, role, SUM(value_minor) FROM gl_lines"
            f" WHERE tax_code IS NOT NULL AND {where} GROUP BY tax_code, account, role",
            params,
        )
        rows = cur.fetchall()
        position = read_position(cur)
        kinds = types_known(cur, known_at)
    codes: dict[str, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for code, acct_code, role, minor in rows:
        value = amount_in(minor, functional_currency)
        if role == Role.OUTPUT_TAX:
            codes[code]["output"] -= value
        elif role == Role.INPUT_TAX:
            codes[code]["input"] += value
        elif kinds.get(str(acct_code)) == AccountType.INCOME:
            codes[code]["sales"] -= value
        else:
            codes[code]["purchases"] += value
    zero = zero_in(functional_currency)
    lines = [
        TaxLine(code, v["sales"] + zero, v["output"] + zero, v["purchases"] + zero, v["input"] + zero)
        for code, v in sorted(codes.items())
    ]
    scope = ReportScope(end, known_at, position, start=start, currency=functional_currency)
    return TaxSummary(scope, lines)
