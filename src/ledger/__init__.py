"""Keel's domain: money, accounts, journal entries, aggregates and their events.

Pure code: the standard library and ``eventsourcing.domain`` only (no web, database or
pydantic imports; import-linter keeps it so).
"""
