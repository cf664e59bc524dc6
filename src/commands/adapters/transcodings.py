"""How domain values are written into stored events.

Each transcoding's ``name`` is part of the stored format: never change one. Fields added
later are optional on decode, and old field names are still read (see JournalLineAsDict).
"""

from __future__ import annotations

import dataclasses
from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID

from eventsourcing.persistence import DatetimeAsISO, DecimalAsStr, JSONTranscoder, Transcoding, UUIDAsHex

from ledger.accounts import Account, AccountType
from ledger.bank_lines import MatchItem
from ledger.contacts import Contact
from ledger.crm import Stage
from ledger.email_sequences import SequenceStep
from ledger.expense_policy import ApprovalStep
from ledger.expenses import ClaimDetails
from ledger.fx import FxRate
from ledger.invoice_lines import InvoiceLine
from ledger.journal import JournalLine
from ledger.money import Money
from ledger.payables import BillLine
from ledger.payment import Allocation
from ledger.people import Terms
from ledger.project_terms import ApprovedTime, Billing, Milestone, Rate, ServiceLine
from ledger.supplier_payment import BillAllocation


class DateAsISO(Transcoding):
    type = date
    name = "date_iso"

    def encode(self, obj: date) -> str:
        return obj.isoformat()

    def decode(self, data: str) -> date:
        return date.fromisoformat(data)


def _plain(value: Any) -> Any:
    """Decimals and UUIDs as strings, so the stored form reads the same in any JSON tool."""
    return str(value) if isinstance(value, (Decimal, UUID)) else value


def _field_names(kind: type) -> tuple[str, ...]:
    """A dataclass's field names, in order (asked once per type, not once per value encoded)."""
    names = _FIELD_NAMES.get(kind)
    if names is None:
        names = _FIELD_NAMES[kind] = tuple(f.name for f in dataclasses.fields(kind))
    return names


_FIELD_NAMES: dict[type, tuple[str, ...]] = {}


class DataclassAsDict(Transcoding):
    """A frozen dataclass as a dict of its fields (None omitted); missing fields take defaults."""

    decimals: tuple[str, ...] = ()
    uuids: tuple[str, ...] = ()
    renamed: tuple[tuple[str, str], ...] = ()  # (an old stored name, the field it is now)

    def encode(self, obj: Any) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name in _field_names(type(obj)):
            value = getattr(obj, name)
            if value is not None:
                out[name] = str(value) if isinstance(value, (Decimal, UUID)) else value
        return out

    def decode(self, data: dict[str, Any]) -> Any:
        # ``data`` is the decoder's own, fresh from the JSON: converted in place, not copied.
        for old, new in self.renamed:
            if old in data:
                data[new] = data.pop(old)
        for key in self.decimals:
            if key in data:
                data[key] = Decimal(data[key])
        for key in self.uuids:
            if key in data:
                data[key] = UUID(data[key])
        return self.type(**data)


class JournalLineAsDict(DataclassAsDict):
    type = JournalLine
    name = "keel_journal_line"
    decimals = ("amount", "functional")
    renamed = (("customer_id", "party_id"), ("invoice_id", "document_id"))  # v1 lines' dimensions


class InvoiceLineAsDict(DataclassAsDict):
    type = InvoiceLine
    name = "keel_invoice_line"
    decimals = ("quantity", "unit_price", "tax_rate", "discount_percent")


class AllocationAsDict(DataclassAsDict):
    type = Allocation
    name = "keel_allocation"
    decimals = ("amount",)
    uuids = ("invoice_id",)


class MatchItemAsDict(DataclassAsDict):
    type = MatchItem
    name = "keel_bank_match_item"
    decimals = ("amount", "fee")


class BillLineAsDict(DataclassAsDict):
    type = BillLine
    name = "keel_bill_line"
    decimals = ("amount", "tax_rate")


class BillAllocationAsDict(DataclassAsDict):
    type = BillAllocation
    name = "keel_bill_allocation"
    decimals = ("amount",)
    uuids = ("bill_id",)


class ApprovalStepAsDict(DataclassAsDict):
    type = ApprovalStep
    name = "keel_approval_step"
    decimals = ("above",)


class ClaimDetailsAsDict(DataclassAsDict):
    type = ClaimDetails
    name = "keel_claim_details"
    decimals = ("amount", "tax_rate")


class StageAsDict(DataclassAsDict):
    type = Stage
    name = "keel_stage"
    decimals = ("probability",)


class SequenceStepAsDict(DataclassAsDict):
    type = SequenceStep
    name = "keel_sequence_step"


class ServiceLineAsDict(DataclassAsDict):
    type = ServiceLine
    name = "keel_service_line"
    decimals = ("quantity", "unit_price")


class ContactAsDict(DataclassAsDict):
    type = Contact
    name = "keel_contact"
    uuids = ("contact_id",)


class TermsAsDict(DataclassAsDict):
    type = Terms
    name = "keel_person_terms"
    decimals = ("weekly_capacity", "cost_rate", "bill_rate")


class MilestoneAsDict(DataclassAsDict):
    type = Milestone
    name = "keel_milestone"
    decimals = ("amount",)


class RateAsDict(DataclassAsDict):
    type = Rate
    name = "keel_rate"
    decimals = ("rate",)


class BillingAsDict(DataclassAsDict):
    type = Billing
    name = "keel_billing"
    decimals = ("tax_percent", "monthly_fee")


class ApprovedTimeAsDict(DataclassAsDict):
    type = ApprovedTime
    name = "keel_approved_time"
    decimals = ("hours", "bill_rate")


class FxRateAsDict(DataclassAsDict):
    type = FxRate
    name = "keel_fx_rate"
    decimals = ("rate",)


class MoneyAsDict(DataclassAsDict):
    """Only in snapshots (aggregate state): events carry amounts and currencies as fields."""

    type = Money
    name = "keel_money"
    decimals = ("amount",)


class AccountAsDict(DataclassAsDict):
    """Only in snapshots (the chart's state): events carry an account's fields one by one."""

    type = Account
    name = "keel_account"

    def encode(self, obj: Account) -> dict[str, Any]:
        data = super().encode(obj)
        data["type"] = obj.type.value
        return data

    def decode(self, data: dict[str, Any]) -> Account:
        data["type"] = AccountType(data["type"])
        account: Account = super().decode(data)
        return account


class SetAsList(Transcoding):
    """Only in snapshots (aggregate state), sorted so equal states store equal bytes."""

    type = set
    name = "keel_set"

    def encode(self, obj: set[Any]) -> list[Any]:
        return sorted(obj, key=str)

    def decode(self, data: list[Any]) -> set[Any]:
        return set(data)


def register_keel_transcodings(transcoder: JSONTranscoder) -> None:
    for transcoding in (
        SetAsList(),
        MoneyAsDict(),
        AccountAsDict(),
        TermsAsDict(),
        MilestoneAsDict(),
        RateAsDict(),
        BillingAsDict(),
        ApprovedTimeAsDict(),
        StageAsDict(),
        SequenceStepAsDict(),
        ServiceLineAsDict(),
        ContactAsDict(),
        DateAsISO(),
        JournalLineAsDict(),
        InvoiceLineAsDict(),
        AllocationAsDict(),
        BillLineAsDict(),
        BillAllocationAsDict(),
        MatchItemAsDict(),
        ApprovalStepAsDict(),
        ClaimDetailsAsDict(),
        FxRateAsDict(),
    ):
        transcoder.register(transcoding)


def keel_transcoder() -> JSONTranscoder:
    """A transcoder like the application's (the library's three, then Keel's), for a process that
    has no application: one checking lines of an events file beside the importer."""
    transcoder = JSONTranscoder()
    for transcoding in (UUIDAsHex(), DecimalAsStr(), DatetimeAsISO()):
        transcoder.register(transcoding)
    register_keel_transcodings(transcoder)
    return transcoder
