"""The read models Keel maintains, by name."""

from __future__ import annotations

from projections.access import AccessProjection
from projections.claims import ClaimsProjection
from projections.crm import CrmProjection
from projections.customers import CustomersProjection
from projections.documents import DocumentsProjection
from projections.engine.projection import Projection
from projections.general_ledger import GeneralLedgerProjection
from projections.invoices import InvoicesProjection
from projections.open_items import OpenItemsProjection
from projections.payment_delays import PaymentDelaysProjection
from projections.work import WorkProjection


def default_projections(functional_currency: str = "EUR") -> list[Projection]:
    return [
        GeneralLedgerProjection(functional_currency),
        OpenItemsProjection(functional_currency),
        PaymentDelaysProjection(functional_currency),
        CustomersProjection(),
        InvoicesProjection(),
        DocumentsProjection(),
        ClaimsProjection(),
        CrmProjection(),
        WorkProjection(),
        AccessProjection(),
    ]
