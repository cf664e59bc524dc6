"""Report pages (ADR 0048): every report the API serves under ``/v1/reports/`` as a table that rewinds.

Every report page asks the query layer what the API's route asks it (``api.answers.answer``, the
same name and parameters), so its figures are the API's; the footer shows the log position and
the provenance digest of that answer. ``as_of``/``from``/``to``, ``by`` and ``known_at`` are in the
URL. The role a page needs is the API's rule for the same path (``api.access.required_scopes``).
Amounts of rows that are accounts link to the account's entries (``/accounts/{code}``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import Response
from pydantic import BeforeValidator, Field

from api.access import required_scopes
from api.answers import answer, next_cursor
from api.deps import FIRST_DAY, LAST_DAY
from api.problems import domain_problem
from api.web.render import show
from api.web.rewind import Controls, controls, provenance
from api.web.visits import Refused, Visit, Visitor, keel_of
from ledger.errors import DomainError
from projections.queries import Params

router = APIRouter(include_in_schema=False)


def _blank(value: object) -> object:
    """An empty date field of the time form is no date (the report's default), not a malformed one."""
    return None if value == "" else value


Bounded = Annotated[date, Field(ge=FIRST_DAY, le=LAST_DAY)]
Day = Annotated[Bounded | None, BeforeValidator(_blank), Query()]
From = Annotated[Bounded | None, BeforeValidator(_blank), Query(alias="from")]
KnownAt = Annotated[str | None, Query(max_length=40)]
By = Annotated[str | None, Query(max_length=20)]
Cursor = Annotated[str | None, Query(max_length=2000)]


@dataclass(frozen=True)
class Spec:
    """What the API's route of a report takes: its dates (URL names), whether ``from`` is required
    (the page then starts the period on 1 January), its groupings (the first is the API's default
    when it has one), whether it comes a page at a time (the API's first page: 100 items)."""

    title: str
    dates: tuple[str, ...]
    window: bool = False
    by: tuple[str, ...] = ()
    by_default: bool = False
    paged: bool = False
    needs_as_of: bool = False
    choice: str = "by"  # the URL name of the choice among ``by``: a grouping, or the trial balance's valuation


AS_OF, PERIOD = ("as_of",), ("from", "to")
WEEK_MONTH = ("week", "month")
MARGINS_BY = ("project", "customer", "cost_center", "month")
# name (the path after /v1/reports/) -> what its route takes
REPORTS: dict[str, Spec] = {
    "trial-balance": Spec(
        "Trial balance", AS_OF, by=("transaction", "functional"), by_default=True, choice="valuation"
    ),
    "balance-sheet": Spec("Balance sheet", AS_OF),
    "profit-and-loss": Spec("Profit and loss", PERIOD, window=True, by=("cost_center", "month")),
    "receivables": Spec("Receivables", AS_OF, paged=True),
    "ageing/receivables": Spec("Ageing of receivables", AS_OF, paged=True),
    "ageing/payables": Spec("Ageing of payables", AS_OF, paged=True),
    "tax-summary": Spec("Tax summary", PERIOD, window=True),
    "restatement": Spec("Restatement", ("to",)),
    "cash-flow": Spec("Cash flow", PERIOD, window=True, by=WEEK_MONTH),
    "cash-forecast": Spec("Cash forecast", ("as_of", "to"), by=WEEK_MONTH, paged=True),
    "forecast-vs-actual": Spec("Forecast against actual", ("as_of", "to"), by=WEEK_MONTH, needs_as_of=True),
    "pipeline": Spec("Pipeline", AS_OF, by=("stage", "owner"), by_default=True),
    "conversion": Spec("Conversion", AS_OF),
    "win-rate": Spec("Win rate", PERIOD, window=True),
    "follow-ups": Spec("Follow-ups", AS_OF),
    "margins": Spec("Margins", PERIOD, window=True, by=MARGINS_BY, by_default=True),
    "budget-burn": Spec("Budget burn", AS_OF),
    "utilisation": Spec("Utilisation", ("as_of", "from", "to"), window=True),
    "work-in-progress": Spec("Work in progress", AS_OF),
}


def scopes_of(name: str) -> tuple[str, ...]:
    """The scopes the API's rule gives ``GET /v1/reports/<name>``."""
    found = required_scopes("GET", f"/v1/reports/{name}")
    assert found is not None, name
    return found


@router.get("/reports/")
def index(request: Request, visit: Visitor) -> Response:
    """The reports the user's roles may read, each a link to its page."""
    mine = [(f"/reports/{name}", spec.title) for name, spec in REPORTS.items() if visit.can(*scopes_of(name))]
    if not mine:
        visit.require(scopes_of("trial-balance"), "Reports")
    return show(request, visit, "reports.html", title="Reports", reports=mine)


@router.get("/reports/ageing/{kind}")
def ageing(
    request: Request,
    visit: Visitor,
    kind: Annotated[str, Path(pattern="^(receivables|payables)$")],
    as_of: Day = None,
    known_at: KnownAt = None,
    cursor: Cursor = None,
) -> Response:
    return _page(request, visit, f"ageing/{kind}", {"as_of": as_of}, known_at, None, cursor)


@router.get("/reports/{name}")
def report(
    request: Request,
    visit: Visitor,
    name: Annotated[str, Path(max_length=40)],
    as_of: Day = None,
    from_: From = None,
    to: Day = None,
    by: By = None,
    known_at: KnownAt = None,
    cursor: Cursor = None,
    valuation: By = None,
) -> Response:
    chosen = valuation if REPORTS.get(name, Spec("", ())).choice == "valuation" else by
    return _page(request, visit, name, {"as_of": as_of, "from": from_, "to": to}, known_at, chosen, cursor)


def _page(
    request: Request,
    visit: Visit,
    name: str,
    given: Mapping[str, date | None],
    known_at: str | None,
    by: str | None,
    cursor: str | None = None,
) -> Response:
    spec = REPORTS.get(name)
    if spec is None:
        raise Refused(404, f"There is no report {name!r}; the reports are listed at /reports/.")
    visit.require(scopes_of(name), spec.title)
    by = by or None  # the form's "(none)"
    if by is not None and by not in spec.by:
        raise Refused(422, f"{spec.choice}: {spec.title} takes {', '.join(spec.by) or 'nothing'}, not {by!r}.")
    by = by or (spec.by[0] if spec.by_default else None)
    dates = {key: given.get(key) for key in spec.dates}
    today = keel_of(request).app.today()
    if spec.window and dates.get("from") is None:  # the API asks for ``from``; a page starts somewhere
        dates["from"] = date((dates.get("to") or today).year, 1, 1)
    if spec.needs_as_of and dates.get("as_of") is None:
        dates["as_of"] = today
    kind = name.split("/")[1] if name.startswith("ageing/") else None
    filters = {"kind": kind} if kind else {}
    if spec.choice == "valuation":  # a filter of the query, as the API's route passes it
        filters |= {"valuation": by} if by and by != spec.by[0] else {}
    return report_page(
        request,
        visit,
        name.split("/", maxsplit=1)[0],
        spec,
        dates,
        known_at,
        by,
        api_path=f"/v1/reports/{name}",
        cursor=(cursor or None) if spec.paged else None,
        **filters,
    )


def report_page(
    request: Request,
    visit: Visit,
    name: str,
    spec: Spec,
    dates: Mapping[str, date | None],
    known_at: str | None,
    by: str | None,
    api_path: str,
    cursor: str | None = None,
    **filters: str,
) -> Response:
    """A report as the API answers it, as a page: its table, the time controls, the provenance.
    ``dates`` are the report's date parameters as the API's URL names them; ``by`` (named
    ``spec.choice`` in the URL) and ``filters`` its other parameters, as the API's route passes them
    to the query."""
    keel = keel_of(request)
    knowledge, time = controls(keel, dates, known_at)
    params = Params(
        as_of=dates.get("as_of"),
        start=dates.get("from"),
        end=dates.get("to"),
        by=by if spec.choice == "by" else None,
        filters=tuple(filters.items()),
        cursor=cursor,
        limit=100 if spec.paged else None,
    )
    context: dict[str, Any] = {"title": spec.title, "time": time, "by": by, "choices": spec.by, "choice": spec.choice}
    try:
        found = answer(keel, name, params, knowledge)
    except DomainError as exc:  # e.g. a restatement of a period never closed: the reason, and the controls
        status, _ = domain_problem(exc, api_path)  # the status the API answers with
        return show(request, visit, "report.html", status, problem=str(exc), table=None, **context)
    table = found.table()
    grouped = {spec.choice: by} if by else {}
    columns = [c.name for c in table.columns]
    context |= {
        "table": table,
        "kept": [(i, c) for i, c in enumerate(table.columns) if c.kind != "id"],
        "account_at": columns.index("account") if "account" in columns else None,
        "drill": _drill(dates, time),
        "proof": provenance(found, api_path, time, **grouped, **({"cursor": cursor} if cursor else {})),
        "next": time.query(**grouped, cursor=following) if (following := next_cursor(found)) else "",
    }
    return show(request, visit, "report.html", **context)


def _drill(dates: Mapping[str, date | None], time: Controls) -> str:
    """The URL query of an account's entries for this report's dates, as known at the same moment."""
    period = {"as_of": dates.get("as_of")} if "as_of" in dates else {"from": dates.get("from"), "to": dates.get("to")}
    given = {key: value.isoformat() for key, value in period.items() if value}
    if time.known_at:
        given["known_at"] = time.known_at
    return urlencode(given)
