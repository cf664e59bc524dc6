"""Exchange rates, revaluation and supplier credit notes: request bodies and answers (ADR 0033)."""

from __future__ import annotations

import hashlib
import json
from datetime import date
from typing import Annotated
from uuid import UUID

from pydantic import Field

from api.schemas.base import (
    Amount,
    Body,
    CurrencyCode,
    DecimalStr,
    EffectiveDate,
    Identifier,
    OptionalText,
    Out,
    Rate,
    Text,
)
from api.schemas.finance import BillLineIn
from commands import messages as m
from ledger.events import Meta
from ledger.fx import MAX_IMPORT_ROWS
from ledger.policy import FIRST_DAY, LAST_DAY

BusinessDate = Annotated[date, Field(ge=FIRST_DAY, le=LAST_DAY, examples=["2026-09-30"])]

# -- rates ------------------------------------------------------------------------------------


class FxRateBody(Body):
    currency: CurrencyCode
    rate: Rate
    date: BusinessDate | None = Field(None, description="The rate's date (in force from it); today when omitted")

    def to_command(self, meta: Meta) -> m.SetFxRate:
        return m.SetFxRate(meta=meta, on=self.date, currency=self.currency, rate=self.rate)


class FxRateRow(Body):
    date: BusinessDate
    currency: CurrencyCode
    rate: Rate

    def to_input(self) -> m.FxRateInput:
        return m.FxRateInput(currency=self.currency, rate_date=self.date, rate=self.rate)


class FxRatesImportBody(Body):
    rows: list[FxRateRow] = Field(min_length=1, max_length=MAX_IMPORT_ROWS)
    force: bool = Field(False, description="Import rows already imported (the same digest) again")

    def digest(self) -> str:
        """SHA-256 of the rows as canonical JSON: the same rows are the same import."""
        rows = [[r.date.isoformat(), r.currency, r.rate] for r in self.rows]
        return hashlib.sha256(json.dumps(rows, separators=(",", ":")).encode()).hexdigest()

    def to_command(self, meta: Meta) -> m.ImportFxRates:
        rows = tuple(r.to_input() for r in self.rows)
        return m.ImportFxRates(meta=meta, rates=rows, digest=self.digest(), force=self.force)


class FxRate(Out):
    currency: str
    date: date
    rate: DecimalStr = Field(description="Units of the functional currency per unit of the currency")
    source: str = Field(description="set (by hand) or import")


class RevaluationBody(Body):
    as_of: BusinessDate = Field(description="The closing date; its reversal is dated the 1st of the next month")

    def to_command(self, meta: Meta) -> m.RevalueFx:
        return m.RevalueFx(meta=meta, as_of=self.as_of)


# -- supplier credit notes ------------------------------------------------------------------


class SupplierCreditNoteBody(Body):
    reference: Text = Field(description="The supplier's own credit note number")
    lines: list[BillLineIn] = Field(default_factory=list, max_length=500, description="Empty: credit the whole bill")
    reason: OptionalText = ""
    on: EffectiveDate = None

    def to_command(self, meta: Meta, bill_id: UUID) -> m.ReceiveSupplierCreditNote:
        return m.ReceiveSupplierCreditNote(
            meta=meta,
            on=self.on,
            bill_id=bill_id,
            supplier_reference=self.reference,
            lines=tuple(line.to_input() for line in self.lines),
            reason=self.reason,
        )


class ApplySupplierCreditBody(Body):
    bill_id: UUID
    amount: Amount
    on: EffectiveDate = None

    def to_command(self, meta: Meta, credit_note_id: UUID) -> m.ApplySupplierCredit:
        return m.ApplySupplierCredit(
            meta=meta, on=self.on, credit_note_id=credit_note_id, bill_id=self.bill_id, amount=self.amount
        )


class RefundSupplierCreditBody(Body):
    amount: Amount
    rate: Rate | None = None
    reference: OptionalText = ""
    bank_account: Identifier | None = None
    on: EffectiveDate = None

    def to_command(self, meta: Meta, credit_note_id: UUID) -> m.RefundSupplierCredit:
        return m.RefundSupplierCredit(
            meta=meta,
            on=self.on,
            credit_note_id=credit_note_id,
            amount=self.amount,
            rate=self.rate,
            reference=self.reference,
            bank_account=self.bank_account,
        )


class SupplierCreditLine(Out):
    description: str
    account: str
    amount: DecimalStr
    tax_rate: DecimalStr
    tax_inclusive: bool
    cost_center: str | None


class SupplierCreditUse(Out):
    kind: str = Field(description="applied (to a later bill) or refunded")
    on: date
    bill_id: UUID | None
    amount: DecimalStr
    reference: str


class SupplierCreditNote(Out):
    id: UUID
    bill_id: UUID
    supplier_id: UUID
    reference: str = Field(description="The supplier's own credit note number")
    received_on: date
    currency: str
    rate: DecimalStr = Field(description="The bill's rate, at which the note posts")
    net: DecimalStr
    tax: DecimalStr
    total: DecimalStr
    to_credit: DecimalStr = Field(description="The part beyond what was owed on the bill: supplier credit")
    credit_left: DecimalStr = Field(description="Supplier credit not yet used on a bill or refunded")
    reason: str
    lines: list[SupplierCreditLine]
    uses: list[SupplierCreditUse]
    version: int
