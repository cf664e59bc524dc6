"""The bank (issue 18, ADR 0034): request bodies (each builds its command) and the answers, derived
from the read side."""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import Field, StringConstraints, field_validator

from api.schemas.base import AccountCode, Body, CurrencyCode, EffectiveDate, Name, Out, Report
from api.schemas.derive import derived
from api.schemas.reports import Scope  # noqa: F401  (derived first: every report holds it)
from api.statements import mapping_from
from commands import messages as m
from ledger.errors import InvalidValue
from ledger.events import Meta
from projections.finance import bank_reports

Iban = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, min_length=15, max_length=42, pattern=r"^[A-Za-z]{2}[0-9]{2}[A-Za-z0-9 ]+$"
    ),
    Field(description="International bank account number (spaces allowed; checked by mod 97)"),
]
# A signed amount: a match's part of a line is negative for money out
SignedAmount = Annotated[
    str,
    StringConstraints(strip_whitespace=True, pattern=r"^-?[0-9]{1,15}(\.[0-9]{1,8})?$"),
    Field(description='A decimal amount as a string, negative for money out, e.g. "-18.50"'),
]
FeeAmount = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[0-9]{1,15}(\.[0-9]{1,8})?$")]


class BankAccountBody(Body):
    name: Name
    account: AccountCode = Field(description="The ledger account: an active asset of sub-type bank")
    iban: Iban | None = None
    currency: CurrencyCode | None = None
    on: EffectiveDate = None

    def to_command(self, meta: Meta) -> m.OpenBankAccount:
        iban = self.iban.upper() if self.iban else None
        return m.OpenBankAccount(
            meta=meta, on=self.on, name=self.name, account=self.account, iban=iban, currency=self.currency
        )


class RenameBankAccountBody(Body):
    name: Name
    on: EffectiveDate = None

    def to_command(self, meta: Meta, bank_account_id: UUID) -> m.RenameBankAccount:
        return m.RenameBankAccount(meta=meta, on=self.on, bank_account_id=bank_account_id, name=self.name)


class CloseBankAccountBody(Body):
    on: EffectiveDate = None


class CsvMappingBody(Body):
    """A bank's CSV layout: the fields of ``api.statements.ColumnMapping`` (``date`` and ``amount``, or
    ``debit`` and ``credit``, are required; see docs/bank-reconciliation.md)."""

    name: Name
    mapping: dict[str, Any] = Field(examples=[{"date": "Buchungstag", "amount": "Betrag", "decimal": ","}])

    @field_validator("mapping")
    @classmethod
    def _mapping(cls, value: dict[str, Any]) -> dict[str, Any]:
        try:
            mapping_from(value)  # the edge's CSV reader knows the fields
        except InvalidValue as exc:
            raise ValueError(str(exc)) from None
        return value

    def to_command(self, meta: Meta) -> m.SaveCsvMapping:
        return m.SaveCsvMapping(meta=meta, name=self.name, settings=json.dumps(self.mapping, sort_keys=True))


class BankRuleBody(Body):
    name: Name
    contains: Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=200)]
    account: AccountCode
    direction: Literal["in", "out", "any"] = "any"

    def to_command(self, meta: Meta) -> m.AddBankRule:
        return m.AddBankRule(
            meta=meta, name=self.name, contains=self.contains, account=self.account, direction=self.direction
        )


class MatchItemBody(Body):
    kind: Literal["invoice", "bill", "expense", "account"]
    target: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)] = Field(
        description="The invoice's, bill's or expense claim's id, or the account's code"
    )
    amount: SignedAmount
    fee: FeeAmount = "0"


class MatchBody(Body):
    items: list[MatchItemBody] = Field(min_length=1, max_length=100)
    on: EffectiveDate = None

    def to_command(self, meta: Meta, line_id: UUID) -> m.MatchBankLine:
        items = tuple(m.MatchInput(kind=i.kind, target=i.target, amount=i.amount, fee=i.fee) for i in self.items)
        return m.MatchBankLine(meta=meta, on=self.on, line_id=line_id, items=items)


class UnmatchBody(Body):
    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)] = "unmatched"
    on: EffectiveDate = None

    def to_command(self, meta: Meta, line_id: UUID) -> m.UnmatchBankLine:
        return m.UnmatchBankLine(meta=meta, on=self.on, line_id=line_id, reason=self.reason)


class ReconcileBody(Body):
    tolerance_amount: FeeAmount = Field("25.00", description="A bank fee up to this much is suggested")
    tolerance_percent: FeeAmount = Field("1", description="… or up to this percentage of the invoice")
    apply: bool = Field(True, description="Apply the certain matches; false: only suggest")


class StatementImported(Out):
    """An import's outcome: the statement's id and how many of its lines were new."""

    id: UUID
    position: int
    lines: int
    new_lines: int
    known_lines: int
    difference: str | None = Field(description="opening + lines - closing, when the statement gives both")
    continuity: str | None = Field(description="opening - the last statement's closing, when it follows one")


class Proposed(Out):
    line_id: str
    score: int
    why: str
    items: list[dict[str, str]]


class ReconcileOutcome(Out):
    """What ``POST /v1/bank-accounts/{id}/reconcile`` did: the matches applied, the suggestions."""

    matched: list[Proposed]
    suggested: list[Proposed]
    unmatched: list[str]
    position: int


BankAccount = derived(bank_reports.BankAccountView, name="BankAccount")
BankLine = derived(bank_reports.BankLineView, name="BankLine")
BankReconciliation = derived(bank_reports.Reconciliation, name="BankReconciliation", base=Report)
