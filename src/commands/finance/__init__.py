"""Finance: the books (periods, year-end close, journal entries), payables and expenses.

``messages`` holds its commands, ``handlers.HANDLERS`` maps each to its handler (``books``,
``payables``, ``expenses``).
"""
