"""Every dataset an export can hold, by name."""

from __future__ import annotations

from projections.exports.datasets import Dataset
from projections.exports.journal import JOURNAL
from projections.exports.log import EVENTS
from projections.exports.open_items import OPEN_ITEMS

DATASETS: dict[str, Dataset] = {d.name: d for d in (JOURNAL, OPEN_ITEMS, EVENTS)}
