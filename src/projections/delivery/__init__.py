"""Delivery: projects, people and their terms, allocations and time (the ``work`` read model),
the reports over them — margins, budget burn, utilisation, work in progress, read with the
general ledger's project dimension — and the delivery lists (projects, people)."""
