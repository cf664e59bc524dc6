"""Keel's read side: projections from the global log, the engine that runs them, and
the queries that answer "as of a business date, as known at a moment"."""
