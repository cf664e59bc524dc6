"""What-if scenarios in the web app (issue 23, ADR 0066): the list, and a scenario's page — its
cash forecast beside the books' as known at its base (bars per period, the difference in a table:
``GET /v1/reports/cash-forecast/compare``, the same answer) and its assumptions, with a form that
adds one (the API's ``AssumptionIn``: a refusal is shown beside its field, nothing saved),
rebase and drop. Reading needs ``read:finance``, changing ``write:finance``, as over the API.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Form, Path, Query, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError

from api.scenario_answers import compared
from api.scenarios import scenarios
from api.schemas.scenarios import AssumptionIn, NewScenarioBody
from api.web.charts import bars
from api.web.customer_360 import Csrf, Field, Short
from api.web.forms import Outcome, refused
from api.web.render import show
from api.web.visits import Visit, Visitor, checked_form, keel_of
from ledger.access import READ_FINANCE, WRITE_FINANCE
from ledger.errors import DomainError
from projections.queries import Params

router = APIRouter(include_in_schema=False)
# issued invoices with something open: the ones a write-off would change
_OPEN_INVOICES = "SELECT id, number FROM invoices WHERE status = 'issued' AND number IS NOT NULL ORDER BY number"
Name = Annotated[str, Path(pattern=r"^[a-z0-9][a-z0-9-]{0,62}$")]
KINDS = (
    ("hire", "Hire (monthly cost from a date)"),
    ("recurring_cost", "Recurring cost (monthly from a date)"),
    ("payment_delay", "A customer pays later"),
    ("lose_deal", "Lose a deal"),
    ("win_deal", "Win a deal (certain, closing on a date)"),
    ("slip_deal", "A deal slips (new expected close)"),
    ("write_off", "An invoice is never paid (written off)"),
    ("leaver", "Someone leaves (a planned cost ends)"),
    ("retainer_price", "A retainer's fee changes (from a month)"),
)


@router.get("/scenarios")
def scenario_list(request: Request, visit: Visitor) -> Response:
    visit.require(READ_FINANCE, "Scenarios")
    return _list(request, visit)


@router.post("/scenarios")
def new_scenario(request: Request, visit: Visitor, csrf: Csrf = "", name: Short = "", on: Short = "") -> Response:
    """``POST /v1/scenarios``; the scenario's page after it."""
    checked_form(request, visit, csrf)
    visit.require(WRITE_FINANCE, "Making a scenario")
    keel = keel_of(request)
    try:
        body = NewScenarioBody.model_validate({"name": name, "on": on or None})
        scenarios(keel).create(body.name, body.on, visit.meta().actor)
    except (ValidationError, DomainError) as exc:
        return _list(request, visit, refused(exc, "/v1/scenarios"), {"name": name, "on": on})
    return RedirectResponse(f"/scenarios/{body.name}", status_code=303)


@router.get("/scenarios/{name}")
def scenario_page(
    request: Request,
    visit: Visitor,
    name: Name,
    as_of: Annotated[date | None, Query()] = None,
    to: Annotated[date | None, Query()] = None,
) -> Response:
    visit.require(READ_FINANCE, "A scenario")
    return _page(request, visit, name, as_of, to)


@router.post("/scenarios/{name}/assumptions")
def add_assumption(
    request: Request,
    visit: Visitor,
    name: Name,
    csrf: Csrf = "",
    kind: Short = "",
    label: Field = "",
    monthly_cost: Short = "",
    start: Annotated[str, Form(alias="from", max_length=40)] = "",
    until: Short = "",
    customer_id: Short = "",
    days: Short = "",
    deal_id: Short = "",
    on: Short = "",
    to: Short = "",
    invoice_id: Short = "",
    planned_cost_id: Short = "",
    project_id: Short = "",
    monthly_fee: Short = "",
) -> Response:
    """``POST /v1/scenarios/{name}/assumptions`` with one assumption; the page again after it."""
    checked_form(request, visit, csrf)
    visit.require(WRITE_FINANCE, "Changing a scenario")
    fields: dict[str, Any] = {"kind": kind, "name": label, "monthly_cost": monthly_cost, "from": start, "until": until}
    fields |= {"customer_id": customer_id, "days": _number(days), "deal_id": deal_id, "on": on, "to": to}
    fields |= {"invoice_id": invoice_id, "planned_cost_id": planned_cost_id}
    fields |= {"project_id": project_id, "monthly_fee": monthly_fee}
    sent = {k: v for k, v in fields.items() if v not in ("", None)}
    try:
        assumption = AssumptionIn.model_validate(sent).to_assumption()
        scenarios(keel_of(request)).add(name, [assumption])
    except (ValidationError, DomainError) as exc:
        kept = {**{k: str(v) for k, v in fields.items() if v is not None}, "label": label}
        return _page(request, visit, name, None, None, refused(exc, f"/v1/scenarios/{name}/assumptions"), kept)
    return RedirectResponse(f"/scenarios/{name}", status_code=303)


@router.post("/scenarios/{name}/rebase")
def rebase(request: Request, visit: Visitor, name: Name, csrf: Csrf = "") -> Response:
    checked_form(request, visit, csrf)
    visit.require(WRITE_FINANCE, "Changing a scenario")
    try:
        changed = scenarios(keel_of(request)).rebase(name)
    except DomainError as exc:
        return _page(request, visit, name, None, None, refused(exc, f"/v1/scenarios/{name}/rebase"))
    dropped = [f"{d.assumption.describe()}: {d.why} ({d.detail})" for d in changed.dropped]
    return _page(request, visit, name, None, None, done=["Rebased on the head of the log.", *dropped])


@router.post("/scenarios/{name}/drop")
def drop(request: Request, visit: Visitor, name: Name, csrf: Csrf = "") -> Response:
    checked_form(request, visit, csrf)
    visit.require(WRITE_FINANCE, "Dropping a scenario")
    try:
        scenarios(keel_of(request)).drop(name)
    except DomainError as exc:
        return _list(request, visit, refused(exc, f"/v1/scenarios/{name}"))
    return RedirectResponse("/scenarios", status_code=303)


def _list(
    request: Request, visit: Visit, outcome: Outcome | None = None, kept: dict[str, str] | None = None
) -> Response:
    keel = keel_of(request)
    found, head = scenarios(keel).all(), keel.app.head_position()
    return show(
        request,
        visit,
        "scenarios.html",
        outcome.status if outcome else 200,
        title="Scenarios",
        scenarios=found,
        head=head,
        can_change=visit.can(WRITE_FINANCE),
        outcome=outcome,
        errors=outcome.errors if outcome else {},
        kept=kept or {},
    )


def _page(
    request: Request,
    visit: Visit,
    name: str,
    as_of: date | None,
    to: date | None,
    outcome: Outcome | None = None,
    kept: dict[str, str] | None = None,
    done: list[str] | None = None,
) -> Response:
    keel = keel_of(request)
    s = scenarios(keel).get(name)
    as_of = as_of or keel.app.today()
    to = to or as_of + timedelta(days=182)
    params = Params(as_of=as_of, end=to, by="month", limit=0, filters=(("scenario", name),))
    try:
        found = compared(keel, "cash-forecast", params, "base")
    except DomainError as exc:
        outcome = outcome or refused(exc, "/v1/reports/cash-forecast/compare")
        found = None
    return show(
        request,
        visit,
        "scenario.html",
        outcome.status if outcome else 200,
        title=f"Scenario {name}",
        scenario=s,
        head=keel.app.head_position(),
        as_of=as_of,
        to=to,
        chart=_chart(found, name) if found else None,
        currency=keel.functional_currency,
        periods=_periods(found) if found else [],
        kinds=KINDS,
        customers=_choices(keel, "SELECT id, name FROM customers WHERE merged_into IS NULL ORDER BY name"),
        deals=_choices(keel, "SELECT id, title FROM deals WHERE status = 'open' ORDER BY title"),
        invoices=_choices(keel, _OPEN_INVOICES),
        planned=_choices(keel, "SELECT DISTINCT cost_id, name FROM planned_costs ORDER BY name"),
        retainers=_choices(
            keel, "SELECT id, name FROM work_projects WHERE model = 'retainer' AND status <> 'closed' ORDER BY name"
        ),
        can_change=visit.can(WRITE_FINANCE),
        outcome=outcome,
        errors=outcome.errors if outcome else {},
        kept=kept or {},
        done=done or [],
    )


def _chart(found: dict[str, Any], name: str) -> Any:
    base, mine = found["base"]["periods"], found["with_scenario"]["periods"]
    groups = [
        (date.fromisoformat(b["start"]).strftime("%b %Y"), (_net(b), _net(m))) for b, m in zip(base, mine, strict=True)
    ]
    currency = found["base"]["scope"]["currency"]
    return bars(f"Cash forecast, net per month: the books and {name}", currency, ("books", "scenario"), groups)


def _periods(found: dict[str, Any]) -> list[dict[str, Any]]:
    rows = []
    for b, m, d in zip(found["base"]["periods"], found["with_scenario"]["periods"], found["difference"], strict=True):
        closing = (Decimal(b["closing"]), Decimal(m["closing"]))
        rows.append({"start": b["start"], "books": _net(b), "scenario": _net(m), "difference": Decimal(d["net"])})
        rows[-1] |= {"closing_books": closing[0], "closing_scenario": closing[1]}
    return rows


def _net(period: dict[str, Any]) -> Decimal:
    return Decimal(period["inflow"]) - Decimal(period["outflow"])


def _choices(keel: Any, sql: str) -> list[tuple[str, str]]:
    with keel.views.read() as cur:
        cur.execute(sql + " LIMIT 500")
        return [(str(i), str(label)) for i, label in cur.fetchall()]


def _number(text: str) -> int | str | None:
    try:
        return int(text.strip()) if text.strip() else None
    except ValueError:
        return text  # the schema refuses it, naming the field
