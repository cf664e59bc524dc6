"""``keel customers list``, ``keel invoices list`` …: the lists a person searches, by name rather
than by id, as thin adapters over the query layer (``--format json`` prints what HTTP sends)."""

from __future__ import annotations

from typing import Annotated

import typer

from api.cli.base import app, customers_app, deals_app, invoices_app, keel_system, projects_app
from api.cli.entry_base import find_customer
from api.cli.output import Format
from api.cli.reports import AsOf, Cursor, Fmt, KnownAt, Limit, dates, report

suppliers_app = typer.Typer(help="Suppliers: who the business buys from.", no_args_is_help=True)
app.add_typer(suppliers_app, name="suppliers")

Name = Annotated[str | None, typer.Option("--name", metavar="TEXT", help="Part of the name, any case.")]
Customer = Annotated[
    str | None, typer.Option("--customer", metavar="NAME", help="Only this customer's (a name, part of it, or id).")
]


def _customer(text: str | None) -> str | None:
    """The id of the customer a person named, or None when they named none."""
    if text is None:
        return None
    from api.cli.base import catch_up

    with keel_system(reading=True) as keel:
        catch_up(keel)
        return find_customer(keel, text).id


@customers_app.command("list")
def customers_list(
    as_of: AsOf = None,
    known_at: KnownAt = None,
    name: Name = None,
    limit: Limit = None,
    cursor: Cursor = None,
    fmt: Fmt = Format.table,
) -> None:
    """Customers by name as they stood on --as-of as known at --known-at (merged duplicates left out)."""
    from projections.queries import Params, named

    params = Params(as_of=dates(as_of).as_of, filters=named(name=name), limit=limit, cursor=cursor)
    report("customers", params, known_at, fmt)


@invoices_app.command("list")
def invoices_list(
    as_of: AsOf = None,
    known_at: KnownAt = None,
    customer: Customer = None,
    status: Annotated[str | None, typer.Option("--status", metavar="draft|issued|voided")] = None,
    limit: Limit = None,
    cursor: Cursor = None,
    fmt: Fmt = Format.table,
) -> None:
    """Invoices as they stood on --as-of as known at --known-at, by draft date, with their customer,
    due date and what was still owed then."""
    from projections.queries import Params, named

    filters = named(customer=_customer(customer), status=status)
    params = Params(as_of=dates(as_of).as_of, filters=filters, limit=limit, cursor=cursor)
    report("invoices", params, known_at, fmt)


@deals_app.command("list")
def deals_list(
    as_of: AsOf = None,
    known_at: KnownAt = None,
    customer: Customer = None,
    status: Annotated[str | None, typer.Option("--status", metavar="open|won|lost")] = None,
    owner: Annotated[str | None, typer.Option("--owner", metavar="OWNER")] = None,
    limit: Limit = None,
    cursor: Cursor = None,
    fmt: Fmt = Format.table,
) -> None:
    """Every deal as it stood on --as-of as known at --known-at, by the day it was opened."""
    from projections.queries import Params, named

    filters = named(customer=_customer(customer), status=status, owner=owner)
    params = Params(as_of=dates(as_of).as_of, filters=filters, limit=limit, cursor=cursor)
    report("deals", params, known_at, fmt)


@projects_app.command("list")
def projects_list(
    as_of: AsOf = None,
    known_at: KnownAt = None,
    customer: Customer = None,
    status: Annotated[str | None, typer.Option("--status", metavar="draft|active|closed")] = None,
    limit: Limit = None,
    cursor: Cursor = None,
    fmt: Fmt = Format.table,
) -> None:
    """Projects as they stood on --as-of as known at --known-at, by the day they were drafted, with
    their customer, billing and budget."""
    from projections.queries import Params, named

    filters = named(customer=_customer(customer), status=status)
    params = Params(as_of=dates(as_of).as_of, filters=filters, limit=limit, cursor=cursor)
    report("projects", params, known_at, fmt)


@suppliers_app.command("list")
def suppliers_list(
    as_of: AsOf = None,
    known_at: KnownAt = None,
    name: Name = None,
    limit: Limit = None,
    cursor: Cursor = None,
    fmt: Fmt = Format.table,
) -> None:
    """Suppliers registered by --as-of as known at --known-at, by name."""
    from projections.queries import Params, named

    params = Params(as_of=dates(as_of).as_of, filters=named(name=name), limit=limit, cursor=cursor)
    report("suppliers", params, known_at, fmt)
