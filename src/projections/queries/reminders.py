"""Who was reminded of what as a query: reminders dated on or before a date, as known at a moment."""

from __future__ import annotations

from typing import Any

from ledger.errors import InvalidValue
from ledger.reminders import DUNNING, KINDS
from projections.engine.db import ViewDatabase
from projections.finance.lists import customer_names
from projections.queries.core import Books, Params, Query, Table, columns
from projections.queries.finance import page_notes
from projections.queries.lists import Listing, reached
from projections.reminders.reminders import ReminderView, list_reminders


def _reminders(views: ViewDatabase, _: Books, p: Params) -> Listing[ReminderView]:
    assert p.as_of is not None and p.limit is not None
    kind = p.filter("kind")
    if kind is not None and kind not in KINDS:
        raise InvalidValue(f"kind: one of {', '.join(KINDS)}, got {kind[:40]!r}")
    page = list_reminders(views, p.as_of, p.known_at, kind, p.cursor, p.limit)
    customers = sorted({r.party for r in page.items if r.kind == DUNNING})
    with views.read() as cur:
        position = reached(cur, "reminders")
        names = customer_names(cur, customers, p.as_of, p.known_at) if customers else {}
    return Listing(page.items, page.next_cursor, position, names)


def _reminders_table(found: Listing[ReminderView], p: Params) -> Table:
    return Table(
        "Reminders",
        columns(
            "date:date",
            "kind",
            "who",
            "subject:key",
            "level:number",
            "level name",
            "to",
            "open:amount",
            "currency",
            "fee:amount",
            "party:id",
        ),
        [
            [
                r.reminded_on,
                r.kind,
                found.customer_names.get(r.party, r.party),
                r.subject,
                r.level or "",
                r.level_name,
                r.recipient,
                r.open_amount,
                r.currency,
                r.fee,
                r.party,
            ]
            for r in found.items
        ],
        (),
        [
            ("as of", p.as_of.isoformat() if p.as_of else ""),
            ("known at", p.known_at.isoformat() if p.known_at else "now"),
            *page_notes(len(found.items), found.next_cursor)[1:],
        ],
    )


REMINDERS: list[Query[Any]] = [Query("reminders", ("reminders", "customers"), _reminders, _reminders_table, paged=True)]
