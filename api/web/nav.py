"""The web app's menu: each screen once, with the scope a user needs to see it (ADR 0048)."""

from __future__ import annotations

from ledger.access import ADMIN_KEYS, READ_FINANCE, READ_REPORTS, READ_WORK, WRITE_EXPENSES

# (path, label, scope): a user sees the entries their roles give the scope of
NAV: tuple[tuple[str, str, str], ...] = (
    ("/dashboard", "Dashboard", READ_REPORTS),
    ("/reports/trial-balance", "Trial balance", READ_REPORTS),
    ("/reports/profit-and-loss", "Profit and loss", READ_REPORTS),
    ("/reports/balance-sheet", "Balance sheet", READ_REPORTS),
    ("/reports/receivables", "Receivables", READ_REPORTS),
    ("/bank", "Bank", READ_FINANCE),
    ("/admin", "Admin", ADMIN_KEYS),
    ("/approvals", "Approvals", WRITE_EXPENSES),
    ("/timesheet", "Timesheet", READ_WORK),
)
