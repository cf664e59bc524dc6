"""The chart of accounts from the command line (ADR 0032): ``keel books init``, ``keel accounts
add|rename|move|deactivate|reactivate|map|list|roles``.

Each change builds the request body its HTTP route takes and calls its ``to_command``, so what the
CLI accepts is exactly what the API accepts; a refused value is one line naming the option (exit
1) and nothing is written. The lists are the query layer's: ``--format json`` prints what
``GET /v1/accounts`` sends.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from api import schemas
from api.cli.base import app, cli_actor, keel_system
from api.cli.entry_base import body_of, refuse, said
from api.cli.output import Format
from api.cli.reports import AsOf, Fmt, KnownAt, dates, report

if TYPE_CHECKING:
    from commands.messages import Command

books_app = typer.Typer(help="The books: start them from a chart of accounts template.", no_args_is_help=True)
app.add_typer(books_app, name="books")
accounts_app = typer.Typer(
    help="The chart of accounts: add, rename, deactivate, map roles, list.", no_args_is_help=True
)
app.add_typer(accounts_app, name="accounts")

On = Annotated[str | None, typer.Option("--on", help="Business date, YYYY-MM-DD (default: today).", show_default=False)]


def _record(command: Command, line: str) -> None:
    with keel_system() as keel:
        result = keel.app.handle(command)
    said(f"{line} (log position {result.position})")


@books_app.command("init")
def init_books(
    template: Annotated[
        str, typer.Option("--template", metavar="services-eu|minimal", help="The chart of accounts to start from.")
    ] = "services-eu",
    currency: Annotated[
        str | None, typer.Option("--currency", help="The functional currency, ISO 4217 (default: the configured one).")
    ] = None,
    on: On = None,
) -> None:
    """Start an empty store's books and chart of accounts from a template (refused once anything was posted)."""
    from ledger.events import Meta

    fields = {"template": template, "currency": currency.upper() if currency else None, "on": on}
    body = body_of(schemas.InitBooksBody, {}, **fields)
    with keel_system() as keel:
        result = keel.app.handle(body.to_command(Meta(cli_actor())))
        fc = keel.app.functional_currency()
    said(f"books started in {fc} on the {body.template} chart of accounts (log position {result.position})")


@books_app.command("set")
def set_books(
    strict: Annotated[
        bool,
        typer.Option(
            "--strict-numbering/--no-strict-numbering",
            help="Number invoices and credit notes in date order: refuse one dated before the last issued.",
        ),
    ],
    on: On = None,
) -> None:
    """Change a setting of the books."""
    from ledger.events import Meta

    body = body_of(schemas.NumberingBody, {}, strict=strict, on=on)
    _record(body.to_command(Meta(cli_actor())), f"strict numbering {'on' if strict else 'off'}")


@accounts_app.command("add")
def add_account(
    code: Annotated[str, typer.Argument(help="The account's code: 1 to 10 letters or digits.")],
    name: Annotated[str, typer.Argument(help="The account's name.")],
    kind: Annotated[str, typer.Option("--type", metavar="asset|liability|equity|income|expense")],
    subtype: Annotated[
        str | None, typer.Option("--subtype", metavar="bank|receivable|payable|tax|…", help="Default: other.")
    ] = None,
    parent: Annotated[
        str | None, typer.Option("--parent", metavar="CODE", help="Group under this group account.")
    ] = None,
    currency: Annotated[
        str | None, typer.Option("--currency", metavar="XXX", help="Postings only in this currency.")
    ] = None,
    on: On = None,
) -> None:
    """Add an account to the chart (never deleted once added)."""
    from ledger.events import Meta

    options = {"code": "CODE", "name": "NAME", "type": "--type"}
    fields = {"currency": currency.upper() if currency else None, "on": on, "subtype": subtype, "parent": parent}
    body = body_of(schemas.AddAccountBody, options, code=code, name=name, type=kind, **fields)
    _record(body.to_command(Meta(cli_actor())), f"account {body.code} {body.name} added ({body.type}, {body.subtype})")


@accounts_app.command("rename")
def rename_account(
    code: Annotated[str, typer.Argument(help="The account's code.")],
    name: Annotated[str, typer.Argument(help="Its new name.")],
    on: On = None,
) -> None:
    """Rename an account from --on: reports as of earlier dates, or known before, keep the old name."""
    from ledger.events import Meta

    body = body_of(schemas.RenameAccountBody, {"name": "NAME"}, name=name, on=on)
    _record(body.to_command(Meta(cli_actor()), code), f"account {code} renamed {body.name}")


TOP = ""  # --top: no parent (the body's null)


@accounts_app.command("move")
def move_account(
    code: Annotated[str, typer.Argument(help="The account's code.")],
    parent: Annotated[
        str | None, typer.Option("--parent", metavar="CODE", help="The group account it goes under.")
    ] = None,
    top: Annotated[bool, typer.Option("--top", help="Group it under nothing.")] = False,
    on: On = None,
) -> None:
    """Group an account under another group from --on: reports as of earlier dates, or known before,
    keep the old grouping."""
    from ledger.events import Meta

    if (parent is None) == (not top):
        raise refuse("--parent", "say --parent CODE, or --top for no group")
    # the body's parent is required (null: to the top), so --top says it explicitly
    body = body_of(schemas.MoveAccountBody, {"parent": "--parent"}, parent=parent or TOP, on=on)
    where = f"under {body.parent}" if body.parent else "to the top"
    _record(body.to_command(Meta(cli_actor()), code), f"account {code} moved {where}")


@accounts_app.command("deactivate")
def deactivate_account(code: Annotated[str, typer.Argument(help="The account's code.")], on: On = None) -> None:
    """Stop an account taking postings; it keeps its history. A locked account (mapped to a role) cannot be."""
    from commands.messages import DeactivateAccount
    from ledger.events import Meta

    body = body_of(schemas.AccountChangeBody, {}, on=on)
    _record(body.to_command(Meta(cli_actor()), DeactivateAccount, code), f"account {code} deactivated")


@accounts_app.command("reactivate")
def reactivate_account(code: Annotated[str, typer.Argument(help="The account's code.")], on: On = None) -> None:
    """Let a deactivated account take postings again."""
    from commands.messages import ReactivateAccount
    from ledger.events import Meta

    body = body_of(schemas.AccountChangeBody, {}, on=on)
    _record(body.to_command(Meta(cli_actor()), ReactivateAccount, code), f"account {code} reactivated")


@accounts_app.command("map")
def map_role(
    role: Annotated[
        str, typer.Argument(help="A role (receivable, revenue, bank, …), output_tax:RATE, or revenue:SERVICE.")
    ],
    code: Annotated[str, typer.Argument(help="The account it posts to.")],
    on: On = None,
) -> None:
    """Map a role to an account of the type it needs; the account is then locked."""
    from ledger.events import Meta

    body = body_of(schemas.MapRoleBody, {"code": "CODE"}, code=code, on=on)
    _record(body.to_command(Meta(cli_actor()), role), f"role {role} mapped to {body.code}")


@accounts_app.command("list")
def accounts_list(as_of: AsOf = None, known_at: KnownAt = None, fmt: Fmt = Format.table) -> None:
    """The chart of accounts as it stood on --as-of as known at --known-at."""
    report("accounts", dates(as_of), known_at, fmt)


@accounts_app.command("roles")
def roles_list(as_of: AsOf = None, known_at: KnownAt = None, fmt: Fmt = Format.table) -> None:
    """Which account each role posts to, as of --as-of as known at --known-at."""
    report("roles", dates(as_of), known_at, fmt)
