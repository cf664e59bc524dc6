"""Import files at the edge (ADR 0035): CSV opening balances and open items, a ledger journal.

Each reader turns a file's bytes into one import command whose rows keep their line numbers;
problems of form (a decimal comma, a bad date, a missing column) are gathered and refused here,
problems of substance (an unknown account, an unbalanced entry) by the handler. Both name file,
line and field, and nothing is written.
"""
