"""``keel fx …`` (the rate table, revaluation) and ``keel bills credit …`` (supplier credit notes).

Each command builds the request body its HTTP route takes (ADR 0033), so the CLI accepts exactly
what the API accepts. A refused value is one line naming the option (exit 1); a refused rate file
lists its bad lines; nothing is written either way. ``keel fx rates list --format json`` prints
the bytes ``GET /v1/fx/rates`` sends.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated
from uuid import UUID

import typer
from rich.markup import escape

from api.cli.base import app, catch_up, cli_actor, fail, keel_system
from api.cli.entry_base import Found, _rows, body_of, pick, refuse, said, short
from api.cli.output import Format, err
from api.cli.reports import AsOf, Cursor, Fmt, KnownAt, Limit, dates, report

if TYPE_CHECKING:
    from api.system import Keel

fx_app = typer.Typer(help="Exchange rates into the functional currency, and revaluation.", no_args_is_help=True)
app.add_typer(fx_app, name="fx")
rate_app = typer.Typer(help="One rate, set by hand.", no_args_is_help=True)
fx_app.add_typer(rate_app, name="rate")
rates_app = typer.Typer(help="The rate table: import a file, list it.", no_args_is_help=True)
fx_app.add_typer(rates_app, name="rates")
bills_app = typer.Typer(help="Supplier bills: credit notes and supplier credit.", no_args_is_help=True)
app.add_typer(bills_app, name="bills")

OnOption = Annotated[
    str | None, typer.Option("--on", help="Business date, YYYY-MM-DD (default: today).", show_default=False)
]


@rate_app.command("set")
def rate_set(
    currency: Annotated[str, typer.Argument(help="ISO 4217 code, e.g. USD.")],
    rate: Annotated[str, typer.Argument(help="Units of the functional currency per unit of CURRENCY, e.g. 0.92.")],
    on: Annotated[str | None, typer.Option("--on", help="The rate's date, YYYY-MM-DD (default: today).")] = None,
) -> None:
    """Set the rate of a currency from a date (it is in force until a later one)."""
    from api.schemas import fx as fx_schemas
    from ledger.events import Meta

    body = body_of(
        fx_schemas.FxRateBody,
        {"currency": "CURRENCY", "rate": "RATE", "date": "--on"},
        currency=currency.upper(),
        rate=rate,
        date=on,
    )
    with keel_system() as keel:
        result = keel.app.handle(body.to_command(Meta(cli_actor())))
        fc = keel.functional_currency
    day = body.date.isoformat() if body.date else "today"
    said(f"1 {body.currency} = {body.rate} {fc} from {day} (log position {result.position})")


@rates_app.command("import")
def rates_import(
    file: Annotated[Path, typer.Argument(help="CSV with a header naming date, currency and rate.")],
    force: Annotated[bool, typer.Option("--force", help="Import a file that was imported before again.")] = False,
) -> None:
    """Import a rate file: checked whole first (every bad line listed, nothing written), then all
    its rates in one event. The same file again is refused unless --force."""
    from api.fx_files import MAX_FILE_BYTES, RateFileError, read_rate_file
    from commands.messages import ImportFxRates
    from ledger.events import Meta

    try:
        with file.open("rb") as handle:
            data = handle.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise fail(f"FILE: cannot read {file}: {exc.strerror or exc}") from None
    with keel_system() as keel:
        try:
            rates, digest = read_rate_file(data, keel.functional_currency, file.name)
        except RateFileError as exc:
            err.print(
                f"[red]error:[/red] {escape(file.name)}: nothing was imported",
                highlight=False,
                soft_wrap=True,
                markup=True,
            )
            for line in exc.errors:
                err.print(f"  {line}", highlight=False, soft_wrap=True, markup=False)
            if exc.more:
                err.print(f"  … and {exc.more} more", highlight=False)
            raise typer.Exit(1) from None
        command = ImportFxRates(meta=Meta(cli_actor()), rates=tuple(rates), digest=digest, force=force)
        result = keel.app.handle(command)
    currencies = sorted({r.currency for r in rates})
    said(
        f"{len(rates)} rate{'s' * (len(rates) != 1)} imported from {file.name} ({', '.join(currencies)};"
        f" sha256 {digest[:12]}…, log position {result.position})"
    )


@rates_app.command("list")
def rates_list(
    as_of: AsOf = None,
    known_at: KnownAt = None,
    currency: Annotated[str | None, typer.Option("--currency", metavar="CODE", help="Only this currency's.")] = None,
    limit: Limit = None,
    cursor: Cursor = None,
    fmt: Fmt = Format.table,
) -> None:
    """The rate table as of --as-of (rates dated on or before it) as known at --known-at."""
    from dataclasses import replace

    from projections.queries import named

    params = replace(
        dates(as_of), filters=named(currency=currency.upper() if currency else None), limit=limit, cursor=cursor
    )
    report("fx-rates", params, known_at, fmt)


@fx_app.command("revalue")
def revalue(
    as_of: Annotated[str, typer.Option("--as-of", metavar="DATE", help="The closing date, YYYY-MM-DD.")],
) -> None:
    """Revalue open foreign-currency receivables, payables and bank balances at the closing rates:
    one entry on --as-of to unrealised FX gain/loss, reversed on the first day of the next month."""
    from api.schemas import fx as fx_schemas
    from ledger.errors import AlreadyExists
    from ledger.events import Meta
    from ledger.fx_revaluation import FxRevaluation

    body = body_of(fx_schemas.RevaluationBody, {"as_of": "--as-of"}, as_of=as_of)
    with keel_system() as keel:
        try:
            result = keel.app.handle(body.to_command(Meta(cli_actor())))
        except AlreadyExists as exc:  # once per date: asking again changes nothing
            said(str(exc))
            return
        posted = next(e for _, e in keel.app.history(result.id) if isinstance(e, FxRevaluation.Posted))
        fc = keel.functional_currency
    gain = -sum(ln.value for ln in posted.journal if ln.role in ("fx_unrealised_gain", "fx_unrealised_loss"))
    said(
        f"FX revaluation at {body.as_of}: {len(posted.journal)} lines, net unrealised"
        f" {'gain' if gain >= 0 else 'loss'} {abs(gain)} {fc},"
        f" reversed on {posted.reverse_on} (log position {result.position})"
    )


# -- supplier credit notes ------------------------------------------------------------------------


def find_bill(keel: Keel, text: str, option: str = "BILL") -> Found:
    """By the supplier's reference (or its id's first digits)."""
    wanted = text.strip().lower()
    rows = _rows(
        keel,
        "SELECT d.id, d.number, p.name FROM documents d LEFT JOIN parties p ON p.id = d.party_id"
        " WHERE d.kind = 'bill' AND (LOWER(d.number) LIKE %s OR d.id LIKE %s) ORDER BY d.issue_date, d.id",
        (f"%{wanted}%", f"{wanted}%"),
    )
    found = [Found(str(i), f"{number} ({name or '?'})", (number,)) for i, number, name in rows]
    return pick(option, "bill", text, found, "GET /v1/bills lists them")


def find_credit_note(keel: Keel, text: str, option: str = "NOTE") -> Found:
    wanted = text.strip().lower()
    rows = _rows(
        keel,
        "SELECT id, reference FROM supplier_credit_notes WHERE LOWER(reference) LIKE %s OR id LIKE %s"
        " ORDER BY received_on, id",
        (f"%{wanted}%", f"{wanted}%"),
    )
    found = [Found(str(i), f"{reference} ({short(i)})", (reference,)) for i, reference in rows]
    return pick(option, "supplier credit note", text, found, "`keel bills credit` records them")


def _line(text: str, number: int) -> dict[str, str]:
    """``Description:account:amount[:tax_rate]``; a description with a colon needs all four."""
    parts = text.rsplit(":", 3) if text.count(":") >= 3 else text.split(":")
    if len(parts) not in (3, 4):
        raise refuse(f"--line {number}", f"not Description:account:amount[:tax_rate]: {text!r}")
    description, account, amount, *rate = parts
    line = {"description": description, "account": account, "amount": amount}
    return line | ({"tax_rate": rate[0]} if rate and rate[0].strip() else {})


@bills_app.command("credit")
def credit(
    bill: Annotated[str, typer.Argument(help="The bill: the supplier's reference (or part of it).")],
    reference: Annotated[str, typer.Option("--reference", help="The supplier's own credit note number.")],
    lines: Annotated[
        list[str] | None,
        typer.Option("--line", help="Description:account:amount[:tax_rate] taken back; repeat for more."),
    ] = None,
    full: Annotated[bool, typer.Option("--full", help="Take back the whole bill.")] = False,
    reason: Annotated[str | None, typer.Option("--reason", help="Why the supplier credits it.")] = None,
    on: OnOption = None,
) -> None:
    """Record a supplier's credit note on a bill: it reduces what is owed on the bill; beyond that it
    becomes supplier credit (used on a later bill, or refunded)."""
    from api.schemas import fx as fx_schemas
    from ledger.events import Meta
    from ledger.supplier_credit import SupplierCreditNote

    if full == bool(lines):
        raise refuse("--line", "give the lines taken back, or --full for the whole bill (not both)")
    options = {"lines": "--line", "reference": "--reference", "reason": "--reason", "on": "--on"}
    body = body_of(
        fx_schemas.SupplierCreditNoteBody,
        options,
        reference=reference,
        lines=[_line(text, n) for n, text in enumerate(lines or [], 1)] or None,
        reason=reason,
        on=on,
    )
    with keel_system() as keel:
        catch_up(keel)
        found = find_bill(keel, bill)
        result = keel.app.handle(body.to_command(Meta(cli_actor()), UUID(found.id)))
        note = keel.app.get(SupplierCreditNote, result.id)
    credit_part = f"; {note.credit.amount:,} {note.currency} became supplier credit" if note.credit.amount else ""
    said(
        f"credit note {note.supplier_reference} on bill {found.label}: {note.total.amount:,} {note.currency}"
        f"{credit_part} (id {short(result.id)}, log position {result.position})"
    )


@bills_app.command("apply-credit")
def apply_credit(
    note: Annotated[str, typer.Argument(help="The credit note: the supplier's reference.")],
    bill: Annotated[str, typer.Option("--bill", help="The later bill of the same supplier it settles.")],
    amount: Annotated[str, typer.Option("--amount", help="How much of the supplier credit to use.")],
    on: OnOption = None,
) -> None:
    """Use supplier credit left by a credit note to settle part of a later bill."""
    from api.schemas import fx as fx_schemas
    from ledger.events import Meta

    with keel_system() as keel:
        catch_up(keel)
        found_note = find_credit_note(keel, note)
        found_bill = find_bill(keel, bill, "--bill")
        body = body_of(
            fx_schemas.ApplySupplierCreditBody, {"amount": "--amount"}, bill_id=found_bill.id, amount=amount, on=on
        )
        result = keel.app.handle(body.to_command(Meta(cli_actor()), UUID(found_note.id)))
    said(f"{body.amount} of {found_note.label} applied to bill {found_bill.label} (log position {result.position})")


@bills_app.command("refund-credit")
def refund_credit(
    note: Annotated[str, typer.Argument(help="The credit note: the supplier's reference.")],
    amount: Annotated[str, typer.Option("--amount", help="How much the supplier paid back.")],
    rate: Annotated[
        str | None, typer.Option("--rate", help="Functional currency per unit (default: the table's).")
    ] = None,
    reference: Annotated[str | None, typer.Option("--reference", help="The bank's reference.")] = None,
    on: OnOption = None,
) -> None:
    """Record the supplier paying supplier credit back into the bank."""
    from api.schemas import fx as fx_schemas
    from ledger.events import Meta

    with keel_system() as keel:
        catch_up(keel)
        found = find_credit_note(keel, note)
        body = body_of(
            fx_schemas.RefundSupplierCreditBody,
            {"amount": "--amount", "rate": "--rate"},
            amount=amount,
            rate=rate,
            reference=reference,
            on=on,
        )
        result = keel.app.handle(body.to_command(Meta(cli_actor()), UUID(found.id)))
    said(f"{body.amount} of {found.label} refunded (log position {result.position})")
