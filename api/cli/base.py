"""What every ``keel`` command shares: the app and its sub-commands, output formats, options,
opening the store, and errors as one readable line (exit 1; 2 for usage errors)."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer
from rich.markup import escape

from api.answers import Knowledge, csv_document, knowledge_of, plain
from api.cli.output import Format, err, readable_types, show_table

# What a command runs with is imported when it runs: `keel --help` and every command start without
# the system, its settings and the query layer (they take seconds to import; see ADR 0049).
if TYPE_CHECKING:
    from api.system import Keel
    from projections.engine.pages import Page

readable_types()
app = typer.Typer(help="Keel: an event-sourced business ledger.", no_args_is_help=True, add_completion=False)
report_app = typer.Typer(help="Reports as of a business date, as known at a moment.", no_args_is_help=True)
projections_app = typer.Typer(help="Run, inspect and rebuild the read models.", no_args_is_help=True)
app.add_typer(report_app, name="report")
export_app = typer.Typer(help="Export the books for other tools.", no_args_is_help=True)
app.add_typer(projections_app, name="projections")
app.add_typer(export_app, name="export")
billing_app = typer.Typer(help="Billing triggers of projects.", no_args_is_help=True)
app.add_typer(billing_app, name="billing")
db_app = typer.Typer(help="Database set-up for production (PostgreSQL).", no_args_is_help=True)
app.add_typer(db_app, name="db")
audit_app = typer.Typer(
    help="Tamper evidence: verify the hash chain over the log, sign its head.", no_args_is_help=True
)
app.add_typer(audit_app, name="audit")
keys_app = typer.Typer(help="API keys: create (shown once), list, revoke.", no_args_is_help=True)
app.add_typer(keys_app, name="keys")
# Business records, each a sub-app created once here: data entry and lists attach to the same one.
customers_app = typer.Typer(help="Customers: add them, list them.", no_args_is_help=True)
app.add_typer(customers_app, name="customers")
invoices_app = typer.Typer(help="Invoices: draft, issue, list.", no_args_is_help=True)
app.add_typer(invoices_app, name="invoices")
payments_app = typer.Typer(help="Payments received from customers.", no_args_is_help=True)
app.add_typer(payments_app, name="payments")
expenses_app = typer.Typer(help="Expense claims: submit, approve.", no_args_is_help=True)
app.add_typer(expenses_app, name="expenses")
deals_app = typer.Typer(help="Deals in the sales pipeline.", no_args_is_help=True)
app.add_typer(deals_app, name="deals")
projects_app = typer.Typer(help="Projects delivered to customers.", no_args_is_help=True)
app.add_typer(projects_app, name="projects")
time_app = typer.Typer(help="Time worked on projects.", no_args_is_help=True)
app.add_typer(time_app, name="time")

R = TypeVar("R")


def fail(message: str) -> typer.Exit:
    err.print(f"[red]error:[/red] {escape(message)}", highlight=False, soft_wrap=True, markup=True)
    return typer.Exit(1)


@contextmanager
def keel_system(follow: bool = False, reset_changed: bool = True, reading: bool = False) -> Iterator[Keel]:
    """Open the store. ``reading``: a command that only reads fails on a store that is not there,
    rather than creating an empty one in whatever folder it was run from."""
    from api.settings import Settings
    from api.system import Keel
    from commands.adapters.store import StoreURLError
    from ledger.errors import DomainError
    from projections.engine.health import ProjectionFailed

    settings = Settings()
    if reading and settings.store_is_missing():
        raise fail(
            f"there is no store at {settings.describe_store()}: `keel demo` loads a demo quarter there, "
            "or set KEEL_DATA_DIR / KEEL_DATABASE_URL to the store you meant"
        )
    try:
        keel = Keel.start(settings, follow=follow, reset_changed=reset_changed)
    except StoreURLError as exc:  # says where it looked and what to do
        raise fail(str(exc)) from None
    except Exception as exc:  # anything else on the way: one line, not a traceback
        raise fail(f"cannot open the store: {exc}") from None
    try:
        yield keel
    except (DomainError, KeyError, ValueError, ProjectionFailed) as exc:  # ValueError: a bad --by or kind
        raise fail(str(exc.args[0]) if isinstance(exc, KeyError) and exc.args else str(exc)) from None
    finally:
        keel.close()


def knowledge(keel: Keel, known_at: str | None) -> Knowledge | None:
    """``--known-at`` read as HTTP reads ``known_at``: a moment, or a log position and the moment it
    was appended (so a whole transaction is known at once). A bad one is a usage error (exit 2)."""
    from ledger.errors import DomainError

    try:
        return knowledge_of(keel, known_at)
    except DomainError as exc:
        raise typer.BadParameter(str(exc).removeprefix("known_at "), param_hint="--known-at") from None


def known_moment(keel: Keel, known_at: str | None) -> datetime | None:
    found = knowledge(keel, known_at)
    return found.moment if found else None


FormatOption = Annotated[Format, typer.Option("--format", "-f", help="Output format.")]


def emit(fmt: Format, title: str, header: Sequence[str], rows: Sequence[Sequence[Any]], meta: dict[str, Any]) -> None:
    """Operational listings (keys, projections): a table, CSV, or JSON of strings."""
    from projections.queries.core import Table, columns

    if fmt is Format.json:
        payload = {**meta, "rows": [dict(zip(header, map(plain, r), strict=True)) for r in rows]}
        sys.stdout.write(json.dumps(payload, indent=2) + "\n")
    elif fmt is Format.csv:
        sys.stdout.buffer.write(csv_document(Table(title, columns(*header), rows)))
    else:
        show_table(Table(title, columns(*header), rows, (), [(k, plain(v)) for k, v in meta.items()]))


def every_item(fetch: Callable[[str | None], Page[R]]) -> Iterator[R]:
    """Every item of a paged list (keys, users), page after page from the first."""
    cursor: str | None = None
    while True:
        page = fetch(cursor)
        yield from page.items
        if page.next_cursor is None:
            return
        cursor = page.next_cursor


def catch_up(keel: Keel) -> None:
    # In-process by default: a report from the CLI reflects everything recorded so far.
    if keel.settings.projections == "in-process":
        keel.engine.catch_up()


def cli_actor() -> str:
    import getpass

    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli"


@contextmanager
def progress_bar(keel: Keel, name: str, done: int = 0, total: int | None = None) -> Iterator[Callable[[int], None]]:
    """A progress bar on stderr: events folded, events per second, time left."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    class Rate(TextColumn):
        def __init__(self) -> None:
            super().__init__("")

        def render(self, task: Any) -> Any:
            from rich.text import Text

            elapsed = task.elapsed or 0
            rate = (task.completed - task.fields["first"]) / elapsed if elapsed > 0 else 0
            return Text(f"{rate:,.0f}/s")

    columns = (TextColumn(name), BarColumn(), MofNCompleteColumn(), Rate(), TimeRemainingColumn())
    with Progress(*columns, console=err, transient=False) as progress:
        task = progress.add_task(name, total=total or keel.app.head_position(), completed=done, first=done)
        yield lambda n: progress.advance(task, n)
