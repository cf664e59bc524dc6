"""The exchange rate table as a query: rates dated on or before a date, as known at a moment."""

from __future__ import annotations

from typing import Any

from projections.engine.db import ViewDatabase
from projections.finance.fx_rates import FxRateView, list_rates
from projections.queries.core import Books, Params, Query, Table, columns
from projections.queries.finance import page_notes
from projections.queries.lists import Listing, reached


def _rates(views: ViewDatabase, _: Books, p: Params) -> Listing[FxRateView]:
    assert p.as_of is not None and p.limit is not None
    page = list_rates(views, p.as_of, p.known_at, p.filter("currency"), p.cursor, p.limit)
    with views.read() as cur:
        position = reached(cur, "fx_rates")
    return Listing(page.items, page.next_cursor, position)


def _rates_table(found: Listing[FxRateView], p: Params) -> Table:
    return Table(
        "Exchange rates",
        columns("currency", "date:date", "rate:number", "source"),
        [[r.currency, r.date, r.rate, r.source] for r in found.items],
        (),
        [
            ("as of", p.as_of.isoformat() if p.as_of else ""),
            ("known at", p.known_at.isoformat() if p.known_at else "now"),
            *page_notes(len(found.items), found.next_cursor)[1:],
        ],
    )


FX: list[Query[Any]] = [Query("fx-rates", ("fx_rates",), _rates, _rates_table, paged=True)]
