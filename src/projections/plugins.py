"""Plug-in projections: read models an analyst writes in their own package, served by Keel like
its own (docs/plugins.md, ADR 0062).

A plug-in is a class with a ``name``, a ``version``, the public event ``events`` it folds (types
or patterns of the public event schema, the webhooks' and the stream's: ``deal.won``,
``invoice.*``), the ``tables`` it owns, the ``columns`` of its answer, and three methods:
``create(cur)`` makes its tables, ``apply(cur, events)`` folds a page of public events (dicts:
``position``, ``recorded_at``, ``effective_date``, ``type``, ``aggregate``, ``data`` …) and
``query(cur, as_of, known_at)`` answers as of a business date as known at a moment (``known_at``
None: everything folded). It sees what the stream shows, never a stored event's Python class:
Keel's internals can change under it, the public schema is versioned.

``PluginProjection`` makes one a ``Projection``, so the engine runs it as it runs Keel's own:
its own tracking row, lag and status, a rebuild when its version changes or beside the serving
tables (``keel projections rebuild NAME --beside --diff --switch``), and a failure that stops it
alone. Its cursor is Keel's (``%s`` placeholders on SQLite and PostgreSQL alike).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any, Protocol, runtime_checkable

from ledger.topics import event_classes
from projections.engine.projection import Fact, Projection
from projections.engine.sql import Cursor
from projections.exports.datasets import (
    DECIMAL_SCALE,
    LATEST_DAY,
    MONEY_SCALE,
    Batch,
    Column,
    Dataset,
    Snapshot,
    Sources,
    in_batches,
    known_moment,
)
from projections.public_events import matches, public_event, public_type

__all__ = ["Column", "CustomProjection", "PluginError", "PluginProjection", "check_plugins", "plugin_dataset"]

NAME = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
KINDS = frozenset({"int64", "text", "date", "timestamp", "money", "decimal", "json", "bool"})


class PluginError(ValueError):
    """A plug-in that cannot be served as it is: what is wrong, in one line, naming it."""


@runtime_checkable
class CustomProjection(Protocol):
    name: str
    version: int
    description: str
    events: Sequence[str]
    tables: Sequence[str]
    columns: Sequence[Column]

    def create(self, cur: Cursor) -> None: ...
    def apply(self, cur: Cursor, events: Sequence[dict[str, Any]]) -> None: ...
    def query(self, cur: Cursor, as_of: date, known_at: datetime | None) -> Iterable[Sequence[Any]]: ...


class PluginProjection:
    """A plug-in as the engine's ``Projection``: public events in, its tables out."""

    isolated = True  # its failures, even in create, stop it alone (ProjectionEngine.setup)

    def __init__(self, plugin: CustomProjection) -> None:
        self.plugin = plugin
        self.name = plugin.name
        self.schema_version = plugin.version
        self.tables = tuple(plugin.tables)
        patterns = tuple(plugin.events)
        self.folds: tuple[type, ...] = tuple(c for c in event_classes() if _public(c, patterns))

    def create(self, cur: Cursor) -> None:
        self.plugin.create(cur)

    def apply(self, cur: Cursor, facts: Sequence[Fact]) -> None:
        # Only what it declared: the engine may read every event (its topics are an optimisation).
        patterns = tuple(self.plugin.events)
        events = [
            e
            for f in facts
            if (e := public_event(f.position, f.recorded_at, f.event)) is not None and matches(patterns, e["type"])
        ]
        if events:
            self.plugin.apply(cur, events)

    def answer(self, cur: Cursor, as_of: date, known_at: datetime | None) -> list[tuple[Any, ...]]:
        """The plug-in's rows, each checked against its columns and typed (money and decimals at
        the export's scales, rounded half-even: ADR 0062)."""
        width = len(self.plugin.columns)
        rows = []
        for row in self.plugin.query(cur, as_of, known_at):
            values = tuple(row)
            if len(values) != width:
                raise PluginError(f"plug-in {self.name} answered a row of {len(values)} values for {width} columns")
            rows.append(tuple(_typed(v, c) for v, c in zip(values, self.plugin.columns, strict=True)))
        return rows


def _public(cls: type, patterns: tuple[str, ...]) -> bool:
    typed = public_type(str(vars(cls)["TOPIC"]))
    return typed is not None and matches(patterns, typed[0])


def _typed(value: Any, column: Column) -> Any:
    if value is None:
        return None
    if column.kind in ("money", "decimal"):  # as given, unless past the column's scale
        number, scale = Decimal(str(value)), MONEY_SCALE if column.kind == "money" else DECIMAL_SCALE
        exponent = number.as_tuple().exponent
        fits = isinstance(exponent, int) and exponent >= -scale
        return number if fits else number.quantize(Decimal(1).scaleb(-scale), ROUND_HALF_EVEN)
    if column.kind == "date" and isinstance(value, str):
        return date.fromisoformat(value)
    if column.kind == "timestamp" and isinstance(value, str):
        moment = datetime.fromisoformat(value)
        return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    if column.kind == "int64":
        return int(value)
    if column.kind == "bool":
        return bool(value)
    return value


def check_plugins(plugins: Sequence[CustomProjection], keel: Sequence[Projection], reserved: Iterable[str]) -> None:
    """Refuse what cannot be served: a name or a table of Keel's (or of another plug-in), a name
    ``reserved`` (a dataset or a report view), no events or events no Keel event matches, no
    columns or a column of an unknown kind."""
    taken_names = {p.name for p in keel} | set(reserved)
    taken_tables = {t for p in keel for t in (*p.tables, *getattr(p, "retired_tables", ()))}
    for plugin in plugins:
        name = getattr(plugin, "name", None)
        where = f"plug-in {name or type(plugin).__name__}"
        if not isinstance(plugin, CustomProjection):
            raise PluginError(
                f"{where} lacks what a projection needs: name, version, description, events, tables,"
                " columns, create, apply and query"
            )
        if not isinstance(name, str) or not NAME.fullmatch(name):
            raise PluginError(f"{where}: a name is lower case letters, digits and _, at most 40, a letter first")
        if name in taken_names:
            raise PluginError(
                f"{where}: the name {name!r} is already Keel's (a projection, dataset or view) or another plug-in's"
            )
        if not isinstance(plugin.version, int) or isinstance(plugin.version, bool) or plugin.version < 1:
            raise PluginError(f"{where}: version is a whole number from 1")
        for table in plugin.tables:
            if not NAME.fullmatch(table) or table.startswith("keel_"):
                raise PluginError(f"{where}: table {table!r} is not a name a plug-in may use (keel_ is Keel's)")
            if table in taken_tables:
                raise PluginError(f"{where} declares the table {table!r}, which is Keel's (or another plug-in's)")
        if not plugin.tables:
            raise PluginError(f"{where} declares no tables")
        unmatched = [p for p in plugin.events if not any(_public(c, (p,)) for c in event_classes())]
        if not plugin.events or unmatched:
            raise PluginError(f"{where}: events {unmatched or '(none)'} match no public event type of Keel's")
        kinds = [c.kind for c in plugin.columns if c.kind not in KINDS or not NAME.fullmatch(c.name)]
        if not plugin.columns or kinds:
            raise PluginError(f"{where}: its columns need names like its tables' and kinds among {sorted(KINDS)}")
        taken_names.add(name)
        taken_tables.update(plugin.tables)


def plugin_dataset(projection: PluginProjection) -> Dataset:
    """A plug-in's answer at an export's snapshot as a dataset (``keel sql``, ``keel export``):
    its columns, its rows as of the snapshot's date as known at its moment."""
    plugin = projection.plugin

    def batches(sources: Sources, snapshot: Snapshot) -> Iterator[Batch]:
        try:  # as known at the snapshot's moment: what its position had recorded
            with sources.views.read() as cur:
                rows = projection.answer(cur, snapshot.as_of or LATEST_DAY, known_moment(sources, snapshot))
        except PluginError:
            raise
        except Exception as exc:  # the plug-in's query: its failure, named
            raise PluginError(f"plug-in {plugin.name} could not answer: {type(exc).__name__}: {exc}") from exc
        for columns in in_batches(rows):
            batch: Batch = [*columns]
            yield batch

    columns = tuple(Column(c.name, c.kind, c.description) for c in plugin.columns)
    return Dataset(plugin.name, plugin.description, columns, batches, (plugin.name,))
