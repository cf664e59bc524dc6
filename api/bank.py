"""The bank's ways in, shared by HTTP and the CLI (issue 18, ADR 0034): a statement file into the
import command, and auto-reconciliation — read the unmatched lines, the open invoices and the rules
from the read models, let ``ledger.reconciliation`` decide, apply the certain matches as commands.

Auto-reconciliation is a process manager in the sense of DESIGN §10: each match it applies is a
``MatchBankLine`` whose command id derives from the line (and what it records derives from the line
and how often it was matched), so running it twice, or two of it at once, never matches a line twice.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import BinaryIO
from uuid import UUID, uuid5

from api.statements import Format, StatementEnd, StatementError, iter_statement, mapping_from
from api.statements.source import Source, bounded
from api.system import Keel
from commands import messages as m
from commands.collector import paused_collection
from commands.messages import CommandResult
from ledger.bank_lines import BankStatement
from ledger.bank_statements import Statement, StatementLine
from ledger.errors import AlreadyExists, DomainError, InvalidTransition, InvalidValue, NotFound
from ledger.events import Meta
from ledger.reconciliation import Candidates, Proposal, Tolerance, reconcile
from projections.finance import bank_reports
from projections.finance.bank_reports import BankAccountView


def bank_account(keel: Keel, name_or_id: str) -> BankAccountView:
    """A bank account by name or id, as the read model knows it (caught up by the caller)."""
    with keel.views.read() as cur:
        found = bank_reports.account_named(cur, name_or_id)
    if found is None:
        raise NotFound(f"bank_account: there is no bank account {name_or_id[:60]!r} (`keel bank accounts add`)")
    return found


@dataclass(frozen=True)
class Imported:
    id: UUID
    position: int
    lines: int
    new_lines: int
    known_lines: int
    difference: str | None
    continuity: str | None


def import_statement(
    keel: Keel,
    account: BankAccountView,
    source: Source,
    meta: Meta,
    *,
    filename: str | None = None,
    format: Format | None = None,
    mapping: str | None = None,
    accept_mismatch: bool = False,
    force: bool = False,
) -> Imported:
    """Read a statement file (bounded by ``KEEL_STATEMENT_MAX_BYTES``) into the bank account, in one
    atomic import; a refusal names the file, the line or XML path, and the field."""
    limit = keel.settings.statement_max_bytes
    try:
        stream = bounded(source, limit)
    except InvalidValue as exc:
        raise InvalidValue(f"{filename}: {exc}" if filename else str(exc)) from None
    digest = _digest(stream)
    column_mapping = None
    if mapping is not None:
        with keel.views.read() as cur:
            settings = bank_reports.mapping(cur, mapping)
        if settings is None:
            raise NotFound(f"mapping: there is no CSV mapping {mapping[:60]!r} (`keel bank mappings add`)")
        column_mapping = mapping_from(json.loads(settings))

    def read() -> Iterator[StatementLine | Statement]:
        stream.seek(0)
        for part in iter_statement(
            stream,
            format=format,
            mapping=column_mapping,
            account=account.iban or account.name,
            currency=account.currency,
            max_bytes=limit,
            filename=filename,
        ):
            yield part.statement if isinstance(part, StatementEnd) else part

    command = m.ImportBankStatement(
        meta=meta,
        bank_account=account.name,
        bank_account_id=UUID(account.id),
        read=read,
        digest=digest,
        filename=(filename or "")[-200:] or None,
        accept_mismatch=accept_mismatch,
        force=force,
    )
    try:
        result = keel.app.handle(command)
    except StatementError as exc:  # the reader's: names the file, the place and the field
        raise exc.in_file(filename) from None
    except InvalidValue as exc:  # a refusal of the import: named by the file too
        text = str(exc)
        raise InvalidValue(text if not filename or text.startswith(filename) else f"{filename}: {text}") from None
    event = keel.app.first_event(BankStatement, result.id)
    return Imported(
        result.id,
        result.position,
        event.lines,  # type: ignore[attr-defined]
        event.new_lines,  # type: ignore[attr-defined]
        event.known_lines,  # type: ignore[attr-defined]
        _text(event.difference),  # type: ignore[attr-defined]
        _text(event.continuity),  # type: ignore[attr-defined]
    )


def _text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _digest(stream: BinaryIO) -> str:
    digest = hashlib.sha256()
    stream.seek(0)
    while chunk := stream.read(1024 * 1024):
        digest.update(chunk)
    stream.seek(0)
    return digest.hexdigest()


def check_name_free(keel: Keel, name: str, account: BankAccountView) -> None:
    """A rename to a name another account has now is refused here (the write side finds accounts
    by id; only the read model knows names an account was renamed to)."""
    with keel.views.read() as cur:
        taken = bank_reports.account_named(cur, name)
    if taken is not None and taken.id != account.id:
        raise AlreadyExists(f"name: there is already a bank account {name.strip()[:60]!r}")


def close_account(keel: Keel, account: BankAccountView, meta: Meta, on: date | None = None) -> CommandResult:
    """Close a bank account: what it still has (lines unmatched, money in the books) is read here,
    from the read models caught up by the caller, and checked by the domain."""
    day = on or keel.app.today()
    still = bank_reports.reconciliation(keel.views, account, day, None)
    command = m.CloseBankAccount(
        meta=meta,
        on=on,
        bank_account_id=UUID(account.id),
        unmatched_lines=len(still.lines),
        book_balance=str(still.book_balance),
    )
    return keel.app.handle(command)


@dataclass
class Outcome:
    """What a reconciliation run did: matches applied, suggestions left, lines nothing fits."""

    matched: list[Proposal] = field(default_factory=list)
    suggested: list[Proposal] = field(default_factory=list)
    unmatched: list[str] = field(default_factory=list)
    position: int = 0


@paused_collection()  # every open invoice and line in memory at once: no cyclic passes over them (ADR 0050)
def auto_reconcile(
    keel: Keel, account: BankAccountView, actor: str, tolerance: Tolerance, *, apply: bool = True
) -> Outcome:
    """Propose a match for every unmatched line; apply the certain ones (``apply``)."""
    with keel.views.read() as cur:
        facts = bank_reports.unmatched_facts(cur, account.id)
        candidates = Candidates.of(
            bank_reports.open_invoices(cur),
            bank_reports.payers(cur),
            bills=bank_reports.open_bills(cur),
            claims=bank_reports.approved_claims(cur),
            payees=bank_reports.payees(cur),
        )
        rules = bank_reports.rules(cur)
    certain, suggested, nothing = reconcile(facts, candidates, rules, tolerance)
    outcome = Outcome(suggested=suggested, unmatched=nothing)
    if not apply:
        outcome.suggested = certain + suggested
        return outcome
    commands = [_command(proposal, actor) for proposal in certain]
    for start in range(0, len(commands), BATCH):
        batch, proposals = commands[start : start + BATCH], certain[start : start + BATCH]
        try:  # all of the batch in one transaction …
            result = keel.app.handle(m.MatchBankLines(meta=Meta(actor), matches=tuple(batch)))
        except DomainError:  # … or, when one of them is refused, each on its own
            for command, proposal in zip(batch, proposals, strict=True):
                _one(keel, command, proposal, outcome)
            continue
        outcome.matched += proposals
        outcome.position = max(outcome.position, result.position)
    return outcome


BATCH = 1_000  # matches recorded in one transaction


def _command(proposal: Proposal, actor: str) -> m.MatchBankLine:
    line = UUID(proposal.line_id)
    return m.MatchBankLine(
        meta=Meta(actor, command_id=str(uuid5(line, "auto-match"))),
        line_id=line,
        items=tuple(
            m.MatchInput(kind=i.kind, target=i.target, amount=str(i.amount), fee=str(i.fee)) for i in proposal.items
        ),
        rule=proposal.rule,
        score=proposal.score,
        auto=True,
    )


def _one(keel: Keel, command: m.MatchBankLine, proposal: Proposal, outcome: Outcome) -> None:
    try:
        result = keel.app.handle(command)
    except InvalidTransition:  # matched meanwhile (another run): nothing to do
        return
    except DomainError as exc:  # the books disagree with the read model (a closed period): suggest it
        outcome.suggested.append(Proposal(proposal.line_id, proposal.items, 99, f"{proposal.why}; not applied: {exc}"))
        return
    outcome.matched.append(proposal)
    outcome.position = max(outcome.position, result.position)


def proposal_items(proposal: Proposal) -> list[dict[str, str]]:
    return [
        {"kind": i.kind, "target": i.target, "label": i.label, "amount": str(i.amount), "fee": str(i.fee)}
        for i in proposal.items
    ]
