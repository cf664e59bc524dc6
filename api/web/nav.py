"""The web app's menu: each screen once, with the scope a user needs to see it (ADR 0048)."""

from __future__ import annotations

from ledger.access import (
    ADMIN_KEYS,
    READ_AUDIT,
    READ_CRM,
    READ_FINANCE,
    READ_INVOICES,
    READ_REPORTS,
    READ_WORK,
    WRITE_EXPENSES,
)

# (path, label, scope): a user sees the entries their roles give the scope of
NAV: tuple[tuple[str, str, str], ...] = (
    ("/dashboard", "Dashboard", READ_REPORTS),
    ("/pipeline", "Pipeline", READ_CRM),
    ("/customers", "Customers", READ_CRM),
    ("/rules", "Rules", READ_CRM),
    ("/invoices", "Invoices", READ_INVOICES),
    ("/bills", "Bills", READ_FINANCE),
    ("/reports/", "Reports", READ_REPORTS),
    ("/approvals", "Approvals", WRITE_EXPENSES),
    ("/timesheet", "Timesheet", READ_WORK),
    ("/scenarios", "Scenarios", READ_FINANCE),
    ("/bank", "Bank", READ_FINANCE),
    ("/audit", "Audit", READ_AUDIT),
    ("/admin", "Admin", ADMIN_KEYS),
)
