"""Automation: schedules, and the outbox's messages (queued by cause, delivered, failed)."""
