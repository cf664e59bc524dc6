"""The bank from the command line (issue 18, ADR 0034, 0037): ``keel bank accounts add|rename|close|list``, ``keel bank
mappings add``, ``keel bank rules add|remove``, ``keel bank import``, ``keel bank lines``, ``keel bank
reconcile --auto``, ``keel bank match|unmatch`` and ``keel report reconciliation``.

Changes build the body their HTTP route takes (the same checks); lists and the report are the query
layer's (``--format json`` prints what HTTP sends). A refusal is one line naming the file, line or
XML path and field (exit 1); nothing is written.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any
from uuid import UUID

import typer

from api import schemas
from api.cli.base import app, catch_up, cli_actor, fail, keel_system, report_app
from api.cli.entry_base import Found, body_of, find_claim, find_invoice, pick, said, short
from api.cli.entry_fx import find_bill
from api.cli.output import Format
from api.cli.reports import AsOf, Cursor, Fmt, KnownAt, Limit, dates, report

if TYPE_CHECKING:
    from api.system import Keel
    from ledger.reconciliation import Proposal

bank_app = typer.Typer(help="Bank accounts, statements and reconciliation.", no_args_is_help=True)
app.add_typer(bank_app, name="bank")
accounts_app = typer.Typer(help="Bank accounts, each booked on a ledger account.", no_args_is_help=True)
bank_app.add_typer(accounts_app, name="accounts")
mappings_app = typer.Typer(help="Saved CSV column mappings, one per bank's export.", no_args_is_help=True)
bank_app.add_typer(mappings_app, name="mappings")
rules_app = typer.Typer(help="Reconciliation rules: text in a line -> an account.", no_args_is_help=True)
bank_app.add_typer(rules_app, name="rules")

BankAccountOption = Annotated[str, typer.Option("--bank-account", "-b", metavar="NAME", help="The bank account.")]


def _account_id(name: str) -> str:
    from api.bank import bank_account

    with keel_system(reading=True) as keel:
        catch_up(keel)
        return bank_account(keel, name).id


@accounts_app.command("add")
def add_account(
    name: Annotated[str, typer.Argument(help="What the business calls it, e.g. 'Main EUR'.")],
    account: Annotated[str, typer.Option("--account", metavar="CODE", help="Its ledger account (sub-type bank).")],
    iban: Annotated[str | None, typer.Option("--iban", help="Its IBAN (checked).")] = None,
    currency: Annotated[str | None, typer.Option("--currency", metavar="XXX", help="Default: functional.")] = None,
) -> None:
    """Add a bank account booked on a ledger account (an active asset account of sub-type bank)."""
    from ledger.events import Meta

    fields = {"iban": iban, "currency": currency.upper() if currency else None}
    body = body_of(
        schemas.BankAccountBody, {"account": "--account", "name": "NAME"}, name=name, account=account, **fields
    )
    with keel_system() as keel:
        result = keel.app.handle(body.to_command(Meta(cli_actor())))
    said(f"bank account {body.name!r} added on account {body.account} (log position {result.position})")


@accounts_app.command("rename")
def rename_account(
    name: Annotated[str, typer.Argument(help="Its name now.")],
    new: Annotated[str, typer.Argument(help="Its new name.")],
) -> None:
    """Rename a bank account (lists as of an earlier date show the earlier name)."""
    from api.bank import bank_account, check_name_free
    from ledger.events import Meta

    body = body_of(schemas.RenameBankAccountBody, {"name": "NEW"}, name=new)
    with keel_system() as keel:
        catch_up(keel)
        found = bank_account(keel, name)
        check_name_free(keel, body.name, found)
        result = keel.app.handle(body.to_command(Meta(cli_actor()), UUID(found.id)))
    said(f"bank account {found.name!r} is now {body.name!r} (log position {result.position})")


@accounts_app.command("close")
def close_account_cli(name: Annotated[str, typer.Argument(help="The bank account.")]) -> None:
    """Close a bank account: refused while a line is unmatched or the books hold money on it."""
    from api.bank import bank_account, close_account
    from ledger.events import Meta

    with keel_system() as keel:
        catch_up(keel)
        found = bank_account(keel, name)
        result = close_account(keel, found, Meta(cli_actor()))
    said(f"bank account {found.name!r} closed: it takes no more statements (log position {result.position})")


@accounts_app.command("list")
def accounts_list(as_of: AsOf = None, known_at: KnownAt = None, fmt: Fmt = Format.table) -> None:
    """The bank accounts as of --as-of as known at --known-at."""
    report("bank-accounts", dates(as_of), known_at, fmt)


@mappings_app.command("add")
def add_mapping(
    name: Annotated[str, typer.Argument(help="The mapping's name, e.g. the bank's.")],
    file: Annotated[Path, typer.Option("--file", exists=True, dir_okay=False, help="A JSON object of settings.")],
) -> None:
    """Save a CSV column mapping from a JSON file (see docs/bank-reconciliation.md); saving it again changes it."""
    from ledger.events import Meta

    try:
        settings = json.loads(file.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise fail(f"{file}: not a JSON object: {exc}") from None
    body = body_of(schemas.CsvMappingBody, {"mapping": str(file)}, name=name, mapping=settings)
    with keel_system() as keel:
        result = keel.app.handle(body.to_command(Meta(cli_actor())))
    said(f"CSV mapping {body.name!r} saved (log position {result.position})")


@rules_app.command("add")
def add_rule(
    name: Annotated[str, typer.Argument(help="The rule's name.")],
    contains: Annotated[str, typer.Option("--contains", help="Text the line's description contains.")],
    account: Annotated[str, typer.Option("--account", metavar="CODE", help="The account it is booked to.")],
    direction: Annotated[str, typer.Option("--direction", metavar="in|out|any")] = "any",
) -> None:
    """A rule: lines whose text contains --contains (any case) are booked to --account."""
    from ledger.events import Meta

    body = body_of(
        schemas.BankRuleBody,
        {"contains": "--contains", "account": "--account", "direction": "--direction"},
        name=name,
        contains=contains,
        account=account,
        direction=direction,
    )
    with keel_system() as keel:
        result = keel.app.handle(body.to_command(Meta(cli_actor())))
    said(f"rule {body.name!r}: {body.contains!r} -> {body.account} (log position {result.position})")


@rules_app.command("remove")
def remove_rule(name: Annotated[str, typer.Argument(help="The rule's name.")]) -> None:
    from commands.messages import RemoveBankRule
    from ledger.events import Meta

    with keel_system() as keel:
        result = keel.app.handle(RemoveBankRule(meta=Meta(cli_actor()), name=name))
    said(f"rule {name!r} removed (log position {result.position})")


@bank_app.command("import")
def import_file(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="A CAMT.053, OFX or CSV statement.")],
    account: BankAccountOption,
    kind: Annotated[str | None, typer.Option("--format", metavar="camt053|ofx|csv", help="Default: detected.")] = None,
    mapping: Annotated[str | None, typer.Option("--mapping", metavar="NAME", help="A saved CSV mapping.")] = None,
    accept_mismatch: Annotated[
        bool, typer.Option("--accept-mismatch", help="Import a statement whose balances do not agree.")
    ] = False,
    force: Annotated[bool, typer.Option("--force", help="Import a file imported before (adds no known line).")] = False,
) -> None:
    """Import a statement into a bank account: all of it or nothing; lines already there are not added twice."""
    from api.bank import bank_account, import_statement
    from api.statements import FORMATS
    from api.statements import Format as StatementFormat
    from ledger.events import Meta

    if kind is not None and kind not in FORMATS:
        raise fail(f"--format: one of {', '.join(FORMATS)}, not {kind!r}")
    chosen: StatementFormat | None = kind
    with keel_system() as keel:
        catch_up(keel)
        found = bank_account(keel, account)
        with file.open("rb") as source:
            done = import_statement(
                keel,
                found,
                source,
                Meta(cli_actor()),
                filename=file.name,
                format=chosen,
                mapping=mapping,
                accept_mismatch=accept_mismatch,
                force=force,
            )
    notes = [f"{done.new_lines} new", f"{done.known_lines} already there"]
    if done.difference not in (None, "0", "0.00"):
        notes.append(f"balance difference {done.difference} accepted")
    if done.continuity not in (None, "0", "0.00"):
        notes.append(f"gap to the last statement {done.continuity} accepted")
    said(f"{file.name}: {done.lines} lines into {found.name!r}: {', '.join(notes)} (log position {done.position})")


@bank_app.command("lines")
def lines_list(
    account: BankAccountOption,
    unmatched: Annotated[bool, typer.Option("--unmatched", help="Only the lines not matched.")] = False,
    as_of: AsOf = None,
    known_at: KnownAt = None,
    limit: Limit = None,
    cursor: Cursor = None,
    fmt: Fmt = Format.table,
) -> None:
    """A bank account's statement lines booked by --as-of as known at --known-at, with what each matched."""
    from projections.queries import Params, named

    filters = named(bank_account=_account_id(account), unmatched="true" if unmatched else None)
    report("bank-lines", Params(as_of=dates(as_of).as_of, filters=filters, limit=limit, cursor=cursor), known_at, fmt)


@report_app.command("reconciliation")
def reconciliation(
    account: BankAccountOption, as_of: AsOf = None, known_at: KnownAt = None, fmt: Fmt = Format.table
) -> None:
    """The bank balance per statements and per books as of --as-of as known at --known-at, and the unmatched lines."""
    from projections.queries import Params, named

    params = Params(as_of=dates(as_of).as_of, filters=named(bank_account=_account_id(account)))
    report("reconciliation", params, known_at, fmt)


def _shown(p: Proposal) -> str:
    items = ", ".join(f"{i.label or i.target} {i.amount}" + (f" (fee {i.fee})" if i.fee else "") for i in p.items)
    return f"  {short(p.line_id)}  score {p.score:>3}  {items}: {p.why}"


@bank_app.command("reconcile")
def reconcile(
    account: BankAccountOption,
    auto: Annotated[bool, typer.Option("--auto", help="Apply the certain matches (else only suggest).")] = False,
    tolerance: Annotated[
        str, typer.Option("--fee-tolerance", help="A bank fee up to this much is suggested.")
    ] = "25.00",
    percent: Annotated[str, typer.Option("--fee-tolerance-percent", help="… or up to this % of the invoice.")] = "1",
) -> None:
    """Match what an invoice number and its exact amount (or a rule) make certain; suggest the rest, scored."""
    from api.bank import auto_reconcile, bank_account
    from ledger.reconciliation import Tolerance

    body = body_of(
        schemas.ReconcileBody,
        {"tolerance_amount": "--fee-tolerance", "tolerance_percent": "--fee-tolerance-percent"},
        tolerance_amount=tolerance,
        tolerance_percent=percent,
        apply=auto,
    )
    with keel_system() as keel:
        catch_up(keel)
        found = bank_account(keel, account)
        rule = Tolerance(Decimal(body.tolerance_amount), Decimal(body.tolerance_percent))
        done = auto_reconcile(keel, found, cli_actor(), rule, apply=body.apply)
    said(f"{found.name}: {len(done.matched)} matched, {len(done.suggested)} suggested, {len(done.unmatched)} unmatched")
    for title, group in (("matched", done.matched), ("suggested", done.suggested)):
        if group:
            said(f"{title}:")
            for proposal in group:
                said(_shown(proposal))
    if done.unmatched:
        said("nothing fits: " + ", ".join(short(i) for i in done.unmatched))


def _line(keel: Keel, text: str) -> Found:
    from ledger.money import from_minor

    wanted = text.strip().lower()
    with keel.views.read() as cur:
        cur.execute(
            "SELECT id, booking_date, amount_minor, currency, description FROM bank_lines WHERE id LIKE %s"
            " ORDER BY id LIMIT 20",
            [f"{wanted}%"],
        )
        rows = cur.fetchall()
    found = [
        Found(str(i), f"{short(i)} ({d} {from_minor(int(m), str(c))} {c} {t[:30]!r})", ()) for i, d, m, c, t in rows
    ]
    return pick("LINE", "bank line", text, found, "`keel bank lines` lists them")


ITEMS = "invoice:NUMBER[:AMOUNT[:FEE]], bill:REFERENCE[:AMOUNT], expense:RECEIPT or account:CODE[:AMOUNT]"
FINDERS: dict[str, Callable[[Keel, str, str], Found]] = {
    "invoice": find_invoice,
    "bill": find_bill,
    "expense": find_claim,
}


def _item(keel: Keel, text: str) -> dict[str, Any]:
    """One ITEM of ``keel bank match``; a bill's or a claim's amount is money out whichever sign it is given."""
    kind, _, rest = text.partition(":")
    parts = rest.split(":")
    if kind not in (*FINDERS, "account") or not parts[0]:
        raise fail(f"ITEM: {text!r}: {ITEMS}")
    finder = FINDERS.get(kind)
    target = finder(keel, parts[0], "ITEM").id if finder else parts[0]
    item: dict[str, Any] = {"kind": kind, "target": target}
    if len(parts) > 1 and parts[1]:
        item["amount"] = "-" + parts[1].lstrip("-") if kind in ("bill", "expense") else parts[1]
    if len(parts) > 2 and parts[2]:
        item["fee"] = parts[2]
    return item


@bank_app.command("match")
def match(
    line: Annotated[str, typer.Argument(help="The line's id (its first 8 digits are enough).")],
    items: Annotated[list[str], typer.Argument(help=ITEMS + " …")],
) -> None:
    """Match a line to invoices (its customer's payment is recorded, less a bank fee), bills (the
    supplier's payment), an approved expense claim (its reimbursement) or accounts (a journal entry)."""
    from ledger.events import Meta
    from ledger.money import from_minor

    with keel_system() as keel:
        catch_up(keel)
        found = _line(keel, line)
        given = [_item(keel, text) for text in items]
        if len(given) == 1 and "amount" not in given[0]:
            with keel.views.read() as cur:
                cur.execute("SELECT amount_minor, currency FROM bank_lines WHERE id = %s", [found.id])
                minor, currency = cur.fetchone() or (0, "EUR")
            given[0]["amount"] = str(from_minor(int(minor), str(currency)))
        body = body_of(schemas.MatchBody, {"items": "ITEM"}, items=given)
        result = keel.app.handle(body.to_command(Meta(cli_actor()), UUID(found.id)))
    said(f"line {short(found.id)} matched (log position {result.position})")


@bank_app.command("unmatch")
def unmatch(
    line: Annotated[str, typer.Argument(help="The line's id (its first 8 digits are enough).")],
    reason: Annotated[str, typer.Option("--reason")] = "unmatched",
) -> None:
    """Take a line's match back: what it recorded is reversed, as events."""
    from commands.messages import UnmatchBankLine
    from ledger.events import Meta

    with keel_system() as keel:
        catch_up(keel)
        found = _line(keel, line)
        result = keel.app.handle(UnmatchBankLine(meta=Meta(cli_actor()), line_id=UUID(found.id), reason=reason))
    said(f"line {short(found.id)} unmatched (log position {result.position})")
