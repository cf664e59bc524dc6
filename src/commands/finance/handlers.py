"""Every finance handler: the books, the chart of accounts, payables and expenses."""

from __future__ import annotations

from commands.finance import books, chart, expenses, payables
from commands.unit_of_work import handlers

HANDLERS = handlers(books.HANDLERS, chart.HANDLERS, payables.HANDLERS, expenses.HANDLERS)
