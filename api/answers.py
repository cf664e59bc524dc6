"""Answers of the query layer as documents, the same on every surface.

HTTP routes and CLI commands parse their own syntax into ``Params``, then call ``answer`` and
render with ``json_document`` or ``csv_document``: the same function, so ``keel report X --format
json`` prints the very bytes ``GET /v1/reports/X`` sends. A document is the report's JSON shape
(its schema in ``api.schemas``) followed by its provenance: the log position it reflects, the
parameters it was answered for (resolved: ``as_of`` of today is a date), the versions of the read
models that answered, and a SHA-256 digest of the rest of the document (keys sorted, compact).
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Callable, Hashable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from decimal import Decimal
from functools import cache
from typing import TYPE_CHECKING, Any, overload

import orjson

from api import schemas  # gives each schema when first asked for: a report builds only its own
from ledger.errors import InvalidValue

if TYPE_CHECKING:  # imported where used: a `keel` command pays only for what it runs
    from fastapi import Request, Response
    from pydantic import BaseModel, TypeAdapter

    from api.report_cache import Kept
    from api.system import Keel
    from projections.queries import Answer, Params, Table

EARLIEST = datetime(1, 1, 1, tzinfo=UTC)
# What a report or list route declares it answers: its JSON schema, or CSV
JSON_OR_CSV: dict[int | str, dict[str, Any]] = {200: {"content": {"text/csv": {"schema": {"type": "string"}}}}}


# Modules the package does not re-export: imported by name, only for their own query.
def _fx_rates() -> type[BaseModel]:
    from api.schemas.fx import FxRate

    return schemas.Page[FxRate]


def _reminders() -> type[BaseModel]:
    from api.schemas.reminders import ReminderOut

    return schemas.Page[ReminderOut]


def _planned_costs() -> type[BaseModel]:
    from api.schemas.planned_costs import PlannedCost

    return schemas.page_of(PlannedCost)


def _sequence_results() -> type[BaseModel]:
    from api.schemas.sequences import SequenceResults

    return SequenceResults


def _recurring_invoices() -> type[BaseModel]:
    from api.schemas.recurring import RecurringInvoice

    return schemas.page_of(RecurringInvoice)


# The JSON shape of each query's answer, asked for when a query is answered (see ``schema_of``).
SCHEMAS: dict[str, Callable[[], type[BaseModel]]] = {
    "trial-balance": lambda: schemas.TrialBalance,
    "receivables": lambda: schemas.Receivables,
    "profit-and-loss": lambda: schemas.ProfitAndLoss,
    "balance-sheet": lambda: schemas.BalanceSheet,
    "ageing": lambda: schemas.Ageing,
    "ledger": lambda: schemas.AccountLedger,
    "tax-summary": lambda: schemas.TaxSummary,
    "restatement": lambda: schemas.Restatement,
    "cash-flow": lambda: schemas.CashFlowReport,
    "cash-forecast": lambda: schemas.CashForecast,
    "forecast-vs-actual": lambda: schemas.ForecastVsActual,
    "pipeline": lambda: schemas.PipelineReport,
    "conversion": lambda: schemas.ConversionReport,
    "win-rate": lambda: schemas.WinRateReport,
    "follow-ups": lambda: schemas.FollowUpsReport,
    "customer-360": lambda: schemas.Customer360,
    "margins": lambda: schemas.Margins,
    "budget-burn": lambda: schemas.BudgetBurn,
    "utilisation": lambda: schemas.Utilisation,
    "work-in-progress": lambda: schemas.WorkInProgress,
    "customers": lambda: schemas.Page[schemas.Customer],
    "invoices": lambda: schemas.Page[schemas.Invoice],
    "deals": lambda: schemas.page_of(schemas.DealState),
    "projects": lambda: schemas.Page[schemas.Project],
    "suppliers": lambda: schemas.Page[schemas.Supplier],
    "accounts": lambda: schemas.page_of(schemas.Account),
    "roles": lambda: schemas.page_of(schemas.RoleMapping),
    "fx-rates": _fx_rates,
    "bank-accounts": lambda: schemas.page_of(schemas.BankAccount),
    "bank-lines": lambda: schemas.page_of(schemas.BankLine),
    "reconciliation": lambda: schemas.BankReconciliation,
    "reminders": _reminders,
    "recurring-invoices": _recurring_invoices,
    "planned-costs": _planned_costs,
    "sequence-results": _sequence_results,
}


@cache
def schema_of(query: str) -> type[BaseModel]:
    """The JSON shape of a query's answer; its schema module is imported the first time."""
    return SCHEMAS[query]()


@dataclass(frozen=True)
class Knowledge:
    """What a ``known_at`` resolved to: the moment and the log position reached then."""

    moment: datetime
    position: int


@overload
def utc(moment: datetime) -> datetime: ...
@overload
def utc(moment: None) -> None: ...
def utc(moment: datetime | None) -> datetime | None:
    """A moment in UTC (one without an offset is taken as UTC); ``None`` stays ``None``."""
    if moment is None:
        return None
    try:
        return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    except OverflowError:
        raise InvalidValue(f"known_at {moment.isoformat()} is out of range") from None


def knowledge_of(keel: Keel, known_at: str | None) -> Knowledge | None:
    """``known_at`` as a moment (ISO 8601; UTC without an offset) or a log position (digits): the
    moment and the position reached then, so a whole transaction is known at once."""
    if known_at is None:
        return None
    text = known_at.strip()
    if text.isascii() and text.isdigit():  # only ASCII digits: "٣".isdigit() too, and int("٣") == 3
        position = int(text)
        head = keel.app.head_position()
        if position > head:
            raise InvalidValue(f"known_at position {position} is beyond the head of the log ({head})")
        if not position:
            return Knowledge(EARLIEST, 0)
        moment = keel.app.moment_of(position)
        if moment is None:
            raise InvalidValue(f"position {position} has no recorded time (written before the log kept one)")
        return Knowledge(moment, keel.app.position_at(moment))
    from pydantic import ValidationError

    try:
        parsed = _moment().validate_python(text)
    except ValidationError:
        raise InvalidValue(f"known_at must be an ISO 8601 moment or a log position, got {known_at!r}") from None
    moment = utc(parsed)
    return Knowledge(moment, keel.app.position_at(moment))


@cache
def _moment() -> TypeAdapter[datetime]:
    from pydantic import TypeAdapter

    return TypeAdapter(datetime)


class _Books:
    """What queries need of the system besides the read models."""

    def __init__(self, keel: Keel) -> None:
        self.keel = keel

    @property
    def functional_currency(self) -> str:
        return self.keel.functional_currency

    def closes(self) -> list[tuple[date, int, datetime]]:
        return self.keel.app.closes()


def answer(keel: Keel, name: str, params: Params, knowledge: Knowledge | None = None) -> Answer[Any]:
    """Ask a query by name; ``knowledge`` (from ``knowledge_of``) sets both time-axis fields."""
    from api.scenarios import scenarios
    from projections.queries import QUERIES, ask

    versions = {name: p.schema_version for name, p in keel.engine.projections.items()}
    scenario = params.filter("scenario")
    if scenario is not None:  # its branch, as known at its base (api.scenarios)
        if knowledge is not None:
            raise InvalidValue("known_at: a scenario answers as known at its base; rebase it to move that")
        with scenarios(keel).lease(scenario) as (found, views):
            params = replace(params, known_at=found.base_recorded_at, position=found.base_position)
            return ask(QUERIES[name], views, _Books(keel), params, keel.app.today(), versions)
    if knowledge is not None:
        params = replace(params, known_at=knowledge.moment, position=knowledge.position)
    return ask(QUERIES[name], keel.reads, _Books(keel), params, keel.app.today(), versions)


def document(found: Answer[Any]) -> dict[str, Any]:
    """The answer as its JSON document, provenance last (see the module's docstring)."""
    shaped = schema_of(found.query.name).model_validate(found.result, from_attributes=True)
    body: dict[str, Any] = shaped.model_dump(mode="json", by_alias=True)
    body.pop("provenance", None)
    canonical = json_bytes(body, sort_keys=True)
    body["provenance"] = {
        "position": found.position,
        "parameters": found.params.canonical(),
        "projections": dict(found.versions),
        "digest": "sha256:" + hashlib.sha256(canonical).hexdigest(),
    }
    return body


def json_document(found: Answer[Any]) -> bytes:
    """The bytes of the document, as HTTP sends them (compact, UTF-8)."""
    return json_bytes(document(found))


def json_bytes(value: Any, sort_keys: bool = False) -> bytes:
    """``json.dumps(value, separators=(",", ":"), ensure_ascii=False, allow_nan=False)`` as UTF-8,
    made by orjson (the same bytes for a document's values, a tenth of the time); the standard
    library for what orjson refuses (an integer past 64 bits). Documents hold no floats (money,
    rates and dates are strings by then), where the two would differ (``1e-07``, NaN)."""
    try:
        return orjson.dumps(value, option=orjson.OPT_SORT_KEYS if sort_keys else 0)
    except TypeError:
        text = json.dumps(value, sort_keys=sort_keys, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
        return text.encode()


def plain(value: Any) -> str:
    """A cell as CSV (and the table, before grouping digits) shows it: no ``None``, no ``True``."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return str(value)


def csv_document(table: Table) -> bytes:
    """A header line with the column names, then one line per row (totals are the table's, not CSV's)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([c.name for c in table.columns])
    writer.writerows([[plain(cell) for cell in row] for row in table.rows])
    return buffer.getvalue().encode()


def next_cursor(found: Answer[Any]) -> str | None:
    """The cursor of the next page, for paged answers that have one."""
    following = getattr(found.result, "next_cursor", None)
    return following if isinstance(following, str) else None


def wants_csv(request: Request) -> bool:
    """``?format=csv``, or an ``Accept`` header that prefers text/csv to JSON."""
    asked = request.query_params.get("format")
    if asked is not None:
        return asked == "csv"
    accept = request.headers.get("accept", "")
    return "text/csv" in accept and "application/json" not in accept


async def respond(request: Request, keel: Keel, name: str, params: Params) -> Response:
    """An HTTP answer to a query: JSON with provenance (its digest the ETag), or CSV (its SHA-256
    the ETag); 304 when ``If-None-Match`` names it. Kept answers are sent from ``keel.reports``
    (``api.report_cache``): the key is made on the event loop, and a worker thread is taken only
    to make an answer not kept."""
    from fastapi import Response
    from starlette.concurrency import run_in_threadpool

    from api.report_cache import matches

    knowledge: Knowledge | None = getattr(request.state, "knowledge", None)
    as_csv = wants_csv(request)
    scenario = params.filter("scenario")
    if scenario is not None:  # its answers change only with it: its revision is the stamp
        from api.scenarios import scenarios

        found = await run_in_threadpool(scenarios(keel).stamp, scenario)
        stamp: Hashable = ("scenario", found.id, found.revision)
    else:
        stamp = await _stamp(keel, name, knowledge)

    async def make() -> tuple[Kept, bool]:
        kept = await run_in_threadpool(_kept, keel, name, params, knowledge, as_csv)
        # Known at a moment, the answer never changes; else only if the read models did not move
        # while it was made (then its snapshot saw them where the key says).
        return kept, knowledge is not None or scenario is not None or await _stamp(keel, name, None) == stamp

    key = (name, as_csv, params, keel.app.today(), stamp)
    kept = await keel.reports.answer(key, make)
    headers = {"ETag": kept.etag, "Vary": "Accept"}  # JSON or CSV by Accept: a cache keeps them apart
    if matches(request.headers.get("if-none-match"), kept.etag):
        return Response(status_code=304, headers=headers)
    return Response(kept.body, media_type=kept.media_type, headers=headers | dict(kept.headers))


async def _stamp(keel: Keel, name: str, knowledge: Knowledge | None) -> Hashable:
    """What, besides its parameters, fixes a query's answer: the moment it is known at, or the
    versions and positions of the read models it reads."""
    from projections.queries import QUERIES

    if knowledge is not None:
        return knowledge
    reads = sorted(QUERIES[name].reads)
    progress = await keel.engine.progress_now()
    projections = keel.engine.projections
    return tuple((n, projections[n].schema_version, progress.get(n, (0, None))[0]) for n in reads)


def _kept(keel: Keel, name: str, params: Params, knowledge: Knowledge | None, as_csv: bool) -> Kept:
    from api.report_cache import Kept

    found = answer(keel, name, params, knowledge)
    if as_csv:
        body = csv_document(found.table())
        headers = [("Content-Disposition", f'inline; filename="{name}.csv"')]
        following = next_cursor(found)
        if following:  # CSV has no room for it: the next page's cursor travels as a header
            headers.append(("X-Next-Cursor", following))
        etag = f'"sha256:{hashlib.sha256(body).hexdigest()}"'
        return Kept(body, "text/csv; charset=utf-8", etag, tuple(headers))
    shaped = document(found)
    return Kept(json_bytes(shaped), "application/json", f'"{shaped["provenance"]["digest"]}"')
