"""The bank as queries (issue 18, ADR 0034): the bank accounts, a bank account's statement lines (all,
or the unmatched) and the reconciliation report — as of a date, as known at a moment, the same on
every surface. A surface names the bank account by id in the ``bank_account`` filter."""

from __future__ import annotations

from typing import Any

from ledger.errors import InvalidValue, NotFound
from projections.engine.db import ViewDatabase
from projections.finance import bank_reports as bank
from projections.queries.core import Books, Params, Query, Table, columns
from projections.queries.finance import page_notes
from projections.queries.lists import Listing, reached


def _as_known(p: Params) -> list[tuple[str, str]]:
    return [
        ("as of", p.as_of.isoformat() if p.as_of else ""),
        ("known at", p.known_at.isoformat() if p.known_at else "now"),
    ]


def _account(views: ViewDatabase, p: Params) -> bank.BankAccountView:
    given = p.filter("bank_account")
    if not given:
        raise InvalidValue("bank_account: which bank account (its name or id)")
    with views.read() as cur:
        found = bank.account_named(cur, given)
    if found is None:
        raise NotFound(f"bank_account: there is no bank account {given[:60]!r}")
    return found


def _accounts(views: ViewDatabase, _: Books, p: Params) -> Listing[bank.BankAccountView]:
    assert p.as_of is not None
    with views.read() as cur:
        return Listing(bank.accounts(cur, p.as_of, p.known_at), None, reached(cur, "bank"))


def _accounts_table(found: Listing[bank.BankAccountView], p: Params) -> Table:
    return Table(
        "Bank accounts",
        columns("name", "account:key", "iban:key", "currency", "opened_on:date", "status", "id:id"),
        [[a.name, a.account, a.iban, a.currency, a.opened_on, a.status, a.id] for a in found.items],
        (),
        _as_known(p),
    )


def _unmatched_only(p: Params) -> bool:
    value = p.filter("unmatched", "false")
    if value not in ("true", "false"):
        raise InvalidValue(f"unmatched: true or false, not {str(value)[:10]!r}")
    return value == "true"


def _lines(views: ViewDatabase, _: Books, p: Params) -> Listing[bank.BankLineView]:
    assert p.as_of is not None and p.limit is not None
    account = _account(views, p)
    page = bank.lines(views, account.id, p.as_of, p.known_at, _unmatched_only(p), p.cursor, p.limit)
    with views.read() as cur:
        return Listing(page.items, page.next_cursor, reached(cur, "bank"))


def _lines_table(found: Listing[bank.BankLineView], p: Params) -> Table:
    return Table(
        "Bank lines",
        columns(
            "line:key",
            "booking_date:date",
            "amount:amount",
            "currency",
            "description",
            "counterparty",
            "reference:key",
            "matched_to",
            "id:id",
        ),
        [
            [
                line.line,
                line.booking_date,
                line.amount,
                line.currency,
                line.description,
                line.counterparty,
                line.reference,
                line.matched_to,
                line.id,
            ]
            for line in found.items
        ],
        (),
        [*_as_known(p), *page_notes(len(found.items), found.next_cursor)[1:]],
    )


def _reconciliation(views: ViewDatabase, _: Books, p: Params) -> bank.Reconciliation:
    assert p.as_of is not None
    return bank.reconciliation(views, _account(views, p), p.as_of, p.known_at)


def _reconciliation_table(r: bank.Reconciliation, p: Params) -> Table:
    return Table(
        f"Reconciliation of {r.bank_account} ({r.ledger_account})",
        columns("line:key", "booking_date:date", "amount:amount", "description", "counterparty", "id:id"),
        [[ln.line, ln.booking_date, ln.amount, ln.description, ln.counterparty, ln.id] for ln in r.lines],
        [
            [None, None, amount, label, None, None]
            for label, amount in (
                ("balance per statements", r.statement_balance),
                ("balance per books", r.book_balance),
                ("difference", r.difference),
                ("unmatched lines", r.unmatched_total),
                ("unexplained", r.unexplained),
            )
        ],
        [
            *_as_known(p),
            ("currency", r.currency),
            ("statements from", r.statement_from.isoformat() if r.statement_from else "the first line"),
        ],
    )


BANK: list[Query[Any]] = [
    Query("bank-accounts", ("bank",), _accounts, _accounts_table),
    Query("bank-lines", ("bank",), _lines, _lines_table, paged=True),
    Query("reconciliation", ("bank", "general_ledger"), _reconciliation, _reconciliation_table),
]
