"""The projection engine and its storage: folding the log into read models exactly once
(``engine``), the read-model database (``db``, ``sql``, ``pool``), following the log, waiting
for a position, failures, rebuilds beside the serving tables (``shadow``), and what read models
share (bitemporal ``spans``, keyset ``pages``). It knows no business context."""
