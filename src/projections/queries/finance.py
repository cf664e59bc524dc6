"""The accountant's reports as queries: trial balance, receivables, P&L, balance sheet, ageing,
account ledger, tax summary and the restatement of a closed period."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ledger.errors import InvalidTransition, InvalidValue
from projections.engine.db import ViewDatabase
from projections.finance import detail, reports
from projections.finance.account_groups import Item, with_subtotals
from projections.finance.restatement import Restatement, restatement
from projections.queries.core import Books, Params, Query, Table, columns

GL = ("general_ledger", "chart")  # the lines, and the accounts they are named by
OPEN = ("open_items", "documents")  # open items, with their documents and parties


def scope_notes(scope: Any) -> list[tuple[str, str]]:
    """The footer every report shares: the two time axes and the log position it reflects."""
    notes = []
    if getattr(scope, "start", None):
        notes.append(("from", scope.start.isoformat()))
    notes.append(("as of" if not getattr(scope, "start", None) else "to", scope.as_of.isoformat()))
    notes.append(("known at", scope.known_at.isoformat() if scope.known_at else "now"))
    notes.append(("log position", str(scope.position)))
    return notes


def page_notes(count: int, next_cursor: str | None) -> list[tuple[str, str]]:
    """How many items there are in all, and how to ask for the next page."""
    return [("items", str(count)), *([("next page", f"cursor {next_cursor}")] if next_cursor else [])]


def yes(value: bool) -> str:
    return "yes" if value else "no"


def _trial_balance(views: ViewDatabase, books: Books, p: Params) -> reports.TrialBalance:
    valuation = p.filter("valuation", "transaction")
    if valuation not in ("transaction", "functional"):
        raise InvalidValue(f"valuation: transaction or functional, not {valuation!r}")
    functional = books.functional_currency if valuation == "functional" else None
    assert p.as_of is not None
    return reports.trial_balance(views, p.as_of, p.known_at, functional)


def _tree(groups: Sequence[reports.GroupTotal | reports.StatementGroup]) -> tuple[dict[str, Any], dict[str, str]]:
    """Each group's parent group and its name, from a report's subtotals."""
    return {g.group: g.parent for g in groups}, {g.group: g.name for g in groups}


def _trial_balance_table(tb: reports.TrialBalance, _: Params) -> Table:
    parents, names = _tree(tb.groups)
    items = [
        Item(r.account, r.parent, r.currency, [r.account, r.name, r.currency, r.debit, r.credit], (r.debit, r.credit))
        for r in tb.rows
    ]
    return Table(
        "Trial balance",
        columns("account", "name", "currency", "debit:amount", "credit:amount"),
        with_subtotals(items, parents, lambda g, currency, sums: [g, f"Total {names[g]}", currency, *sums]),
        [["", "Total", t.currency, t.debit, t.credit] for t in tb.totals],
        [*scope_notes(tb.scope), ("balanced", yes(tb.balanced))],
    )


def _receivables(views: ViewDatabase, _: Books, p: Params) -> reports.Receivables:
    assert p.as_of is not None
    return reports.receivables(views, p.as_of, p.known_at, p.limit, p.cursor)


def _receivables_table(rec: reports.Receivables, _: Params) -> Table:
    return Table(
        "Receivables",
        columns("customer", "currency", "receivable:amount", "credit:amount", "net:amount"),
        [[r.customer_name, r.currency, r.receivable, r.credit, r.net] for r in rec.rows],
        [["Total", currency, "", "", net] for currency, net in sorted(rec.totals.items())],
        [*scope_notes(rec.scope), *([("next page", f"cursor {rec.next_cursor}")] if rec.next_cursor else [])],
    )


def _window(p: Params) -> tuple[Any, Any]:
    assert p.start is not None and p.end is not None
    return p.start, p.end


def _by(p: Params, *allowed: str) -> str | None:
    if p.by is not None and p.by not in allowed:
        raise InvalidValue(f"by: one of {', '.join(allowed)}, not {p.by!r}")
    return p.by


def _profit_and_loss(views: ViewDatabase, books: Books, p: Params) -> reports.ProfitAndLoss:
    start, end = _window(p)
    by = _by(p, "cost_center", "month")
    return reports.profit_and_loss(views, start, end, books.functional_currency, p.known_at, by)


def _statement_rows(
    section: str, lines: Sequence[reports.StatementLine], groups: Sequence[reports.StatementGroup], by: bool, fc: str
) -> list[Sequence[Any]]:
    """A statement's section as a tree: each group's subtotal (per breakdown, if any) after its accounts."""
    parents, names = _tree(groups)

    def row(account: str, name: str, key: str, amount: Any) -> list[Any]:
        return [section, account, name, *([key] if by else []), fc, amount]

    items = [
        Item(ln.account, ln.parent, ln.group, row(ln.account, ln.name, ln.group, ln.amount), (ln.amount,))
        for ln in lines
    ]
    return with_subtotals(items, parents, lambda g, key, sums: row(g, f"Total {names[g]}", key, sums[0]))


def _profit_and_loss_table(pnl: reports.ProfitAndLoss, _: Params) -> Table:
    currency = pnl.scope.currency or ""
    group = [pnl.by] if pnl.by else []  # the breakdown's column, when broken down

    def total(name: str, amount: Any) -> list[Any]:
        return ["", "", name, *([""] if group else []), currency, amount]

    return Table(
        "Profit and loss",
        columns("section", "account", "name", *group, "currency", "amount:amount"),
        _statement_rows("income", pnl.income, pnl.groups, bool(group), currency)
        + _statement_rows("expenses", pnl.expenses, pnl.groups, bool(group), currency),
        [
            total("Total income", pnl.total_income),
            total("Total expenses", pnl.total_expenses),
            total("Result", pnl.result),
        ],
        scope_notes(pnl.scope),
    )


def _balance_sheet(views: ViewDatabase, books: Books, p: Params) -> reports.BalanceSheet:
    assert p.as_of is not None
    return reports.balance_sheet(views, p.as_of, books.functional_currency, p.known_at)


def _balance_sheet_table(bs: reports.BalanceSheet, _: Params) -> Table:
    currency = bs.scope.currency or ""
    rows: list[Sequence[Any]] = []
    for section, lines in (("assets", bs.assets), ("liabilities", bs.liabilities), ("equity", bs.equity)):
        rows += _statement_rows(section, lines, bs.groups, False, currency)
    rows.append(["equity", "", "Result not yet closed", currency, bs.unclosed_result])
    return Table(
        "Balance sheet",
        columns("section", "account", "name", "currency", "amount:amount"),
        rows,
        [
            ["", "", "Total assets", currency, bs.total_assets],
            ["", "", "Liabilities and equity", currency, bs.total_liabilities + bs.total_equity],
        ],
        [*scope_notes(bs.scope), ("balanced", yes(bs.balanced))],
    )


def _ageing(views: ViewDatabase, books: Books, p: Params) -> detail.Ageing:
    kind = p.filter("kind", "receivables")
    if kind not in ("receivables", "payables"):
        raise InvalidValue(f"kind: receivables or payables, not {kind!r}")
    assert p.as_of is not None
    return detail.ageing(views, kind, p.as_of, books.functional_currency, p.known_at, p.limit, p.cursor)


def _ageing_table(result: detail.Ageing, _: Params) -> Table:
    currency = result.scope.currency or ""
    rows = [
        [i.party_name, i.number, i.due_date, i.days_overdue, i.bucket, i.currency, i.open_amount, i.open_value]
        for i in result.items
    ]
    totals = [["", "", "", "", bucket, currency, "", value] for bucket, value in result.buckets.items()]
    totals.append(["Total", "", "", "", "", currency, "", result.total])
    return Table(
        f"Ageing of {result.kind}",
        columns(
            "party",
            "document:key",
            "due_date:date",
            "days_overdue:number",
            "bucket",
            "currency",
            "open:amount",
            "open_value:amount",
        ),
        rows,
        totals,
        [*scope_notes(result.scope), *page_notes(result.item_count, result.next_cursor)],
    )


def _account_ledger(views: ViewDatabase, books: Books, p: Params) -> detail.AccountLedger:
    start, end = _window(p)
    account = p.filter("account")
    if account is None:
        raise InvalidValue("account: an account code is required, e.g. 1100")
    return detail.account_ledger(views, account, start, end, books.functional_currency, p.known_at, p.limit, p.cursor)


def _account_ledger_table(led: detail.AccountLedger, p: Params) -> Table:
    currency = led.scope.currency or ""
    opening = "Brought forward" if p.cursor else "Opening"  # a later page's: the entries before it
    closing = "Carried forward" if led.next_cursor else "Closing"
    return Table(
        f"Ledger {led.account} {led.name}",
        columns("date:date", "position:number", "memo", "currency", "amount:amount", "value:amount", "balance:amount"),
        [[e.effective_date, e.position, e.memo, e.currency, e.amount, e.value, e.balance] for e in led.entries],
        [["", "", opening, currency, "", "", led.opening], ["", "", closing, currency, "", "", led.closing]],
        [*scope_notes(led.scope), *([("next page", f"cursor {led.next_cursor}")] if led.next_cursor else [])],
    )


def _tax_summary(views: ViewDatabase, books: Books, p: Params) -> detail.TaxSummary:
    start, end = _window(p)
    return detail.tax_summary(views, start, end, books.functional_currency, p.known_at)


def _tax_summary_table(tax: detail.TaxSummary, _: Params) -> Table:
    return Table(
        "Tax summary",
        columns(
            "tax_code",
            "sales_base:amount",
            "output_tax:amount",
            "purchases_base:amount",
            "input_tax:amount",
            "net_payable:amount",
        ),
        [[t.tax_code, t.sales_base, t.output_tax, t.purchases_base, t.input_tax, t.net_payable] for t in tax.lines],
        [["Total", "", "", "", "", tax.net_payable]],
        [*scope_notes(tax.scope), ("currency", tax.scope.currency or "")],
    )


def _restatement(views: ViewDatabase, books: Books, p: Params) -> Restatement:
    end = p.end
    assert end is not None
    close = next(((d, pos, t) for d, pos, t in books.closes() if d >= end), None)
    if close is None:
        raise InvalidTransition(f"no period ending on or after {end.isoformat()} was ever closed")
    _, position, closed_at = close
    return restatement(views, end, closed_at, position, books.functional_currency, p.known_at)


def _restatement_defaults(p: Params, today: Any) -> Params:
    if p.end is None:
        raise InvalidValue("to: the closed period's last day is required")
    return p


def _late(found: Restatement) -> Sequence[str]:
    return [
        f"{e.position}: {e.memo + ' — ' if e.memo else ''}{e.event_topic} {e.source_id} dated {e.effective_date}"
        for e in found.late_events
    ]


def _restatement_table(found: Restatement, _: Params) -> Table:
    return Table(
        f"Restatement of the period ending {found.end.isoformat()}",
        columns("account", "name", "at_close:amount", "now:amount", "difference:amount", "explained_by"),
        [
            [a.account, a.name, a.at_close, a.now, a.difference, " ".join(map(str, a.explained_by))]
            for a in found.accounts
        ],
        (),
        [
            ("closed at", found.closed_at.isoformat()),
            ("close position", str(found.close_position)),
            ("known at", found.known_at.isoformat() if found.known_at else "now"),
            ("late events", "; ".join(_late(found)) or "none"),
        ],
    )


FINANCE: list[Query[Any]] = [
    Query("trial-balance", GL, _trial_balance, _trial_balance_table),
    Query("receivables", OPEN, _receivables, _receivables_table),
    Query("profit-and-loss", GL, _profit_and_loss, _profit_and_loss_table, window="required"),
    Query("balance-sheet", GL, _balance_sheet, _balance_sheet_table),
    Query("ageing", OPEN, _ageing, _ageing_table, paged=True),
    Query("ledger", GL, _account_ledger, _account_ledger_table, window="required"),
    Query("tax-summary", GL, _tax_summary, _tax_summary_table, window="required"),
    Query("restatement", GL, _restatement, _restatement_table, window="custom", defaults=_restatement_defaults),
]
