"""Recurring invoices as a list query: HTTP, CLI and web read the same page (ADR 0027)."""

from __future__ import annotations

from typing import Any

from projections.automation.recurring import STATUSES, RecurringView, list_recurring
from projections.engine.db import ViewDatabase
from projections.queries.core import Books, Params, Query, Table, columns
from projections.queries.finance import page_notes
from projections.queries.lists import Listing, _as_known, _limit, _names, _status


def _recurring(views: ViewDatabase, _: Books, p: Params) -> Listing[RecurringView]:
    status = _status(p, *STATUSES)
    assert p.as_of is not None
    page = list_recurring(views, p.as_of, p.known_at, p.filter("customer"), status, p.cursor, _limit(p))
    names, position = _names(views, {x.customer_id for x in page.items}, p, "recurring", "customers")
    return Listing(page.items, page.next_cursor, position, names)


def _recurring_table(found: Listing[RecurringView], p: Params) -> Table:
    return Table(
        "Recurring invoices",
        columns("name", "customer", "status", "frequency", "start:date", "end:date", "issue", "billed_until:date"),
        [
            [
                x.name,
                found.customer_names.get(x.customer_id, x.customer_id),
                x.status,
                x.frequency,
                x.start,
                x.end,
                "automatically" if x.auto_issue else "as a draft",
                x.last_billed,
            ]
            for x in found.items
        ],
        (),
        [*_as_known(p), *page_notes(len(found.items), found.next_cursor)[1:]],
    )


RECURRING: list[Query[Any]] = [
    Query("recurring-invoices", ("recurring", "customers"), _recurring, _recurring_table, paged=True),
]
