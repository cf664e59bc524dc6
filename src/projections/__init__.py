"""Keel's read side: projections from the global log, the engine that runs them, and the queries
that answer "as of a business date, as known at a moment" — in rooms by business context (the
engine, finance, crm, delivery, access, cash, and the query layer over them; ADR 0028)."""
