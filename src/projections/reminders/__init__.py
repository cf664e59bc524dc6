"""The reminders read model (who was reminded of what, and when), the dunning policy in force, and
what the worker's reminder jobs ask of the other read models."""
