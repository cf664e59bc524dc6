"""How the CLI shows an answer of the query layer: JSON and CSV are the very documents HTTP sends
(``api.answers``); a table has amounts right-aligned with grouped digits, a total line, and a
footer saying as of when, as known when and at which log position."""

from __future__ import annotations

import shutil
import sys
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import TYPE_CHECKING, Any

import typer
import typer.core
from rich.console import Console
from rich.measure import Measurement
from rich.table import Table as RichTable

from api.answers import csv_document, json_document, next_cursor, plain

if TYPE_CHECKING:
    from projections.queries import Answer, Column, Table

# A terminal is as wide as it says; a table written to a file or a pipe is not cut to 80 columns.
# Markup and emoji codes off: what is shown is stored text (a customer named "[bold]x[/bold] :x:" is
# shown as typed); the few styled lines ask for markup and escape what they quote.
out = Console(
    width=None if sys.stdout.isatty() else max(shutil.get_terminal_size((160, 24)).columns, 120),
    markup=False,
    emoji=False,
)
err = Console(stderr=True, markup=False, emoji=False)
NUMERIC = ("amount", "number", "percent")


class Format(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"


def cell(value: Any, column: Column) -> str:
    """Amounts and counts with grouped digits (1,234.50); no ``None``, ``True`` or ``False``."""
    if isinstance(value, bool) or value is None:
        return plain(value)
    if column.kind in NUMERIC and isinstance(value, Decimal | int):
        return f"{value:,}"
    if isinstance(value, date | datetime):
        return value.isoformat()
    return str(value)


def show_table(table: Table) -> None:
    """Text wraps; amounts, counts and dates never do (a column is as wide as its widest)."""
    shown = RichTable(title=table.title)
    kept = [i for i, c in enumerate(table.columns) if c.kind != "id"]
    lines = [[cell(row[i], table.columns[i]) for i in kept] for row in [*table.rows, *table.totals]]
    for n, i in enumerate(kept):
        c = table.columns[i]
        fixed = c.kind in (*NUMERIC, "date", "key")
        widest = max((len(line[n]) for line in lines), default=0)
        header = c.name.replace("_", " ")
        shown.add_column(
            header,
            justify="right" if c.kind in NUMERIC else "left",
            no_wrap=fixed,
            # text wraps, but keeps room for a word or two, so a narrow terminal does not squeeze it to "…"
            min_width=widest if fixed else min(widest, len(header), 8),
        )
    for line in lines[: len(table.rows)]:
        shown.add_row(*line)
    if not table.rows:
        shown.add_row(*["(none)" if n == 0 else "" for n in range(len(kept))], style="dim")
    if table.totals:
        shown.add_section()  # a rule above the totals
    for line in lines[len(table.rows) :]:
        shown.add_row(*line, style="bold")
    # never cut a column away: a table that cannot fit a narrow terminal is drawn wider than it
    needed = Measurement.get(out, out.options, shown).minimum
    out.print(shown, width=max(out.width, needed), crop=False)
    if table.notes:  # the footer, as wide as the terminal (a caption would wrap at the table's width)
        out.print("   ".join(f"{k}: {v}" for k, v in table.notes), style="dim", soft_wrap=True, highlight=False)


def show(found: Answer[Any], fmt: Format) -> None:
    if fmt is Format.json:
        sys.stdout.buffer.write(json_document(found) + b"\n")
    elif fmt is Format.csv:
        sys.stdout.buffer.write(csv_document(found.table()))
        following = next_cursor(found)
        if following:  # not in the CSV (data only): where the next page is, on stderr
            err.print(f"more rows: the next page is --cursor {following}", highlight=False, soft_wrap=True)
    else:
        show_table(found.table())
    sys.stdout.flush()


def readable_types() -> None:
    """Typer shows ``<bool>`` beside flags and ``<str>`` beside text options: show nothing for a flag
    and a word for a value (an option's own metavar, such as DATE, wins)."""
    words = {"<str>": "TEXT", "<int>": "INTEGER", "<float>": "NUMBER", "<Path>": "PATH", "<%Y-%m-%d>": "DATE"}
    shown = typer.core.TyperOption.display_type_rich

    def display(self: typer.core.TyperOption, ctx: Any) -> str | None:
        if self.is_flag or self.count:
            return None
        label = shown(self, ctx)
        return None if label is None else words.get(label, label.strip("<>"))

    typer.core.TyperOption.display_type_rich = display  # type: ignore[method-assign]
