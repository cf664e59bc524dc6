"""The read models Keel maintains, by name."""

from __future__ import annotations

from projections.customers import CustomersProjection
from projections.engine import Projection
from projections.general_ledger import GeneralLedgerProjection
from projections.invoices import InvoicesProjection


def default_projections() -> list[Projection]:
    return [GeneralLedgerProjection(), CustomersProjection(), InvoicesProjection()]
