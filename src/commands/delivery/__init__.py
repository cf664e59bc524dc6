"""Delivery: people, projects, allocations, timesheets and the billing triggers.

``messages`` holds its commands, ``handlers.HANDLERS`` maps each to its handler.
"""
