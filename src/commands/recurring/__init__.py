"""Recurring invoices (subscriptions): set up, changed from a date, paused, ended, billed per period."""
