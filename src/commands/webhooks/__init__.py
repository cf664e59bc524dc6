"""Webhooks on the write side: subscriptions, and the worker's record of each delivery attempt."""
