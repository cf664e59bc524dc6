"""How domain values are written into stored events.

Each transcoding's ``name`` is part of the stored format: never change one; add a new
name and keep decoding the old.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID

from eventsourcing.persistence import JSONTranscoder, Transcoding

from ledger.invoice import InvoiceLine
from ledger.journal import JournalLine
from ledger.payment import Allocation


class DateAsISO(Transcoding):
    type = date
    name = "date_iso"

    def encode(self, obj: date) -> str:
        return obj.isoformat()

    def decode(self, data: str) -> date:
        return date.fromisoformat(data)


class JournalLineAsDict(Transcoding):
    type = JournalLine
    name = "keel_journal_line"

    def encode(self, obj: JournalLine) -> dict[str, Any]:
        data: dict[str, Any] = {"account": obj.account, "amount": str(obj.amount), "currency": obj.currency}
        if obj.customer_id:
            data["customer_id"] = obj.customer_id
        if obj.invoice_id:
            data["invoice_id"] = obj.invoice_id
        if obj.memo:
            data["memo"] = obj.memo
        return data

    def decode(self, data: dict[str, Any]) -> JournalLine:
        return JournalLine(
            account=data["account"],
            amount=Decimal(data["amount"]),
            currency=data["currency"],
            customer_id=data.get("customer_id"),
            invoice_id=data.get("invoice_id"),
            memo=data.get("memo", ""),
        )


class InvoiceLineAsDict(Transcoding):
    type = InvoiceLine
    name = "keel_invoice_line"

    def encode(self, obj: InvoiceLine) -> dict[str, str]:
        return {"description": obj.description, "quantity": str(obj.quantity), "unit_price": str(obj.unit_price)}

    def decode(self, data: dict[str, str]) -> InvoiceLine:
        return InvoiceLine(data["description"], Decimal(data["quantity"]), Decimal(data["unit_price"]))


class AllocationAsDict(Transcoding):
    type = Allocation
    name = "keel_allocation"

    def encode(self, obj: Allocation) -> dict[str, str]:
        return {"invoice_id": str(obj.invoice_id), "amount": str(obj.amount)}

    def decode(self, data: dict[str, str]) -> Allocation:
        return Allocation(UUID(data["invoice_id"]), Decimal(data["amount"]))


def register_keel_transcodings(transcoder: JSONTranscoder) -> None:
    for transcoding in (DateAsISO(), JournalLineAsDict(), InvoiceLineAsDict(), AllocationAsDict()):
        transcoder.register(transcoding)
