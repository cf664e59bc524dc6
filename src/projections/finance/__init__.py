"""Finance: the books and what they are read for — the general ledger, open items, payment
delays, documents and parties, invoices, expense claims, customers (the party master every
context reads; see ADR 0028), the accountant's reports, the restatement of a closed period,
the ledger-format export, and the finance lists."""
