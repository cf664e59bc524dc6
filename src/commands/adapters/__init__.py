"""Storage adapters of the write side: where the event store lives (``store``), its recorders
(the log's clock, hash chain and idempotency records, per backend), how domain values are
stored inside events (``transcodings``) and the log's clock (``clock``). No business context
is imported here."""
