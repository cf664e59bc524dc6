"""Reminders: dunning levels and opt-outs, staff addresses, and each reminder recorded by its cause."""
