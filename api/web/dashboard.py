"""The dashboard (ADR 0048): the state of the business on one page, every tile a report's answer.

Each tile asks the query layer exactly what the API's report route asks (``api.answers.answer``,
the same name and parameters), once, for the page's ``as_of`` and ``known_at``; it shows a few of
the answer's figures, its provenance digest (``digest-<tile>``), a link to the same answer from
the API and one to the report's page. The windows follow ``as_of``: the year to date for the
flows, the three months after a forecast made two months before ``as_of``'s month began.
A visitor whose roles read the CRM but no reports (sales) is sent to the pipeline.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from api.answers import Knowledge, answer, document
from api.system import Keel
from api.web.charts import Chart, bars
from api.web.render import show
from api.web.reports import Day, KnownAt
from api.web.rewind import controls
from api.web.visits import Refused, Visitor, keel_of
from ledger.access import READ_CRM, READ_REPORTS
from ledger.errors import DomainError
from projections.queries import Answer, Params

router = APIRouter(include_in_schema=False)
FIRST_DAY = date(1900, 1, 1)  # the earliest business date the API reads (api.deps.FIRST_DAY)


@dataclass(frozen=True)
class Tile:
    """One report as the dashboard asks it: its query, the API route's path and query string."""

    key: str  # element ids: tile-<key>, digest-<key>
    query: str
    api: str
    params: Params
    url: tuple[tuple[str, str], ...]  # the API route's query parameters that give ``params``
    path: tuple[tuple[str, str], ...] = ()  # what the API's path says, as the report page's parameters


def tiles(day: date) -> tuple[Tile, ...]:
    year = date(day.year, 1, 1)
    made = forecast_date(day)
    ytd = (("from", year.isoformat()), ("to", day.isoformat()))
    on = (("as_of", day.isoformat()),)
    return (
        Tile(
            "cash",
            "cash-flow",
            "/v1/reports/cash-flow",
            Params(start=year, end=day, by="month"),
            (*ytd, ("by", "month")),
        ),
        Tile(
            "forecast",
            "forecast-vs-actual",
            "/v1/reports/forecast-vs-actual",
            Params(as_of=made, end=day, by="month"),
            (("as_of", made.isoformat()), ("to", day.isoformat()), ("by", "month")),
        ),
        Tile(
            "receivables",
            "ageing",
            "/v1/reports/ageing/receivables",
            Params(as_of=day, filters=(("kind", "receivables"),), limit=1),  # the totals count every item
            (*on, ("limit", "1")),
            (("kind", "receivables"),),
        ),
        Tile(
            "profit",
            "profit-and-loss",
            "/v1/reports/profit-and-loss",
            Params(start=year, end=day, by="month"),
            (*ytd, ("by", "month")),
        ),
        Tile("pipeline", "pipeline", "/v1/reports/pipeline", Params(as_of=day, by="stage"), (*on, ("by", "stage"))),
        Tile(
            "margins",
            "margins",
            "/v1/reports/margins",
            Params(start=year, end=day, by="project"),
            (*ytd, ("by", "project")),
        ),
        Tile(
            "utilisation", "utilisation", "/v1/reports/utilisation", Params(as_of=day, start=year, end=day), (*on, *ytd)
        ),
        Tile("follow-ups", "follow-ups", "/v1/reports/follow-ups", Params(as_of=day), on),
    )


def forecast_date(day: date) -> date:
    """The forecast the dashboard compares: made at the end of the month three months before
    ``day``'s (not before the API's first business day, 1 January 1900)."""
    month = day.year * 12 + day.month - 1 - 2
    return max(date(month // 12, month % 12 + 1, 1) - timedelta(days=1), FIRST_DAY)


@router.get("/dashboard")
def dashboard(request: Request, visit: Visitor, as_of: Day = None, known_at: KnownAt = None) -> Response:
    if not visit.can(READ_REPORTS) and visit.can(READ_CRM):
        return RedirectResponse("/pipeline", status_code=303)
    visit.require(READ_REPORTS, "The dashboard")
    keel = keel_of(request)
    day = as_of or keel.app.today()
    knowledge, time = controls(keel, {"as_of": day}, known_at)
    later = (("known_at", known_at),) if known_at else ()
    shown: dict[str, dict[str, Any]] = {}
    asked = tiles(day)
    try:
        answers = _answered(keel, asked, knowledge)
    except DomainError as exc:
        raise Refused(422, str(exc)) from None
    for tile, found in zip(asked, answers, strict=True):
        proof = document(found)["provenance"]
        on_page = (*tile.path, *((k, v) for k, v in tile.url if k != "limit"))
        shown[tile.key] = {
            "result": found.result,
            "digest": proof["digest"],
            "position": proof["position"],
            "api": f"{tile.api}?{urlencode((*tile.url, *later))}",
            "page": f"/reports/{tile.query}?{urlencode((*on_page, *later))}",
            **FIGURES[tile.key](found),
        }
    position = shown["cash"]["position"]
    return show(request, visit, "dashboard.html", time=time, tiles=shown, position=position, day=day)


# The tiles' queries run at once, each on its own connection: the page waits for the slowest
# (the cash forecast against actual, ~120 ms at a million events), not for the sum of eight. Its
# own workers: a query may gather its reads on the read models' workers, never on these.
_TILES = ThreadPoolExecutor(max_workers=4, thread_name_prefix="keel-dashboard")


def _answered(keel: Keel, asked: tuple[Tile, ...], knowledge: Knowledge | None) -> list[Answer[Any]]:
    if keel.views.dialect == "sqlite":  # one database file, one writer's lock: in turn
        return [answer(keel, tile.query, tile.params, knowledge) for tile in asked]
    running = [_TILES.submit(answer, keel, tile.query, tile.params, knowledge) for tile in asked]
    return [future.result() for future in running]


def _cash(found: Answer[Any]) -> dict[str, Any]:
    periods = found.result.periods
    return {"closing": periods[-1].closing if periods else Decimal(0), "currency": found.result.scope.currency}


def _forecast(found: Answer[Any]) -> dict[str, Any]:
    result = found.result
    groups = [(p.start.strftime("%b %Y"), (p.forecast_net, p.actual_net)) for p in result.periods]
    chart = bars("Cash forecast against actual, net per month", result.scope.currency, ("forecast", "actual"), groups)
    return {"chart": chart, "currency": result.scope.currency}


def _receivables(found: Answer[Any]) -> dict[str, Any]:
    return {"currency": found.result.scope.currency}


def _profit(found: Answer[Any]) -> dict[str, Any]:
    result = found.result
    months = sorted(result.result_by_group().items())
    groups = [(_month(key), (value,)) for key, value in months]
    chart: Chart = bars("Profit or loss per month", result.scope.currency, ("result",), groups)
    return {"chart": chart, "currency": result.scope.currency}


def _month(key: str) -> str:
    try:
        return date.fromisoformat(f"{key}-01").strftime("%b")
    except ValueError:
        return key


def _pipeline(found: Answer[Any]) -> dict[str, Any]:
    weighted: dict[str, Decimal] = {}
    for row in found.result.rows:
        weighted[row.currency] = weighted.get(row.currency, Decimal(0)) + row.weighted
    return {"weighted": sorted(weighted.items())}


def _margins(found: Answer[Any]) -> dict[str, Any]:
    ranked = sorted(found.result.rows, key=lambda row: row.margin)
    return {"best": ranked[-1] if ranked else None, "worst": ranked[0] if len(ranked) > 1 else None}


def _utilisation(found: Answer[Any]) -> dict[str, Any]:
    return {}


def _follow_ups(found: Answer[Any]) -> dict[str, Any]:
    overdue = [owner for owner in found.result.owners if owner.overdue]
    return {"overdue": overdue, "count": sum(owner.overdue for owner in overdue)}


FIGURES = {
    "cash": _cash,
    "forecast": _forecast,
    "receivables": _receivables,
    "profit": _profit,
    "pipeline": _pipeline,
    "margins": _margins,
    "utilisation": _utilisation,
    "follow-ups": _follow_ups,
}
