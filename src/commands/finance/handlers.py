"""Every finance handler: the books, the chart of accounts, payables, expenses, exchange rates,
supplier credit, the bank and reconciliation, and imports."""

from __future__ import annotations

from commands.finance import (
    bank,
    books,
    chart,
    company,
    expenses,
    fx,
    imports,
    journal_import,
    open_items,
    payables,
    planned_costs,
    reconcile,
    supplier_credit,
)
from commands.unit_of_work import handlers

HANDLERS = handlers(
    books.HANDLERS,
    company.HANDLERS,
    chart.HANDLERS,
    payables.HANDLERS,
    expenses.HANDLERS,
    fx.HANDLERS,
    supplier_credit.HANDLERS,
    bank.HANDLERS,
    reconcile.HANDLERS,
    imports.HANDLERS,
    journal_import.HANDLERS,
    open_items.HANDLERS,
    planned_costs.HANDLERS,
)
