"""Every dataset an export can hold, by name."""

from __future__ import annotations

from projections.exports.datasets import Dataset
from projections.exports.documents import INVOICES, PAYMENTS
from projections.exports.journal import JOURNAL
from projections.exports.log import EVENTS
from projections.exports.open_items import OPEN_ITEMS
from projections.exports.parties import CUSTOMERS
from projections.exports.pipeline import DEAL_STAGES, DEALS
from projections.exports.work import ALLOCATIONS, TIMESHEETS

DATASETS: dict[str, Dataset] = {
    d.name: d
    for d in (JOURNAL, CUSTOMERS, INVOICES, PAYMENTS, OPEN_ITEMS, DEALS, DEAL_STAGES, TIMESHEETS, ALLOCATIONS, EVENTS)
}
