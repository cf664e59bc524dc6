"""Bank accounts of the business, each mapped to a ledger account, with what their statements need:
saved CSV column mappings and the reconciliation rules (issue 18, ADR 0034).

- ``BankAccount``: a name the business uses ("Main EUR"), the ledger account its money is booked
  on (an active asset of sub-type bank in the chart), an optional IBAN (checked: ISO 13616 length
  and mod 97) and the account's currency. Its id derives from its name, so every way in finds it
  by name without a read model. It remembers the last closing balance a statement printed, so the
  next statement's opening can be checked against it.
- ``CsvMapping``: how one bank's CSV export is laid out, saved by name (the settings as canonical
  JSON: the edge that reads CSV knows the fields; the domain keeps and bounds the text).
- ``BankRules``: the store's reconciliation rules ("description contains STRIPE FEE → 6700"), one
  aggregate whose events add and remove them.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING
from uuid import NAMESPACE_URL, UUID, uuid5

from ledger.accounts import AccountType, Subtype, check_code
from ledger.bank_statements import check_iban
from ledger.chart import ChartRules
from ledger.errors import InvalidTransition, InvalidValue
from ledger.events import KeelAggregate, Meta
from ledger.money import Money, minor_units
from ledger.policy import NAME, NOTE, check_text

RULES_ID = uuid5(NAMESPACE_URL, "keel:bank-rules")
DIRECTIONS: tuple[str, ...] = ("in", "out", "any")


def _name(value: str, what: str) -> str:
    name = check_text(value.strip(), NAME, "name")
    if not name:
        raise InvalidValue(f"name: {what} needs a name")
    return name


def bank_account_id(name: str) -> UUID:
    """The id of the bank account called ``name`` (names are compared without case and outer spaces)."""
    return uuid5(NAMESPACE_URL, f"keel:bank-account:{name.strip().casefold()}")


def csv_mapping_id(name: str) -> UUID:
    return uuid5(NAMESPACE_URL, f"keel:csv-mapping:{name.strip().casefold()}")


def check_bank_ledger_account(rules: ChartRules, code: str, currency: str) -> str:
    """``code`` if the chart has it as an active asset account of sub-type bank that takes ``currency``."""
    acct = rules.account(check_code(code, "account"))
    if acct.type is not AccountType.ASSET or acct.subtype != Subtype.BANK.value:
        raise InvalidValue(f"account: {acct.code} {acct.name} is not a bank account (an asset of sub-type bank)")
    if not acct.active:
        raise InvalidTransition(f"account: {acct.code} {acct.name} is deactivated")
    if acct.currency is not None and acct.currency != currency:
        raise InvalidValue(f"account: {acct.code} {acct.name} takes {acct.currency} only, not {currency}")
    return acct.code


class BankAccount(KeelAggregate):
    TOPIC = "keel.BankAccount"

    if TYPE_CHECKING:
        name: str
        account: str
        iban: str | None
        currency: str
        closed_on: date | None  # the last statement's last day (``closing``: its balance)
        closing: Decimal | None
        active: bool  # False once the account is closed: it takes no more statements

    class Event(KeelAggregate.Event):
        pass

    class Created(Event, KeelAggregate.Created):
        TOPIC = "keel.bankaccount.Created.v1"

    class Opened(Created):
        TOPIC = "keel.bank.BankAccountOpened.v1"
        name: str
        account: str
        iban: str | None
        currency: str

        def apply(self, bank: BankAccount) -> None:
            bank.name, bank.account, bank.iban, bank.currency = self.name, self.account, self.iban, self.currency
            bank.closed_on, bank.closing, bank.active = None, None, True

    class Renamed(Event):
        TOPIC = "keel.bank.BankAccountRenamed.v1"
        name: str

        def apply(self, bank: BankAccount) -> None:
            bank.name = self.name

    class Closed(Event):
        """No more money moves through it: nothing unmatched, nothing left on it in the books."""

        TOPIC = "keel.bank.BankAccountClosed.v1"

        def apply(self, bank: BankAccount) -> None:
            bank.active = False

    class StatementClosed(Event):
        """A statement printed this closing balance on this day: the next one should open with it."""

        TOPIC = "keel.bank.StatementClosed.v1"
        statement_id: UUID
        closing: Decimal

        def apply(self, bank: BankAccount) -> None:
            bank.closed_on, bank.closing = self.effective_date, self.closing

    @classmethod
    def open(
        cls, name: str, account: str, iban: str | None, currency: str, rules: ChartRules, on: date, meta: Meta
    ) -> BankAccount:
        name = _name(name, "a bank account")
        minor_units(currency)
        code = check_bank_ledger_account(rules, account, currency)
        checked = check_iban(iban) if iban else None
        return cls._create(
            cls.Opened,
            id=bank_account_id(name),
            name=name,
            account=code,
            iban=checked,
            currency=currency,
            **meta.stamp(on),
        )

    def check_open(self) -> None:
        if not self.active:
            raise InvalidTransition(f"bank_account: bank account {self.name!r} is closed; it takes no statements")

    def rename(self, name: str, on: date, meta: Meta) -> None:
        """A new name; the id (derived from the first name) stays, so ways in look names up in the read model."""
        self.check_open()
        name = _name(name, "a bank account")
        if name != self.name:
            self.trigger_event(self.Renamed, name=name, **meta.stamp(on))

    def close(self, unmatched_lines: int, book_balance: Money, on: date, meta: Meta) -> None:
        """Close it; refused while a statement line is unmatched or the books hold money on it
        (both read by the caller from the read models, as of the closing)."""
        self.check_open()
        if unmatched_lines:
            raise InvalidTransition(
                f"bank_account: {self.name!r} has {unmatched_lines} unmatched statement lines; match them first"
            )
        if not book_balance.is_zero():
            raise InvalidTransition(
                f"bank_account: the books hold {book_balance} on {self.name!r} ({self.account}); move it out first"
            )
        self.trigger_event(self.Closed, **meta.stamp(on))

    def check_statement_account(self, account: str) -> None:
        """A statement names the account it is for: it must be this one's IBAN (when both have one)."""
        if self.iban is not None and account != self.iban:
            raise InvalidValue(
                f"account: the statement is for {account}, but bank account {self.name!r} is {self.iban}"
            )

    def continuity(self, opening: Money | None, from_date: date | None) -> Money | None:
        """``opening - last closing`` when this statement starts where the last one known ended (its
        first day is the day after, or the same day); None when there is nothing to compare."""
        if opening is None or from_date is None or self.closed_on is None or self.closing is None:
            return None
        if not 0 <= (from_date - self.closed_on).days <= 1:
            return None
        return opening - Money(self.closing, self.currency)

    def statement_closed(self, statement_id: UUID, closing: Money, to_date: date, meta: Meta) -> None:
        if self.closed_on is None or to_date >= self.closed_on:
            self.trigger_event(
                self.StatementClosed, statement_id=statement_id, closing=closing.amount, **meta.stamp(to_date)
            )


class CsvMapping(KeelAggregate):
    TOPIC = "keel.CsvMapping"

    if TYPE_CHECKING:
        name: str
        settings: str

    class Event(KeelAggregate.Event):
        pass

    class Created(Event, KeelAggregate.Created):
        TOPIC = "keel.csvmapping.Created.v1"

    class Saved(Created):
        TOPIC = "keel.bank.CsvMappingSaved.v1"
        name: str
        settings: str

        def apply(self, mapping: CsvMapping) -> None:
            mapping.name, mapping.settings = self.name, self.settings

    class Changed(Event):
        TOPIC = "keel.bank.CsvMappingChanged.v1"
        settings: str

        def apply(self, mapping: CsvMapping) -> None:
            mapping.settings = self.settings

    @classmethod
    def save(cls, name: str, settings: str, on: date, meta: Meta) -> CsvMapping:
        name = _name(name, "a column mapping")
        return cls._create(
            cls.Saved, id=csv_mapping_id(name), name=name, settings=_settings(settings), **meta.stamp(on)
        )

    def change(self, settings: str, on: date, meta: Meta) -> None:
        settings = _settings(settings)
        if settings != self.settings:
            self.trigger_event(self.Changed, settings=settings, **meta.stamp(on))


def _settings(settings: str) -> str:
    check_text(settings, NOTE, "settings")
    if not settings.startswith("{"):
        raise InvalidValue("settings: a column mapping is saved as a JSON object")
    return settings


class BankRules(KeelAggregate):
    """The store's reconciliation rules, by name: a line whose text contains ``contains`` (ignoring
    case) and that moves money in ``direction`` is booked against ``account``."""

    TOPIC = "keel.BankRules"

    if TYPE_CHECKING:
        rules: dict[str, tuple[str, str, str]]  # name -> (contains, account, direction)

    class Event(KeelAggregate.Event):
        pass

    class Created(Event, KeelAggregate.Created):
        TOPIC = "keel.bankrules.Created.v1"

        def apply(self, rules: BankRules) -> None:
            rules.rules = {}

    class RuleAdded(Event):
        TOPIC = "keel.bank.RuleAdded.v1"
        name: str
        contains: str
        account: str
        direction: str

        def apply(self, rules: BankRules) -> None:
            rules.rules = {**rules.rules, self.name: (self.contains, self.account, self.direction)}

    class RuleRemoved(Event):
        TOPIC = "keel.bank.RuleRemoved.v1"
        name: str

        def apply(self, rules: BankRules) -> None:
            rules.rules = {k: v for k, v in rules.rules.items() if k != self.name}

    @classmethod
    def start(cls, on: date, meta: Meta) -> BankRules:
        return cls._create(cls.Created, id=RULES_ID, **meta.stamp(on))

    def add(
        self, name: str, contains: str, account: str, direction: str, chart: ChartRules, on: date, meta: Meta
    ) -> None:
        name = check_text(name.strip(), NAME, "name")
        if not name:
            raise InvalidValue("name: a rule needs a name")
        if name in self.rules:
            raise InvalidTransition(f"name: there is already a rule {name!r}; remove it first")
        text = check_text(contains.strip(), NAME, "contains")
        if len(text) < 3:
            raise InvalidValue("contains: a rule matches on at least 3 characters of the line's text")
        if direction not in DIRECTIONS:
            raise InvalidValue(f"direction: one of {', '.join(DIRECTIONS)}, got {direction[:20]!r}")
        acct = chart.account(check_code(account, "account"))
        if not acct.active:
            raise InvalidTransition(f"account: {acct.code} {acct.name} is deactivated")
        if chart.control_role(acct.code) is not None:
            raise InvalidValue(
                f"account: {acct.code} {acct.name} is a control account: it moves through its documents, not a rule"
            )
        self.trigger_event(
            self.RuleAdded, name=name, contains=text, account=acct.code, direction=direction, **meta.stamp(on)
        )

    def remove(self, name: str, on: date, meta: Meta) -> None:
        if name not in self.rules:
            raise InvalidValue(f"name: there is no rule {name[:40]!r}")
        self.trigger_event(self.RuleRemoved, name=name, **meta.stamp(on))
