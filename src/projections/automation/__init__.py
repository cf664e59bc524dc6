"""Automation's read side: the outbox's messages and what became of them."""
