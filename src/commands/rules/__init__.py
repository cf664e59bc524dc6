"""Sales automation rules on the write side: their definitions, and each firing once per cause."""
