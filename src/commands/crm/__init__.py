"""CRM: the pipeline, leads, customers' contacts and owners, deals, activities and follow-ups.

``messages`` holds its commands, ``handlers.HANDLERS`` maps each to its handler.
"""
