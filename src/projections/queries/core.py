"""One query layer for every surface: a report or list is a ``Query`` asked with one ``Params``.

HTTP, the CLI and the web app are thin adapters over ``ask``: they parse their own syntax into
``Params``, and render the ``Answer`` (JSON, CSV or a table) with the same functions, so they give
the same numbers and the same bytes. Defaults (``as_of`` today, a window ending today) are resolved
here, once, so the provenance names what was actually asked.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Generic, Literal, Protocol, TypeVar

from ledger.errors import InvalidValue
from ledger.policy import check_window
from projections.engine.db import ViewDatabase

R = TypeVar("R")
PAGE = 100  # items per page unless asked otherwise
# an id: in CSV, not in a table; a key: text a person types back (an invoice number), never cut
Kind = Literal["text", "key", "amount", "number", "date", "percent", "id"]


@dataclass(frozen=True)
class Params:
    """What a report or list is asked: the two time axes, a window, a grouping, filters, a page.

    ``known_at`` is the moment whose knowledge is wanted and ``position`` the log position reached
    then (the surfaces resolve one from the other the same way); ``None``: everything recorded."""

    as_of: date | None = None
    known_at: datetime | None = None
    position: int | None = None
    start: date | None = None  # the window's first business date ("from")
    end: date | None = None  # the window's last business date ("to")
    by: str | None = None
    filters: tuple[tuple[str, str], ...] = ()
    cursor: str | None = None
    limit: int | None = None

    def filter(self, name: str, default: str | None = None) -> str | None:
        return dict(self.filters).get(name, default)

    def canonical(self) -> dict[str, str]:
        """The parameters as provenance records them: resolved, named as HTTP and the CLI name them."""
        named: dict[str, Any] = {
            "as_of": self.as_of,
            "known_at": self.known_at,
            "from": self.start,
            "to": self.end,
            "by": self.by,
            **dict(self.filters),
            "cursor": self.cursor,
            "limit": self.limit,
        }
        return {k: v.isoformat() if isinstance(v, date) else str(v) for k, v in sorted(named.items()) if v is not None}


class Books(Protocol):
    """What a query needs of the system besides the read models (wired by the surfaces)."""

    @property
    def functional_currency(self) -> str: ...

    def closes(self) -> list[tuple[date, int, datetime]]:
        """Every period close: (lock date, log position, when it was recorded), oldest first."""
        ...


@dataclass(frozen=True)
class Column:
    name: str
    kind: Kind = "text"


@dataclass(frozen=True)
class Table:
    """A report or list as rows of plain values: the CLI's table, and CSV on every surface.

    ``totals`` are the table's closing lines (not part of CSV); ``notes`` its footer."""

    title: str
    columns: tuple[Column, ...]
    rows: Sequence[Sequence[Any]]
    totals: Sequence[Sequence[Any]] = ()
    notes: Sequence[tuple[str, str]] = ()


def named(**filters: str | None) -> tuple[tuple[str, str], ...]:
    """``Params.filters`` from keyword arguments, leaving out those not given."""
    return tuple((k, v) for k, v in filters.items() if v is not None)


def columns(*spec: str) -> tuple[Column, ...]:
    """``columns("account", "debit:amount")``: a name, and its kind after a colon (text by default)."""
    return tuple(Column(*s.split(":", 1)) if ":" in s else Column(s) for s in spec)  # type: ignore[arg-type]


@dataclass(frozen=True)
class Query(Generic[R]):
    """A report or list: its name (as in ``keel report NAME`` and ``/v1/reports/NAME``), the read
    models it reads, how it answers and how it reads as a table."""

    name: str
    reads: tuple[str, ...]
    run: Callable[[ViewDatabase, Books, Params], R]
    table: Callable[[R, Params], Table]
    # "none": as of a date (today by default); "required": a window from a date to another (today by
    # default); "custom": ``defaults`` resolves and checks everything itself
    window: Literal["none", "required", "custom"] = "none"
    defaults: Callable[[Params, date], Params] | None = None  # further defaults, given today
    paged: bool = False  # answers a page of its items at a time (100 unless a limit is given)

    def resolve(self, params: Params, today: date) -> Params:
        """Fill the defaults (as_of or the window's end: today) and check the window."""
        resolved = params
        if self.window == "required":
            if params.start is None:
                raise InvalidValue("from: the first business date of the period is required")
            resolved = dataclasses.replace(resolved, end=params.end or today)
        elif self.window == "none" and params.as_of is None:
            resolved = dataclasses.replace(resolved, as_of=today)
        if self.paged and resolved.limit is None:
            resolved = dataclasses.replace(resolved, limit=PAGE)
        if self.defaults is not None:
            resolved = self.defaults(resolved, today)
        if resolved.start is not None and resolved.end is not None:
            check_window(resolved.start, resolved.end)
        return resolved


@dataclass(frozen=True)
class Answer(Generic[R]):
    """A query's result with its provenance: the log position it reflects, the parameters it was
    answered for and the versions of the read models that answered."""

    query: Query[R]
    params: Params
    result: R
    position: int
    versions: Mapping[str, int] = field(default_factory=dict)

    def table(self) -> Table:
        return self.query.table(self.result, self.params)


def ask(
    query: Query[R], views: ViewDatabase, books: Books, params: Params, today: date, versions: Mapping[str, int]
) -> Answer[R]:
    resolved = query.resolve(params, today)
    result = query.run(views, books, resolved)
    scope = getattr(result, "scope", None)
    if resolved.position is not None and scope is not None:
        # known at a moment: the position reached then, not the read model's current one
        result = dataclasses.replace(result, scope=dataclasses.replace(scope, position=resolved.position))  # type: ignore[type-var]
        scope = result.scope  # type: ignore[attr-defined]
    # known at a moment: the position reached then; else how far the read models had come, which a
    # report's scope says and a list says itself
    holder = scope if scope is not None else result
    position: int = resolved.position if resolved.position is not None else getattr(holder, "position", 0)
    answered = {name: versions[name] for name in sorted(query.reads) if name in versions}
    return Answer(query, resolved, result, position, answered)
