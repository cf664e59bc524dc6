"""Every finance handler: the books, the chart of accounts, payables, expenses, the bank and reconciliation."""

from __future__ import annotations

from commands.finance import bank, books, chart, expenses, payables, reconcile
from commands.unit_of_work import handlers

HANDLERS = handlers(
    books.HANDLERS, chart.HANDLERS, payables.HANDLERS, expenses.HANDLERS, bank.HANDLERS, reconcile.HANDLERS
)
