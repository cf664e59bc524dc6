"""The lists a person searches before acting — customers, invoices, deals, projects, suppliers — as
queries: a page at a time, filtered by name, customer or status, with names instead of ids. Each
is answered as of a date (today by default) as known at a moment, the customers' names too."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from ledger.errors import InvalidValue
from projections.crm.reports import DealState, list_deals
from projections.delivery.lists import ProjectView, list_projects
from projections.engine.db import ViewDatabase
from projections.engine.sql import Cursor
from projections.finance.ledger_lists import SupplierView, list_suppliers
from projections.finance.lists import CustomerView, InvoiceView, customer_names, list_customers, list_invoices
from projections.queries.core import Books, Params, Query, Table, columns
from projections.queries.finance import page_notes

T = TypeVar("T")


@dataclass(frozen=True)
class Listing(Generic[T]):
    """One page of a list, the log position its read models had reached, and the names of the
    customers its items refer to (for people; the JSON carries ids)."""

    items: list[T]
    next_cursor: str | None
    position: int
    customer_names: dict[str, str] = field(default_factory=dict)


def reached(cur: Cursor, *read_models: str) -> int:
    """How far the slowest of these read models has folded the log."""
    marks = ", ".join(["%s"] * len(read_models))
    cur.execute(f"SELECT MIN(position) FROM keel_tracking WHERE projection IN ({marks})", list(read_models))
    row = cur.fetchone()
    return int(row[0]) if row and row[0] is not None else 0


def _names(views: ViewDatabase, ids: set[str], p: Params, *read_models: str) -> tuple[dict[str, str], int]:
    """The customers' names as of ``p.as_of`` as known at ``p.known_at`` (a customer registered
    after the date: its first name as known then), and how far the read models have come."""
    with views.read() as cur:
        position = reached(cur, *read_models)
        if not ids or p.as_of is None:
            return {}, position
        names = customer_names(cur, sorted(ids), p.as_of, p.known_at)
        return names, position


def _status(p: Params, *allowed: str) -> str | None:
    status = p.filter("status")
    if status is not None and status not in allowed:
        raise InvalidValue(f"status: one of {', '.join(allowed)}, not {status!r}")
    return status


def _limit(p: Params) -> int:
    assert p.limit is not None
    return p.limit


def _customers(views: ViewDatabase, _: Books, p: Params) -> Listing[CustomerView]:
    assert p.as_of is not None
    page = list_customers(views, p.as_of, p.known_at, p.filter("name"), p.cursor, _limit(p))
    return Listing(page.items, page.next_cursor, _names(views, set(), p, "customers")[1])


def _customers_table(found: Listing[CustomerView], p: Params) -> Table:
    return Table(
        "Customers",
        columns("name", "currency", "terms_days:number", "registered_on:date", "id:id"),
        [[c.name, c.currency, c.payment_terms_days, c.registered_on, c.id] for c in found.items],
        (),
        [*_as_known(p), *page_notes(len(found.items), found.next_cursor)[1:]],
    )


def _as_known(p: Params) -> list[tuple[str, str]]:
    """The notes of a list answered as of a date, as known at a moment."""
    return [
        ("as of", p.as_of.isoformat() if p.as_of else ""),
        ("known at", p.known_at.isoformat() if p.known_at else "now"),
    ]


def _invoices(views: ViewDatabase, _: Books, p: Params) -> Listing[InvoiceView]:
    status = _status(p, "draft", "issued", "voided")
    assert p.as_of is not None
    page = list_invoices(views, p.as_of, p.known_at, p.filter("customer"), status, p.cursor, _limit(p))
    names, position = _names(views, {i.customer_id for i in page.items}, p, "invoices", "customers")
    return Listing(page.items, page.next_cursor, position, names)


def _invoices_table(found: Listing[InvoiceView], p: Params) -> Table:
    return Table(
        "Invoices",
        columns(
            "number:key",
            "customer",
            "state",
            "issue_date:date",
            "due_date:date",
            "currency",
            "total:amount",
            "outstanding:amount",
        ),
        [
            [
                i.number or f"(draft {i.id[:8]})",
                found.customer_names.get(i.customer_id, i.customer_id),
                i.payment_state,
                i.issue_date,
                i.due_date,
                i.currency,
                i.total,
                i.outstanding,
            ]
            for i in found.items
        ],
        (),
        [*_as_known(p), *page_notes(len(found.items), found.next_cursor)[1:]],
    )


def _deals(views: ViewDatabase, _: Books, p: Params) -> Listing[DealState]:
    status = _status(p, "open", "won", "lost")
    assert p.as_of is not None
    customer, owner, stage = p.filter("customer"), p.filter("owner"), p.filter("stage")
    page = list_deals(views, p.as_of, p.known_at, customer, status, owner, p.cursor, _limit(p), stage)
    names, position = _names(views, {d.customer_id for d in page.items}, p, "crm", "customers")
    return Listing(page.items, page.next_cursor, position, names)


def _deals_table(found: Listing[DealState], p: Params) -> Table:
    return Table(
        "Deals",
        columns(
            "title",
            "customer",
            "owner",
            "stage",
            "status",
            "expected_close:date",
            "currency",
            "value:amount",
            "weighted:amount",
        ),
        [
            [
                d.title,
                found.customer_names.get(d.customer_id, d.customer_id),
                d.owner,
                d.stage,
                d.status,
                d.expected_close,
                d.currency,
                d.value,
                d.weighted,
            ]
            for d in found.items
        ],
        (),
        [*_as_known(p), *page_notes(len(found.items), found.next_cursor)[1:]],
    )


def _projects(views: ViewDatabase, _: Books, p: Params) -> Listing[ProjectView]:
    status = _status(p, "draft", "active", "closed")
    assert p.as_of is not None
    page = list_projects(views, p.as_of, p.known_at, p.filter("customer"), status, p.cursor, _limit(p))
    names, position = _names(views, {x.customer_id for x in page.items}, p, "work", "customers")
    return Listing(page.items, page.next_cursor, position, names)


def _projects_table(found: Listing[ProjectView], p: Params) -> Table:
    return Table(
        "Projects",
        columns(
            "name",
            "customer",
            "status",
            "billing",
            "start_date:date",
            "end_date:date",
            "budget_hours:number",
            "currency",
            "budget:amount",
        ),
        [
            [
                x.name,
                found.customer_names.get(x.customer_id, x.customer_id),
                x.status,
                x.billing_model,
                x.start_date,
                x.end_date,
                x.budget_hours,
                x.currency,
                x.budget,
            ]
            for x in found.items
        ],
        (),
        [*_as_known(p), *page_notes(len(found.items), found.next_cursor)[1:]],
    )


def _suppliers(views: ViewDatabase, _: Books, p: Params) -> Listing[SupplierView]:
    assert p.as_of is not None
    page = list_suppliers(views, p.as_of, p.known_at, p.filter("name"), p.cursor, _limit(p))
    return Listing(page.items, page.next_cursor, _names(views, set(), p, "documents")[1])


def _suppliers_table(found: Listing[SupplierView], p: Params) -> Table:
    return Table(
        "Suppliers",
        columns("name", "id:id"),
        [[s.name, s.id] for s in found.items],
        (),
        [*_as_known(p), *page_notes(len(found.items), found.next_cursor)[1:]],
    )


LISTS: list[Query[Any]] = [
    Query("customers", ("customers",), _customers, _customers_table, paged=True),
    Query("invoices", ("invoices", "customers"), _invoices, _invoices_table, paged=True),
    Query("deals", ("crm", "customers"), _deals, _deals_table, paged=True),
    Query("projects", ("work", "customers"), _projects, _projects_table, paged=True),
    Query("suppliers", ("documents",), _suppliers, _suppliers_table, paged=True),
]
