"""The web app's menu: each screen once, with the scope a user needs to see it (ADR 0048)."""

from __future__ import annotations

from ledger.access import ADMIN_KEYS, READ_AUDIT, READ_CRM, READ_FINANCE, READ_REPORTS, READ_WORK, WRITE_EXPENSES

# (path, label, scope): a user sees the entries their roles give the scope of
NAV: tuple[tuple[str, str, str], ...] = (
    ("/reports/trial-balance", "Trial balance", READ_REPORTS),
    ("/reports/profit-and-loss", "Profit and loss", READ_REPORTS),
    ("/reports/balance-sheet", "Balance sheet", READ_REPORTS),
    ("/reports/receivables", "Receivables", READ_REPORTS),
    ("/reports/", "Reports", READ_REPORTS),
    ("/audit", "Audit", READ_AUDIT),
    ("/bank", "Bank", READ_FINANCE),
    ("/admin", "Admin", ADMIN_KEYS),
    ("/approvals", "Approvals", WRITE_EXPENSES),
    ("/timesheet", "Timesheet", READ_WORK),
    ("/customers", "Customers", READ_CRM),
)
