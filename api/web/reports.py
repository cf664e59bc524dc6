"""Report pages (ADR 0048): any report of the query layer as a table that rewinds.

Every report page asks the query layer what the API's route asks it (``api.answers.answer``, the
same name and parameters), so its figures are the API's; the footer shows the log position and
the provenance digest of that answer. ``as_of``/``from``/``to`` and ``known_at`` are in the URL.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from api.answers import answer
from api.web.render import show
from api.web.rewind import controls, provenance
from api.web.visits import Refused, Visit, Visitor, keel_of
from ledger.access import READ_REPORTS
from ledger.errors import DomainError
from projections.queries import Params

router = APIRouter(include_in_schema=False)
AsOf = Annotated[date | None, Query()]
KnownAt = Annotated[str | None, Query(max_length=40)]


@router.get("/reports/trial-balance")
def trial_balance(request: Request, visit: Visitor, as_of: AsOf = None, known_at: KnownAt = None) -> Response:
    return report_page(request, visit, "trial-balance", "Trial balance", {"as_of": as_of}, known_at)


@router.get("/reports/balance-sheet")
def balance_sheet(request: Request, visit: Visitor, as_of: AsOf = None, known_at: KnownAt = None) -> Response:
    return report_page(request, visit, "balance-sheet", "Balance sheet", {"as_of": as_of}, known_at)


@router.get("/reports/receivables")
def receivables(request: Request, visit: Visitor, as_of: AsOf = None, known_at: KnownAt = None) -> Response:
    return report_page(request, visit, "receivables", "Receivables", {"as_of": as_of}, known_at)


@router.get("/reports/profit-and-loss")
def profit_and_loss(
    request: Request,
    visit: Visitor,
    from_: Annotated[date | None, Query(alias="from")] = None,
    to: AsOf = None,
    known_at: KnownAt = None,
) -> Response:
    """The year to date unless a period is given (the API asks for ``from``; a page starts somewhere)."""
    end = to or keel_of(request).app.today()
    window = {"from": from_ or date(end.year, 1, 1), "to": end}
    return report_page(request, visit, "profit-and-loss", "Profit and loss", window, known_at)


def report_page(
    request: Request,
    visit: Visit,
    name: str,
    title: str,
    dates: Mapping[str, date | None],
    known_at: str | None,
    scope: str = READ_REPORTS,
    by: str | None = None,
    **filters: str,
) -> Response:
    """A report as the API answers it, as a page: its table, the time controls, the provenance.
    ``dates`` are the report's date parameters as the API's URL names them; ``by`` and ``filters``
    its other parameters, as the API's route passes them to the query."""
    visit.require(scope, title)
    keel = keel_of(request)
    knowledge, time = controls(keel, dates, known_at)
    params = Params(
        as_of=dates.get("as_of"), start=dates.get("from"), end=dates.get("to"), by=by, filters=tuple(filters.items())
    )
    try:
        found = answer(keel, name, params, knowledge)
    except DomainError as exc:
        raise Refused(422, str(exc)) from None
    table = found.table()
    context: dict[str, Any] = {
        "title": title,
        "table": table,
        "kept": [(i, c) for i, c in enumerate(table.columns) if c.kind != "id"],
        "time": time,
        "proof": provenance(found, f"/v1/reports/{name}", time, **({"by": by} if by else {}), **filters),
    }
    return show(request, visit, "report.html", **context)
