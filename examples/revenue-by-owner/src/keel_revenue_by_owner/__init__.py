"""Won deals' revenue per sales owner per month: an example of a plug-in projection for Keel.

It folds the public events of deals (the same schema as Keel's webhooks and event stream) into one
table of facts, a row per event with its business date and when it was recorded, and answers as
of a business date as known at a moment by folding the facts dated and recorded by then: a deal
counts in the month it was won, for the owner and value it had on that day, unless it was
reopened since. Keeping facts rather than sums is what makes the answer bitemporal.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from ledger.money import minor_units
from projections.engine.sql import Cursor
from projections.plugins import Column

FAR_FUTURE = datetime(9999, 12, 31, tzinfo=UTC)


class RevenueByOwner:
    name = "revenue_by_owner"
    version = 1
    description = "Won deals' value per sales owner and month, in each deal's currency"
    events: Sequence[str] = ("deal.opened", "deal.updated", "deal.won", "deal.reopened")
    tables: Sequence[str] = ("rbo_facts",)
    columns: Sequence[Column] = (
        Column("owner", "text", "The deal's owner on the day it was won"),
        Column("month", "date", "The first day of the month it was won"),
        Column("currency", "text", "The deals' currency (ISO 4217)"),
        Column("deals", "int64", "Deals won"),
        Column("revenue", "money", "Their value"),
    )

    def create(self, cur: Cursor) -> None:
        cur.execute(
            "CREATE TABLE rbo_facts (deal_id TEXT NOT NULL, position BIGINT NOT NULL, recorded_at TIMESTAMPTZ NOT NULL,"
            " effective_date DATE NOT NULL, kind TEXT NOT NULL, owner TEXT, value TEXT, currency TEXT,"
            " PRIMARY KEY (deal_id, position))"
        )

    def apply(self, cur: Cursor, events: Sequence[dict[str, Any]]) -> None:
        rows = []
        for e in events:
            data = e["data"]
            rows.append(
                (
                    e["aggregate"]["id"],
                    e["position"],
                    datetime.fromisoformat(e["recorded_at"]),
                    date.fromisoformat(e["effective_date"]),
                    e["type"].partition(".")[2],
                    data.get("owner"),
                    data.get("value"),
                    data.get("currency"),
                )
            )
        cur.executemany(
            "INSERT INTO rbo_facts (deal_id, position, recorded_at, effective_date, kind, owner, value, currency)"
            " VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
            rows,
        )

    def query(self, cur: Cursor, as_of: date, known_at: datetime | None) -> Iterable[Sequence[Any]]:
        known = known_at or FAR_FUTURE
        cur.execute(
            "SELECT deal_id, effective_date, position, kind, owner, value, currency FROM rbo_facts"
            " WHERE effective_date <= %s AND recorded_at <= %s ORDER BY deal_id, effective_date, position",
            (as_of, known),
        )
        deals: dict[str, list[tuple[Any, ...]]] = defaultdict(list)
        for row in cur.fetchall():
            deals[str(row[0])].append(row[1:])
        sums: dict[tuple[str, date, str], list[Any]] = {}
        for facts in deals.values():
            won = _won(facts)
            if won is not None:
                key = (won[0], won[1].replace(day=1), won[2])
                entry = sums.setdefault(key, [0, Decimal(0)])
                entry[0] += 1
                entry[1] += won[3]
        return [
            (owner, month, currency, n, revenue.quantize(Decimal(1).scaleb(-minor_units(currency))))
            for (owner, month, currency), (n, revenue) in sorted(sums.items())
        ]


def _won(facts: Sequence[tuple[Any, ...]]) -> tuple[str, date, str, Decimal] | None:
    """(owner, won on, currency, value) if the deal's last outcome is a win, with the owner and
    value it had then; None otherwise. Facts are (effective_date, position, kind, owner, value,
    currency) in business order."""
    owner, value, currency = None, Decimal(0), ""
    won: tuple[str, date, str, Decimal] | None = None
    for effective, _, kind, who, amount, code in facts:
        if kind in ("opened", "updated"):
            owner, value, currency = who, Decimal(amount), code or currency
        elif kind == "won" and owner is not None:
            won = (
                owner,
                effective if isinstance(effective, date) else date.fromisoformat(str(effective)),
                currency,
                value,
            )
        elif kind == "reopened":
            won = None
    return won
