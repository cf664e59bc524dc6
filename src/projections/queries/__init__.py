"""Every report and list as a query over the read models; see ``core``."""

from __future__ import annotations

from typing import Any

from projections.queries.accounts import ACCOUNTS
from projections.queries.bank import BANK
from projections.queries.cash import CASH
from projections.queries.core import Answer, Books, Column, Params, Query, Table, ask, named
from projections.queries.crm import SALES
from projections.queries.delivery import DELIVERY
from projections.queries.finance import FINANCE
from projections.queries.fx import FX
from projections.queries.lists import LISTS
from projections.queries.recurring import RECURRING
from projections.queries.reminders import REMINDERS
from projections.queries.sequences import SEQUENCES

QUERIES: dict[str, Query[Any]] = {
    q.name: q
    for q in (*FINANCE, *CASH, *SALES, *DELIVERY, *LISTS, *ACCOUNTS, *FX, *BANK, *REMINDERS, *RECURRING, *SEQUENCES)
}

__all__ = ["QUERIES", "Answer", "Books", "Column", "Params", "Query", "Table", "ask", "named"]
