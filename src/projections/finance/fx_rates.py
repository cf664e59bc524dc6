"""The exchange rate table as recorded: every rate set or imported, with both time axes.

Each row is one rate for one currency and date, with the log position and the moment it was
recorded. A later rate for the same currency and date replaces an earlier one from when it was
recorded, so the table as of D known at K is, per currency and date on or before D, the row of
the highest position recorded by K.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from ledger.fx import FxRates
from projections.engine.db import ViewDatabase
from projections.engine.pages import Page, fetch_page
from projections.engine.projection import Fact
from projections.engine.sql import Cursor, Row, as_date


class FxRatesProjection:
    name = "fx_rates"
    schema_version = 1
    tables = ("fx_rates",)
    folds = (FxRates.RateSet, FxRates.RatesImported)

    def create(self, cur: Cursor) -> None:
        cur.execute(
            """CREATE TABLE fx_rates (
                currency TEXT NOT NULL,
                rate_date DATE NOT NULL,
                rate TEXT NOT NULL,
                source TEXT NOT NULL,
                position BIGINT NOT NULL,
                recorded_at TIMESTAMPTZ NOT NULL,
                PRIMARY KEY (currency, rate_date, position)
            )"""
        )

    def apply(self, cur: Cursor, facts: Sequence[Fact]) -> None:
        rows = []
        for fact in facts:
            e = fact.event
            if isinstance(e, FxRates.RateSet):
                rates, source = [e.rate], "set"
            elif isinstance(e, FxRates.RatesImported):
                rates, source = list(e.rates), "import"
            else:
                continue
            rows += [(r.currency, r.on, str(r.rate), source, fact.position, fact.recorded_at) for r in rates]
        if rows:
            cur.copy_rows("fx_rates", ("currency", "rate_date", "rate", "source", "position", "recorded_at"), rows)


@dataclass(frozen=True)
class FxRateView:
    currency: str
    date: date
    rate: Decimal
    source: str  # set or import


def _view(r: Row) -> FxRateView:
    day = as_date(r[1])
    assert day is not None
    return FxRateView(str(r[0]), day, Decimal(r[2]), str(r[3]))


def list_rates(
    db: ViewDatabase,
    as_of: date,
    known_at: datetime | None = None,
    currency: str | None = None,
    cursor: str | None = None,
    limit: int = 100,
) -> Page[FxRateView]:
    """The rates dated on or before ``as_of`` as known at ``known_at``, by currency and date: per
    currency and date, the latest recorded."""
    known, known_params = ("AND x.recorded_at <= %s", [known_at]) if known_at else ("", [])
    where = [
        "r.rate_date <= %s",
        f"r.position = (SELECT MAX(x.position) FROM fx_rates x WHERE x.currency = r.currency"
        f" AND x.rate_date = r.rate_date {known})",
    ]
    params: list[object] = [as_of, *known_params]
    if currency:
        where.append("r.currency = %s")
        params.append(currency)
    with db.read() as cur:
        return fetch_page(
            cur,
            "SELECT r.currency, r.rate_date, r.rate, r.source, r.currency, r.rate_date FROM fx_rates r",
            ["r.currency", "r.rate_date"],
            where,
            params,
            cursor,
            limit,
            _view,
        )
