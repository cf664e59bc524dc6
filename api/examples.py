"""Request examples for the OpenAPI document, one per command body.

A test validates every example against its model, so they cannot drift from the contract.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from api import schemas
from api.routes import keys
from api.schemas.webhooks import WebhookBody

NORTHWIND = "16d82561-cfc1-521f-94fb-2651d6812161"
INVOICE = "5b0c7f3e-2d1a-4c8e-9f10-6a7b8c9d0e1f"
SUPPLIER = "8e2f4a6c-1b3d-4e5f-a7b9-c1d3e5f7a9b1"
BILL = "3c5e7a9b-2d4f-4a6c-8e0a-b2c4d6e8f0a2"
PROJECT = "9a1b2c3d-4e5f-4a7b-8c9d-0e1f2a3b4c5d"

EXAMPLES: dict[type[BaseModel], dict[str, Any]] = {
    schemas.RegisterCustomerBody: {
        "name": "Northwind Studio",
        "payment_terms_days": 30,
        "currency": "EUR",
        "on": "2026-01-05",
    },
    schemas.RenameCustomerBody: {"name": "Northwind Studio GmbH", "on": "2026-10-01"},
    schemas.PaymentTermsBody: {"payment_terms_days": 45},
    schemas.ExpectedPaymentDelayBody: {"days": 20, "reason": "their payment run is monthly", "on": "2026-10-01"},
    schemas.ApplyCreditBody: {"invoice_id": INVOICE, "amount": "120.00"},
    schemas.RefundCreditBody: {"amount": "120.00", "reference": "SEPA 2026-10-07"},
    schemas.DraftInvoiceBody: {
        "customer_id": NORTHWIND,
        "tax_percent": "24",
        "on": "2026-10-05",
        "lines": [
            {"description": "Design system, sprint 3", "quantity": "40", "unit_price": "95.00", "service_code": "DES"},
            {"description": "Workshop", "quantity": "1", "unit_price": "1800.00", "discount_percent": "10"},
        ],
    },
    schemas.IssueInvoiceBody: {"on": "2026-10-05"},
    schemas.SendInvoiceBody: {"to": "accounts@northwind.example", "on": "2026-10-05"},
    schemas.ReasonBody: {"reason": "Issued to the wrong customer"},
    schemas.CreditNoteBody: {
        "reason": "Workshop shortened",
        "lines": [{"description": "Workshop, half day back", "quantity": "1", "unit_price": "900.00"}],
    },
    schemas.RecordPaymentBody: {
        "customer_id": NORTHWIND,
        "amount": "2000.00",
        "on": "2026-10-20",
        "bank_fee": "1.50",
        "reference": "SEPA NW-4471",
        "allocations": [{"invoice_id": INVOICE, "amount": "2000.00"}],
    },
    schemas.UnallocateBody: {"invoice_id": INVOICE, "amount": "500.00"},
    schemas.ClosePeriodBody: {"lock_date": "2026-09-30"},
    schemas.CloseYearBody: {"year": 2026},
    schemas.NumberingBody: {"strict": True, "on": "2026-01-01"},
    schemas.ReopenPeriodBody: {"lock_date": "2026-02-28", "reason": "Late supplier bill for March"},
    schemas.JournalEntryBody: {
        "memo": "Accrue October rent",
        "on": "2026-10-31",
        "lines": [
            {"account": "6100", "debit": "1500.00", "cost_center": "OPS"},
            {"account": "2400", "credit": "1500.00"},
        ],
    },
    schemas.InitBooksBody: {"template": "minimal", "currency": "EUR", "on": "2026-01-01"},
    schemas.AddAccountBody: {
        "code": "1010",
        "name": "Bank — second account",
        "type": "asset",
        "subtype": "bank",
        "parent": "10",
        "on": "2026-01-01",
    },
    schemas.RenameAccountBody: {"name": "Savings bank", "on": "2026-09-01"},
    schemas.MoveAccountBody: {"parent": "10", "on": "2026-09-01"},
    schemas.MapRoleBody: {"code": "1010"},
    schemas.SupplierBody: {"name": "Pixel Print Ltd", "payment_terms_days": 30, "currency": "EUR"},
    schemas.BillBody: {
        "supplier_id": SUPPLIER,
        "supplier_reference": "PP-2026-118",
        "on": "2026-10-03",
        "lines": [{"description": "Brochure print run", "account": "5000", "amount": "840.00", "tax_rate": "24"}],
    },
    schemas.SupplierPaymentBody: {
        "supplier_id": SUPPLIER,
        "allocations": [{"bill_id": BILL, "amount": "1041.60"}],
        "reference": "Transfer 10-28",
        "on": "2026-10-28",
    },
    schemas.CostCenterBody: {"code": "DES", "name": "Design", "manager": "maria"},
    schemas.ManagerBody: {"manager": "olaf"},
    schemas.ExpensePolicyBody: {
        "steps": [{"approver": "cost_center_manager", "above": "0"}, {"approver": "cfo", "above": "1000"}],
        "fallback_approver": "finance",
        "categories": {"travel": "6200", "meals": "6300"},
    },
    schemas.SubmitClaimBody: {
        "category": "travel",
        "description": "Train to the Helios workshop",
        "amount": "86.40",
        "tax_rate": "0",
        "receipt_reference": "DB-99812",
        "cost_center": "DES",
    },
    schemas.ReimburseBody: {"reference": "Payroll October"},
    schemas.PipelineBody: {
        "stages": [
            {"key": "qualified", "name": "Qualified", "probability": "20"},
            {"key": "proposal", "name": "Proposal sent", "probability": "50"},
            {"key": "negotiation", "name": "Negotiation", "probability": "80"},
        ]
    },
    schemas.LeadBody: {"name": "Ada Park", "company": "Kite Labs", "email": "ada@kite.example", "source": "referral"},
    schemas.ConvertLeadBody: {
        "currency": "EUR",
        "contact_role": "CTO",
        "deal": {"title": "Kite website", "value": "18000.00", "stage": "proposal", "expected_close": "2026-11-30"},
    },
    schemas.OpenDealBody: {"customer_id": NORTHWIND, "title": "Design retainer 2027", "value": "24000.00"},
    schemas.MoveDealBody: {"stage": "negotiation", "on": "2026-10-12"},
    schemas.OutcomeBody: {"reason": "Chose a cheaper agency"},
    schemas.ContactBody: {"name": "Jon Berg", "email": "jon@northwind.example", "role": "Finance"},
    schemas.ActivityBody: {
        "kind": "call",
        "about_kind": "customer",
        "about_id": NORTHWIND,
        "subject": "Q4 planning",
        "body": "Wants a proposal for 2027 by mid November",
    },
    schemas.FollowUpBody: {
        "about_kind": "customer",
        "about_id": NORTHWIND,
        "owner": "maria",
        "due": "2026-11-15",
        "note": "Send the 2027 proposal",
    },
    schemas.HireBody: {
        "handle": "ana",
        "name": "Ana Costa",
        "terms": {
            "effective": "2026-04-01",
            "role": "designer",
            "cost_center": "DES",
            "weekly_capacity": "40",
            "cost_rate": "45.00",
            "bill_rate": "95.00",
        },
    },
    schemas.ProjectBody: {"customer_id": NORTHWIND, "name": "Design system"},
    schemas.ConfigureProjectBody: {
        "model": "time_and_materials",
        "start": "2026-10-01",
        "currency": "EUR",
        "tax_percent": "24",
        "rates": {"role:designer": "95", "person:ana": "105"},
        "budget_hours": "300",
        "cost_center": "DES",
    },
    schemas.RetainerFeeBody: {"monthly_fee": "1800.00", "from": "2027-01-01", "on": "2026-12-01"},
    schemas.AllocationBody: {"person": "ana", "week": "2026-10-05", "hours": "32"},
    schemas.TimeBody: {"person": "ana", "day": "2026-10-06", "project_id": PROJECT, "hours": "7.5", "note": "Tokens"},
    schemas.BillingRunBody: {"as_of": "2026-11-01"},
    keys.CreateKeyBody: {"name": "maria", "roles": ["accountant"]},
    keys.TokenBody: {"roles": ["analyst"], "ttl_seconds": 900},
    WebhookBody: {
        "url": "https://erp.example/keel",
        "events": ["invoice.*", "payment.received"],
        "secret": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
        "description": "ERP sync",
    },
}


def add_examples(schema: dict[str, Any]) -> None:
    """Put each example on its component schema (by model name) in the OpenAPI document."""
    components = schema.get("components", {}).get("schemas", {})
    for model, example in EXAMPLES.items():
        if model.__name__ in components:
            components[model.__name__]["examples"] = [example]
