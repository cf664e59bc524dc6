"""Every finance handler: the books, the chart of accounts, payables, expenses and imports."""

from __future__ import annotations

from commands.finance import books, chart, expenses, imports, journal_import, payables
from commands.unit_of_work import handlers

HANDLERS = handlers(
    books.HANDLERS, chart.HANDLERS, payables.HANDLERS, expenses.HANDLERS, imports.HANDLERS, journal_import.HANDLERS
)
