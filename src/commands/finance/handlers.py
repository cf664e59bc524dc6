"""Every finance handler: the books, payables and expenses."""

from __future__ import annotations

from commands.finance import books, expenses, payables
from commands.unit_of_work import handlers

HANDLERS = handlers(books.HANDLERS, payables.HANDLERS, expenses.HANDLERS)
