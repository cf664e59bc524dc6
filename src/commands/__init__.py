"""Keel's write side: commands, their handlers and the event-sourced application."""
