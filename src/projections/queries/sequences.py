"""E-mail sequences' results as a query (ADR 0068): per sequence, as of a date as known at a moment."""

from __future__ import annotations

from typing import Any

from projections.automation.sequence_queries import COUNTED, Results, results
from projections.engine.db import ViewDatabase
from projections.queries.core import Books, Params, Query, Table, columns
from projections.queries.lists import Listing, reached


def _results(views: ViewDatabase, _: Books, p: Params) -> Listing[Results]:
    assert p.as_of is not None
    with views.read() as cur:
        position = reached(cur, "sequences")
    return Listing(results(views, p.as_of, p.known_at), None, position)


def _results_table(found: Listing[Results], p: Params) -> Table:
    return Table(
        "E-mail sequence results",
        columns("sequence", *(f"{c}:number" for c in COUNTED), "id:id"),
        [[r.name, *(getattr(r, c) for c in COUNTED), r.sequence_id] for r in found.items],
        (),
        [
            ("as of", p.as_of.isoformat() if p.as_of else ""),
            ("known at", p.known_at.isoformat() if p.known_at else "now"),
            ("queued, withdrawn, sent", "steps (sent: to the mail server); the others count enrollments"),
            ("opened", "not tracked: the steps are plain text, with no pixel to load"),
        ],
    )


SEQUENCES: list[Query[Any]] = [Query("sequence-results", ("sequences",), _results, _results_table)]
