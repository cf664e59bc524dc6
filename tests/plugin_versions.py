"""Plug-in projections the tests load by path (KEEL_PLUGINS=plugin_versions:…): the example's next
version, and plug-ins that fail or declare what is Keel's."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from keel_revenue_by_owner import RevenueByOwner

from projections.engine.sql import Cursor


class RevenueByOwnerV2(RevenueByOwner):
    """Version 2 also keeps lost deals' facts (for a win rate per owner later): a rebuild beside
    the serving version, a diff with rows only in the new one, a switch."""

    version = 2
    events: Sequence[str] = (*RevenueByOwner.events, "deal.lost")


class FailsOnWins(RevenueByOwner):
    """Folds every deal event but cannot fold a win."""

    name = "fails_on_wins"
    tables: Sequence[str] = ("fow_facts",)

    def create(self, cur: Cursor) -> None:
        cur.execute("CREATE TABLE fow_facts (deal_id TEXT NOT NULL, position BIGINT NOT NULL)")

    def apply(self, cur: Cursor, events: Sequence[dict[str, Any]]) -> None:
        for e in events:
            if e["type"] == "deal.won":
                raise ValueError(f"cannot fold the win of {e['aggregate']['id']}")
            cur.execute("INSERT INTO fow_facts VALUES (%s, %s)", (e["aggregate"]["id"], e["position"]))


class CannotCreate(RevenueByOwner):
    name = "cannot_create"
    tables: Sequence[str] = ("cc_facts",)

    def create(self, cur: Cursor) -> None:
        cur.execute("CREATE TABLE cc_facts (deal_id TEXT NOT NULL")  # a syntax error

    def apply(self, cur: Cursor, events: Sequence[dict[str, Any]]) -> None:
        cur.executemany("INSERT INTO cc_facts VALUES (%s)", [(e["aggregate"]["id"],) for e in events])


class TakesKeelsTable(RevenueByOwner):
    name = "takes_keels_table"
    tables: Sequence[str] = ("gl_lines",)


class NamedAsADataset(RevenueByOwner):
    name = "journal"
    tables: Sequence[str] = ("nad_facts",)


class FoldsNothingKnown(RevenueByOwner):
    name = "folds_nothing_known"
    tables: Sequence[str] = ("fnk_facts",)
    events: Sequence[str] = ("deal.vanished",)


class NamedAKeyword(RevenueByOwner):
    name = "order"
    tables: Sequence[str] = ("ord_facts",)
