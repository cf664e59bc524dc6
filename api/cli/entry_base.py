"""What the data-entry commands share: the request body the HTTP route takes, built from options
(a refused value is one line naming the option), records found by what a person knows of them (a
name, a number, a handle; never a pasted UUID, though one still works), and the line that says
what was recorded."""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any, TypeVar
from uuid import UUID

import typer

from api import schemas
from api.cli.base import fail

if TYPE_CHECKING:
    from api.system import Keel
    from ledger.money import Money

B = TypeVar("B", bound="schemas.Body")  # a string: naming it imports no schema module
T = TypeVar("T")


def refuse(option: str, message: str) -> typer.Exit:
    """One line on stderr, exit 1. Nothing was written: every check runs before the command."""
    return fail(f"{option}: {message}")


def said(line: str) -> None:
    """The one line that says what was recorded (plain text: no markup, no wrapping)."""
    sys.stdout.write(line + "\n")


def short(some_id: UUID | str) -> str:
    """The first 8 hex digits of an id: enough to find a draft or a claim again."""
    return str(some_id)[:8]


def money(value: Money) -> str:
    return f"{value.amount:,} {value.currency}"


def amount(value: Decimal, currency: str) -> str:
    from ledger.money import Money

    return money(Money(value, currency))


# -- request bodies ----------------------------------------------------------------------


def _option(loc: Sequence[Any], options: Mapping[str, str]) -> str:
    """The option a pydantic location came from: ``lines.1.tax_rate`` -> ``--line 2 (tax rate)``."""
    head = str(loc[0]) if loc else ""
    name = options.get(head, "--" + head.replace("_", "-"))
    if len(loc) > 1 and isinstance(loc[1], int):
        name = f"{name} {loc[1] + 1}"
        if len(loc) > 2:
            name += f" ({str(loc[2]).replace('_', ' ')})"
    return name


def body_of(model: type[B], options: Mapping[str, str], **fields: Any) -> B:
    """The request body the HTTP route takes, checked by the same rules (the input policy). Fields
    left out (None) take the body's defaults, as in a JSON request that omits them."""
    from pydantic import ValidationError

    from api.schemas.explained import explain

    try:
        return model.model_validate({k: v for k, v in fields.items() if v is not None})
    except ValidationError as exc:
        first = exc.errors()[0]
        text = explain(first)
        field, colon, rest = text.partition(": ")
        if not first["loc"] and colon and field in options:  # the whole body's check, naming its field
            raise refuse(options[field], rest) from None
        raise refuse(_option(first["loc"], options), text) from None


def as_options(options: Mapping[str, str], call: Callable[..., T], *args: Any) -> T:
    """``call``; a domain refusal naming a field (``from: …``) is said naming the option that
    gave it (``--from``), as a refused body is."""
    from ledger.errors import DomainError

    try:
        return call(*args)
    except DomainError as exc:
        field, colon, rest = str(exc).partition(": ")
        if colon and field in options:
            raise refuse(options[field], rest) from None
        raise


# -- finding records ---------------------------------------------------------------------


@dataclass(frozen=True)
class Found:
    id: str
    label: str  # how it is shown among candidates
    keys: tuple[str, ...]  # the texts a person may type: a name, a number, a handle


_ID_PREFIX = re.compile(r"[0-9a-f]{8}[0-9a-f-]{0,28}")


def pick(option: str, kind: str, text: str, rows: Sequence[Found], listing: str, by_id: bool = True) -> Found:
    """The record ``text`` names: an exact key (any case) wins, then an id or its first 8+ hex
    digits, then the one key that contains it; several are listed (up to 5), none says how to list them."""
    wanted = text.strip().casefold()
    if not wanted:
        raise refuse(option, f"name a {kind}")
    exact = [r for r in rows if any(k.casefold() == wanted for k in r.keys if k)]
    ids = [r for r in rows if r.id.startswith(wanted)] if by_id and _ID_PREFIX.fullmatch(wanted) else []
    partial = [r for r in rows if any(wanted in k.casefold() for k in r.keys if k)]
    for group in (exact, ids, partial):
        if len(group) == 1:
            return group[0]
        if group:
            shown = ", ".join(r.label for r in group[:5]) + (f" and {len(group) - 5} more" if len(group) > 5 else "")
            raise refuse(option, f"{text!r} matches {len(group)} {kind}s: {shown}; say which")
    raise refuse(option, f"no {kind} matches {text!r}; {listing}")


def _rows(keel: Keel, sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
    with keel.views.read() as cur:
        cur.execute(sql + " LIMIT 1000", params)
        return [tuple(r) for r in cur.fetchall()]


def _like(text: str) -> tuple[str, str]:
    """A prefilter for the database (any part, lower case; ``pick`` decides) and an id prefix."""
    wanted = text.strip().lower()
    return f"%{wanted}%", f"{wanted}%"


def find_customer(keel: Keel, text: str, option: str = "--customer") -> Found:
    part, prefix = _like(text)
    rows = _rows(
        keel,
        "SELECT id, name FROM customers WHERE merged_into IS NULL AND (LOWER(name) LIKE %s OR id LIKE %s)"
        " ORDER BY name, id",
        (part, prefix),
    )
    found = [Found(str(i), f"{name} ({short(i)})", (name,)) for i, name in rows]
    return pick(option, "customer", text, found, "`keel customers list` shows them")


def find_invoice(keel: Keel, text: str, option: str, customer_id: str | None = None) -> Found:
    """By number (INV-2026-0042, or its distinct end: 0042) or, for a draft, by its id's first digits."""
    part, prefix = _like(text)
    where = "(LOWER(i.number) LIKE %s OR i.id LIKE %s)"
    params: list[Any] = [part, prefix]
    if customer_id:
        where += " AND i.customer_id = %s"
        params.append(customer_id)
    rows = _rows(
        keel,
        "SELECT i.id, i.number, i.status, c.name FROM invoices i LEFT JOIN customers c ON c.id = i.customer_id"
        f" WHERE {where} ORDER BY i.drafted_on, i.id",
        params,
    )
    found = [
        Found(str(i), f"{number or 'draft ' + short(i)} ({name or '?'}, {status})", (number or "",))
        for i, number, status, name in rows
    ]
    return pick(option, "invoice", text, found, "`keel invoices list` shows them")


def find_project(keel: Keel, text: str, option: str = "--project") -> Found:
    part, prefix = _like(text)
    rows = _rows(
        keel,
        "SELECT p.id, p.name, c.name FROM work_projects p LEFT JOIN customers c ON c.id = p.customer_id"
        " WHERE LOWER(p.name) LIKE %s OR p.id LIKE %s ORDER BY p.name, p.id",
        (part, prefix),
    )
    found = [Found(str(i), f"{name} ({customer or '?'}, {short(i)})", (name,)) for i, name, customer in rows]
    return pick(option, "project", text, found, "`keel projects list` shows them")


def find_person(keel: Keel, text: str, option: str = "--person") -> Found:
    """By handle or name; the record's id is its handle."""
    part, _ = _like(text)
    rows = _rows(
        keel,
        "SELECT handle, name FROM people WHERE LOWER(handle) LIKE %s OR LOWER(name) LIKE %s ORDER BY handle",
        (part, part),
    )
    found = [Found(handle, f"{handle} ({name})", (handle, name)) for handle, name in rows]
    return pick(option, "person", text, found, "GET /v1/people lists them", by_id=False)


def find_claim(keel: Keel, text: str, option: str = "CLAIM") -> Found:
    """By receipt reference or description, or the id's first digits the submit command printed."""
    part, prefix = _like(text)
    rows = _rows(
        keel,
        "SELECT id, receipt_reference, description, employee, status FROM claims"
        " WHERE LOWER(receipt_reference) LIKE %s OR LOWER(description) LIKE %s OR id LIKE %s"
        " ORDER BY submitted_on, id",
        (part, part, prefix),
    )
    found = [
        Found(str(i), f"{receipt} ({employee}: {description}, {status}, {short(i)})", (receipt, description))
        for i, receipt, description, employee, status in rows
    ]
    return pick(option, "expense claim", text, found, "GET /v1/expense-claims lists them")


def find_deal(keel: Keel, text: str, option: str = "--deal") -> Found:
    """By title (or part of it) or id."""
    part, prefix = _like(text)
    rows = _rows(
        keel,
        "SELECT d.id, d.title, c.name, d.status FROM deals d LEFT JOIN customers c ON c.id = d.customer_id"
        " WHERE LOWER(d.title) LIKE %s OR d.id LIKE %s ORDER BY d.title, d.id",
        (part, prefix),
    )
    found = [Found(str(i), f"{title} ({who or '?'}, {status})", (title,)) for i, title, who, status in rows]
    return pick(option, "deal", text, found, "`keel deals list` shows them")
