"""The ``keel`` command line: serve, demo, reports, data entry and projection operations.

Errors end with exit code 1 (2 for usage errors) and one readable line on stderr.
"""

import sys
from typing import Annotated

import typer
from rich.markup import escape
from typer._click.exceptions import NoArgsIsHelpError, UsageError  # typer ≥ 0.29 carries its own click

from api.cli import (  # noqa: F401  (each registers its commands)
    audit,
    bank,
    documents,
    entry_accounts,
    entry_fx,
    entry_sales,
    entry_work,
    exports,
    imports,
    lists,
    operations,
    planned_costs,
    recurring,
    reminders,
    reports,
    sales_rules,
    scenarios,
    sequences,
    sql,
    users,
    webhooks,
    worker,
)
from api.cli.base import app
from api.cli.output import err


def _version(asked: bool) -> None:
    if asked:
        from importlib.metadata import PackageNotFoundError, version

        try:
            typer.echo(f"keel {version('keel')}")
        except PackageNotFoundError:  # run from a checkout that was never installed
            typer.echo("keel (not installed)")
        raise typer.Exit()


@app.callback()
def keel(
    _: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Print Keel's version and exit."),
    ] = False,
) -> None:
    """Keel: an event-sourced business ledger — CRM and ERP on one immutable log."""


def main() -> None:
    """Run ``keel``; a usage error (a bad option or value) is one line on stderr and exit code 2."""
    try:
        code = app(standalone_mode=False)
    except NoArgsIsHelpError as exc:  # the help itself, already the message
        sys.stderr.write(exc.format_message() + "\n")
        sys.exit(2)
    except UsageError as exc:
        hint = f" (see `{exc.ctx.command_path} --help`)" if exc.ctx else ""
        message = exc.format_message().replace("Value error, ", "")  # pydantic's wording, not ours
        err.print(f"[red]error:[/red] {escape(message + hint)}", highlight=False, soft_wrap=True, markup=True)
        sys.exit(exc.exit_code)
    except typer.Abort:
        sys.exit(130)
    sys.exit(code if isinstance(code, int) else 0)


__all__ = ["app", "main"]
