"""``keel users``: the people who log in to the web app (ADR 0048) — add, list, set roles, disable,
enable, reset a password. A password is read from stdin (``--password-stdin``) or asked for twice
without echo; only its Argon2id hash is written."""

from __future__ import annotations

import sys
from typing import Annotated, Any

import typer

from api.cli.base import FormatOption, app, catch_up, cli_actor, emit, every_item, keel_system
from api.cli.output import Format, out

users_app = typer.Typer(help="People who log in: add, list, set roles, disable, enable, reset a password.")
app.add_typer(users_app, name="users", no_args_is_help=True)

RolesOption = Annotated[
    list[str], typer.Option("--role", help="auditor, analyst, sales, accountant or admin; repeat for several.")
]
StdinOption = Annotated[
    bool, typer.Option("--password-stdin", help="Read the password from the first line of stdin (for scripts).")
]


def _password(from_stdin: bool) -> str:
    """The new password, checked by the policy before it is hashed (a refusal names the rule)."""
    from api.passwords import check_password

    if from_stdin:
        password = sys.stdin.readline().removesuffix("\n").removesuffix("\r")
    else:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    return check_password(password)


@users_app.command("add")
def users_add(
    login: Annotated[str, typer.Argument(help="What the person logs in with (an e-mail address will do).")],
    roles: RolesOption,
    name: Annotated[str, typer.Option("--name", help="Shown on screens; the login when not given.")] = "",
    password_stdin: StdinOption = False,
) -> None:
    """Add a user with these roles; the password is asked for (or read from stdin)."""
    from api.passwords import hash_password
    from commands import messages as m
    from commands.access.users import check_new_login
    from ledger.events import Meta
    from ledger.users import check_people_roles

    with keel_system() as keel:  # its errors are one line: the login, the roles, then the password
        normal = check_new_login(keel.app.unit_of_work(), login)
        check_people_roles(roles)  # both refused before the password is asked for
        secret = hash_password(_password(password_stdin))
        keel.app.handle(
            m.AddUser(meta=Meta(cli_actor()), login=normal, name=name, roles=tuple(roles), secret_argon2=secret)
        )
    out.print(f"user {normal} added ({', '.join(sorted(set(roles)))})", markup=False, highlight=False)


@users_app.command("reset-password")
def users_reset_password(
    login: Annotated[str, typer.Argument(help="The user's login.")], password_stdin: StdinOption = False
) -> None:
    """Set a new password (it also ends a lockout)."""
    from api.passwords import hash_password
    from commands import messages as m
    from commands.access.users import find_user
    from ledger.events import Meta

    with keel_system() as keel:
        normal = find_user(keel.app.unit_of_work(), login).login  # an unknown login before the password
        secret = hash_password(_password(password_stdin))
        keel.app.handle(m.SetUserPassword(meta=Meta(cli_actor()), login=normal, secret_argon2=secret))
    out.print(f"password of {normal} set", markup=False, highlight=False)


@users_app.command("roles")
def users_roles(login: Annotated[str, typer.Argument(help="The user's login.")], roles: RolesOption) -> None:
    """Replace a user's roles."""
    from commands import messages as m
    from ledger.events import Meta

    with keel_system() as keel:
        keel.app.handle(m.SetUserRoles(meta=Meta(cli_actor()), login=login, roles=tuple(roles)))
    out.print(f"roles of {login.strip().lower()}: {', '.join(sorted(set(roles)))}", markup=False, highlight=False)


@users_app.command("disable")
def users_disable(
    login: Annotated[str, typer.Argument(help="The user's login.")],
    reason: Annotated[str, typer.Option("--reason", help="Why, for the audit trail.")] = "",
) -> None:
    """Disable a user: no login succeeds until the user is enabled again."""
    from commands import messages as m
    from ledger.events import Meta

    with keel_system() as keel:
        keel.app.handle(m.DisableUser(meta=Meta(cli_actor()), login=login, reason=reason))
    out.print(f"user {login.strip().lower()} disabled", markup=False, highlight=False)


@users_app.command("enable")
def users_enable(login: Annotated[str, typer.Argument(help="The user's login.")]) -> None:
    """Enable a disabled user."""
    from commands import messages as m
    from ledger.events import Meta

    with keel_system() as keel:
        keel.app.handle(m.EnableUser(meta=Meta(cli_actor()), login=login))
    out.print(f"user {login.strip().lower()} enabled", markup=False, highlight=False)


@users_app.command("list")
def users_list(fmt: FormatOption = Format.table) -> None:
    """Every user, with roles and state (never a password or its hash)."""
    from projections.access.users import list_users

    with keel_system(reading=True) as keel:
        store = keel.settings.describe_store()
        catch_up(keel)
        rows: list[list[Any]] = [
            [u.login, u.name, ",".join(u.roles), u.added_by, u.added_at, u.disabled_on or "", u.locked_until or ""]
            for u in every_item(lambda cursor: list_users(keel.views, None, cursor, 1000))
        ]
    header = ["login", "name", "roles", "added_by", "added_at", "disabled_on", "locked_until"]
    emit(fmt, "Users", header, rows, {})
    if fmt is Format.table:  # JSON and CSV stay data
        count = f"{len(rows)} user{'' if len(rows) == 1 else 's'}"
        out.print(f"{count} in {store}", soft_wrap=True, markup=False, highlight=False)
