"""Imported bank statements and their lines, and what each line was matched to (issue 18, ADR 0034).

- ``BankStatement``: one import of one statement file into one bank account — the file's digest,
  the bank's period and balances, how many lines it held, how many were new and how many were
  already known, and the differences found (the statement against itself, and against the last
  statement's closing balance). Its id derives from the account and the file's digest, so the same
  file is recognised when it comes again.
- ``BankLine``: one booked movement, created by ``BankStatementLineImported``. Its id derives from
  the bank account and the line's ``line_key``, so a line two overlapping statements both hold is
  one aggregate, imported once. Its later events say what it was matched to (``Matched``: the
  ledger items and what was recorded for each) and when a match was taken back (``Unmatched``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any, cast
from uuid import UUID, uuid5

from ledger.bank_statements import StatementLine
from ledger.errors import InvalidTransition, InvalidValue
from ledger.events import KeelAggregate, Meta
from ledger.money import Money

KINDS = ("invoice", "bill", "expense", "account")


def statement_id(bank_account_id: UUID, digest: str, again: str = "") -> UUID:
    """The id of a statement file's import: the same file into the same account has the same id
    (``again``: a forced re-import, named by its command)."""
    return uuid5(bank_account_id, f"statement:{digest}{':' + again if again else ''}")


def line_id(bank_account_id: UUID, key: str) -> UUID:
    """The id of the line with this ``line_key`` on this bank account."""
    return uuid5(bank_account_id, f"line:{key}")


_VERSION_5 = (0x8000 << 48) | (5 << 76)  # RFC 4122 variant and version 5, as ``uuid5`` sets them
_KEEP = ~((0xC000 << 48) | (0xF000 << 64)) & ((1 << 128) - 1)


def line_ids(bank_account_id: UUID) -> Callable[[str], UUID]:
    """``line_id`` for one bank account's lines, in half the time: the namespace's bytes taken once
    and the version set on the integer (a statement derives 100,000 ids)."""
    prefix = bank_account_id.bytes + b"line:"

    def line_id_of(key: str) -> UUID:
        digest = hashlib.sha1(prefix + key.encode(), usedforsecurity=False).digest()
        return UUID(int=(int.from_bytes(digest[:16]) & _KEEP) | _VERSION_5)

    return line_id_of


def _line_fields(line: StatementLine) -> dict[str, Any]:
    """What a statement line brings to its ``Imported`` event (besides its currency and date)."""
    return {
        "line_key": line.line_key,
        "amount": line.amount.amount,
        "description": line.description,
        "value_date": line.value_date,
        "reference": line.reference,
        "counterparty_name": line.counterparty_name,
        "counterparty_iban": line.counterparty_iban,
        "bank_reference": line.bank_reference,
        "charges": line.charges.amount if line.charges is not None else None,
    }


@dataclass(frozen=True, slots=True)
class MatchItem:
    """One ledger item a line (or part of it) is: ``amount`` is the part of the line's amount it
    explains (signed as on the statement), ``fee`` what the bank kept on the way (recorded as a bank
    fee), ``target`` the invoice, bill or account code, ``record_id`` what the match recorded (the
    payment or the journal entry), so an unmatch can reverse it."""

    kind: str
    target: str
    amount: Decimal
    fee: Decimal = Decimal(0)
    record_id: str = ""
    label: str = ""


class BankStatement(KeelAggregate):
    TOPIC = "keel.BankStatement"

    if TYPE_CHECKING:
        bank_account_id: UUID
        digest: str
        new_lines: int
        known_lines: int

    class Event(KeelAggregate.Event):
        pass

    class Created(Event, KeelAggregate.Created):
        TOPIC = "keel.bankstatement.Created.v1"

    class Imported(Created):
        TOPIC = "keel.bank.BankStatementImported.v1"
        bank_account_id: UUID
        digest: str
        filename: str | None
        source_format: str
        statement_ref: str | None
        from_date: date | None
        to_date: date | None
        currency: str
        opening: Decimal | None
        closing: Decimal | None
        lines: int
        new_lines: int
        known_lines: int
        total: Decimal
        difference: Decimal | None  # opening + lines - closing, when the statement gives both
        continuity: Decimal | None  # opening - the last statement's closing, when it follows one
        accepted_mismatch: bool

        def apply(self, statement: BankStatement) -> None:
            statement.bank_account_id, statement.digest = self.bank_account_id, self.digest
            statement.new_lines, statement.known_lines = self.new_lines, self.known_lines

    @classmethod
    def record(
        cls,
        statement_id: UUID,
        bank_account_id: UUID,
        digest: str,
        filename: str | None,
        source_format: str,
        statement_ref: str | None,
        period: tuple[date | None, date | None],
        balances: tuple[Money | None, Money | None],
        counts: tuple[int, int, int],
        total: Money,
        continuity: Money | None,
        accept_mismatch: bool,
        on: date,
        meta: Meta,
    ) -> BankStatement:
        opening, closing = balances
        difference = None if opening is None or closing is None else opening + total - closing
        problems = []
        if difference is not None and not difference.is_zero():
            problems.append(
                f"the statement does not add up: it opens at {opening}, its lines total {total}, so it should"
                f" close at {opening + total if opening else total}, but it closes at {closing}"
                f" (a difference of {difference})"
            )
        if continuity is not None and opening is not None and not continuity.is_zero():
            problems.append(
                f"it opens at {opening}, but the last statement imported closed at {opening - continuity}"
                f" (a difference of {continuity}): a statement between them may be missing"
            )
        if problems and not accept_mismatch:
            raise InvalidValue("balance: " + "; ".join(problems) + "; nothing written (--accept-mismatch imports it)")
        lines, new, known = counts
        return cls._create(
            cls.Imported,
            id=statement_id,
            bank_account_id=bank_account_id,
            digest=digest,
            filename=filename,
            source_format=source_format,
            statement_ref=statement_ref,
            from_date=period[0],
            to_date=period[1],
            currency=total.currency,
            opening=opening.amount if opening else None,
            closing=closing.amount if closing else None,
            lines=lines,
            new_lines=new,
            known_lines=known,
            total=total.amount,
            difference=difference.amount if difference is not None else None,
            continuity=continuity.amount if continuity is not None else None,
            accepted_mismatch=bool(problems),
            **meta.stamp(on),
        )


class BankLine(KeelAggregate):
    TOPIC = "keel.BankLine"

    if TYPE_CHECKING:
        bank_account_id: UUID
        line_key: str
        amount: Money
        booking_date: date
        description: str
        reference: str | None
        counterparty_iban: str | None
        charges: Decimal | None
        items: list[MatchItem]
        matches: int

    class Event(KeelAggregate.Event):
        pass

    class Created(Event, KeelAggregate.Created):
        TOPIC = "keel.bankline.Created.v1"

    class Imported(Created):
        TOPIC = "keel.bank.BankStatementLineImported.v1"
        bank_account_id: UUID
        statement_id: UUID
        line_key: str
        amount: Decimal
        currency: str
        description: str
        value_date: date | None
        reference: str | None
        counterparty_name: str | None
        counterparty_iban: str | None
        bank_reference: str | None
        charges: Decimal | None

        def apply(self, line: BankLine) -> None:
            line.bank_account_id, line.line_key = self.bank_account_id, self.line_key
            line.amount = Money(self.amount, self.currency)
            line.booking_date = self.effective_date
            line.description, line.reference = self.description, self.reference
            line.counterparty_iban, line.charges = self.counterparty_iban, self.charges
            line.items, line.matches = [], 0

    class Matched(Event):
        TOPIC = "keel.bank.BankLineMatched.v1"
        items: list[MatchItem]
        rule: str | None
        score: int
        auto: bool

        def apply(self, line: BankLine) -> None:
            line.items = list(self.items)
            line.matches += 1

    class Unmatched(Event):
        TOPIC = "keel.bank.BankLineUnmatched.v1"
        reason: str

        def apply(self, line: BankLine) -> None:
            line.items = []

    @classmethod
    def imported(cls, bank_account_id: UUID, statement_id: UUID, line: StatementLine, meta: Meta) -> BankLine:
        created = cls.imported_event(bank_account_id, statement_id, line, meta)
        aggregate = cast("BankLine", created.mutate(None))
        aggregate.pending_events.append(created)
        return aggregate

    @classmethod
    def imported_event(
        cls, bank_account_id: UUID, statement_id: UUID, line: StatementLine, meta: Meta, known_id: UUID | None = None
    ) -> BankLine.Imported:
        """The event that creates an imported line, without the aggregate: a statement appends
        100,000 of them and needs none of their states (what ``Aggregate._create`` would build).
        ``known_id``: the line's id when the caller has derived it already (a uuid5 per line)."""
        made: Any = cls.Imported  # an event class is a dataclass the type checker does not see as one
        return cast(
            "BankLine.Imported",
            made(
                originator_topic=cls.TOPIC,  # what Aggregate._create names: the class's registered topic
                originator_id=known_id or line_id(bank_account_id, line.line_key),
                originator_version=cls.INITIAL_VERSION,
                timestamp=cls.Imported.create_timestamp(),
                bank_account_id=bank_account_id,
                statement_id=statement_id,
                currency=line.amount.currency,
                **_line_fields(line),
                **meta.stamp(line.booking_date),
            ),
        )

    @classmethod
    def imports(cls, bank_account_id: UUID, statement_id: UUID, meta: Meta) -> LineImports:
        """The events of one statement's lines, made faster than ``imported_event`` one by one."""
        return LineImports(bank_account_id, statement_id, meta)

    @property
    def matched(self) -> bool:
        return bool(self.items)

    @property
    def label(self) -> str:
        return f"{self.booking_date} {self.amount} {self.description[:40]!r}"

    def check_unmatched(self) -> None:
        if self.matched:
            shown = ", ".join(i.label or f"{i.kind} {i.target}" for i in self.items)
            raise InvalidTransition(f"bank line {self.id} ({self.label}) is already matched to {shown}")

    def match(self, items: list[MatchItem], rule: str | None, score: int, auto: bool, on: date, meta: Meta) -> None:
        """Record what the line is; the items must explain its amount exactly."""
        self.check_unmatched()
        if not items:
            raise InvalidValue("items: a match names at least one ledger item")
        total = Money.zero(self.amount.currency)
        for item in items:
            if item.kind not in KINDS:
                raise InvalidValue(
                    f"items: a {item.kind!r}? a line matches an invoice, a bill, an expense claim or an account"
                )
            if item.fee < 0:
                raise InvalidValue(f"items: a bank fee is a positive amount, got {item.fee}")
            total += Money(item.amount, self.amount.currency)
        if total != self.amount:
            raise InvalidValue(
                f"items: they explain {total} of the line's {self.amount}; a match explains all of it"
                " (split the rest to another item)"
            )
        if on < self.booking_date:
            raise InvalidValue(f"a match dated {on} is before the line was booked ({self.booking_date})")
        self.trigger_event(self.Matched, items=items, rule=rule, score=score, auto=auto, **meta.stamp(on))

    def unmatch(self, reason: str, on: date, meta: Meta) -> list[MatchItem]:
        """Take the match back; what it recorded is reversed by the caller (returned here)."""
        if not self.matched:
            raise InvalidTransition(f"bank line {self.id} ({self.label}) is not matched")
        items = list(self.items)
        self.trigger_event(self.Unmatched, reason=reason.strip() or "unmatched", **meta.stamp(on))
        return items


class LineImports:
    """Makes the ``Imported`` events of one statement's lines into one bank account.

    The first line's event is made as any event (``imported_event``: the input policy checks every
    field). The rest copy its state and replace only what a line brings: the policy has already
    checked each of those values when the ``StatementLine`` was built, by the same rule for the same
    field (texts: description and reference as text, the others as names; dates: business dates;
    amounts: the money bound, far inside the decimal one; the key: a 32-character digest), and the
    rest (account, statement, currency, actor, command) is the first event's, checked with it; so is
    the time the events were made (one command makes them all: the log's own time of each is the
    recorder's, ``recorded_at``). The events are the same, key order included (the stored bytes are:
    ``tests/unit/test_bank_line_events``); a statement's 100,000 events take a fifth of the time the
    dataclass and the policy took.
    """

    def __init__(self, bank_account_id: UUID, statement_id: UUID, meta: Meta) -> None:
        self.bank_account_id, self.statement_id, self.meta = bank_account_id, statement_id, meta
        self.line_id = line_ids(bank_account_id)  # each line's id from its key
        self.currency = ""
        self.template: dict[str, Any] | None = None

    def event(self, line: StatementLine, known_id: UUID) -> BankLine.Imported:
        """``BankLine.imported_event(…, line, meta, known_id)``; ``known_id`` is the line's id."""
        if self.template is None or line.amount.currency != self.currency:
            first = BankLine.imported_event(self.bank_account_id, self.statement_id, line, self.meta, known_id)
            self.template, self.currency = dict(vars(first)), line.amount.currency
            return first
        state = self.template.copy()  # the key order of the dataclass's __init__, kept by update
        state.update(_line_fields(line), originator_id=known_id, effective_date=line.booking_date)
        made = object.__new__(BankLine.Imported)
        made.__dict__.update(state)
        return made
