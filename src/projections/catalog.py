"""The read models Keel maintains, by name."""

from __future__ import annotations

from projections.access.api_keys import AccessProjection
from projections.access.users import UsersProjection
from projections.automation.outbox import OutboxProjection
from projections.automation.recurring import RecurringProjection
from projections.automation.sales_rules import SalesRulesProjection
from projections.automation.sequences import SequencesProjection
from projections.automation.webhooks import WebhooksProjection
from projections.cash.expected_delays import ExpectedDelaysProjection
from projections.cash.planned_costs import PlannedCostsProjection
from projections.crm.projection import CrmProjection
from projections.delivery.work import WorkProjection
from projections.engine.projection import Projection
from projections.finance.bank import BankProjection
from projections.finance.chart import ChartProjection
from projections.finance.claims import ClaimsProjection
from projections.finance.customers import CustomersProjection
from projections.finance.documents import DocumentsProjection
from projections.finance.fx_rates import FxRatesProjection
from projections.finance.general_ledger import GeneralLedgerProjection
from projections.finance.invoices import InvoicesProjection
from projections.finance.issued_documents import IssuedDocumentsProjection
from projections.finance.open_items import OpenItemsProjection
from projections.finance.payment_delays import PaymentDelaysProjection
from projections.finance.supplier_credit import SupplierCreditProjection
from projections.reminders.reminders import RemindersProjection


def default_projections(functional_currency: str) -> list[Projection]:
    return [
        GeneralLedgerProjection(functional_currency),
        OpenItemsProjection(functional_currency),
        PaymentDelaysProjection(functional_currency),
        CustomersProjection(),
        ChartProjection(),
        InvoicesProjection(),
        DocumentsProjection(),
        ClaimsProjection(),
        CrmProjection(),
        WorkProjection(),
        AccessProjection(),
        UsersProjection(),
        FxRatesProjection(),
        SupplierCreditProjection(),
        BankProjection(),
        IssuedDocumentsProjection(functional_currency),
        OutboxProjection(),
        WebhooksProjection(),
        RemindersProjection(),
        RecurringProjection(),
        PlannedCostsProjection(),
        ExpectedDelaysProjection(),
        SalesRulesProjection(),
        SequencesProjection(),
    ]
