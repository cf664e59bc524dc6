"""Sales: customers, invoices, credit notes, payments and customer credit.

``messages`` holds its commands, ``handlers.HANDLERS`` maps each to its handler.
"""
