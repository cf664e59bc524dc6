"""CRM lists as they stand now: leads, activities, contacts and the pipeline's stages."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from projections.engine.db import ViewDatabase
from projections.engine.pages import Page, fetch_page
from projections.engine.sql import Row, as_date


@dataclass(frozen=True)
class LeadView:
    id: str
    name: str
    company: str
    email: str
    source: str
    owner: str
    status: str
    captured_on: date
    customer_id: str | None
    deal_id: str | None
    reason: str | None


_LEAD = "id, name, company, email, source, owner, status, captured_on, customer_id, deal_id, reason"


def _lead(r: Row) -> LeadView:
    captured = as_date(r[7])
    assert captured is not None
    return LeadView(str(r[0]), r[1], r[2], r[3], r[4], r[5], r[6], captured, r[8], r[9], r[10])


def list_leads(
    db: ViewDatabase,
    status: str | None = None,
    owner: str | None = None,
    source: str | None = None,
    cursor: str | None = None,
    limit: int = 100,
) -> Page[LeadView]:
    where: list[str] = []
    params: list[object] = []
    for column, value in (("status", status), ("owner", owner), ("source", source)):
        if value:
            where.append(f"{column} = %s")
            params.append(value)
    with db.read() as cur:
        select = f"SELECT {_LEAD}, captured_on, id FROM leads"
        return fetch_page(cur, select, ["captured_on", "id"], where, params, cursor, limit, _lead)


def get_lead(db: ViewDatabase, lead_id: str) -> LeadView | None:
    with db.read() as cur:
        cur.execute(f"SELECT {_LEAD} FROM leads WHERE id = %s", (lead_id,))
        row = cur.fetchone()
    return _lead(row) if row else None


@dataclass(frozen=True)
class ActivityView:
    id: str
    kind: str
    about_kind: str
    about_id: str
    subject: str
    body: str
    actor: str
    on: date


_ACTIVITY = "id, kind, about_kind, about_id, subject, body, actor, effective_date"


def _activity(r: Row) -> ActivityView:
    on = as_date(r[7])
    assert on is not None
    return ActivityView(str(r[0]), r[1], r[2], str(r[3]), r[4], r[5], r[6], on)


def list_activities(
    db: ViewDatabase,
    about_id: str | None = None,
    kind: str | None = None,
    actor: str | None = None,
    cursor: str | None = None,
    limit: int = 100,
) -> Page[ActivityView]:
    where: list[str] = []
    params: list[object] = []
    for column, value in (("about_id", about_id), ("kind", kind), ("actor", actor)):
        if value:
            where.append(f"{column} = %s")
            params.append(value)
    with db.read() as cur:
        select = f"SELECT {_ACTIVITY}, effective_date, id FROM activities"
        return fetch_page(cur, select, ["effective_date", "id"], where, params, cursor, limit, _activity)


@dataclass(frozen=True)
class ContactView:
    contact_id: str
    name: str
    email: str
    phone: str
    role: str
    active: bool


def list_contacts(db: ViewDatabase, customer_id: str, include_removed: bool = False) -> list[ContactView]:
    """A customer's contacts (a handful each: not paginated)."""
    active = "" if include_removed else " AND active"
    with db.read() as cur:
        cur.execute(
            "SELECT contact_id, name, email, phone, role, active FROM contacts"
            f" WHERE customer_id = %s{active} ORDER BY name, contact_id",
            (customer_id,),
        )
        return [ContactView(str(r[0]), r[1], r[2], r[3], r[4], bool(r[5])) for r in cur.fetchall()]


@dataclass(frozen=True)
class StageView:
    key: str
    name: str
    probability: Decimal
    order: int


def pipeline_stages(db: ViewDatabase) -> list[StageView]:
    with db.read() as cur:
        cur.execute("SELECT key, name, probability, ord FROM pipeline_stages ORDER BY ord")
        return [StageView(r[0], r[1], Decimal(r[2]), int(r[3])) for r in cur.fetchall()]


def deal_versions(db: ViewDatabase, deal_ids: list[str]) -> dict[str, int]:
    """The version each deal's aggregate is at, as the read model last folded it: what a client
    sends back as ``If-Match`` when it acts on a deal it shows (the pipeline board's cards)."""
    if not deal_ids:
        return {}
    marks = ", ".join(["%s"] * len(deal_ids))
    with db.read() as cur:
        cur.execute(f"SELECT id, version FROM deals WHERE id IN ({marks})", deal_ids)
        return {str(r[0]): int(r[1]) for r in cur.fetchall()}
