"""Which scope each operation needs: one ordered table, first match wins.

Every operation of the API must match a rule (a test walks the OpenAPI document); an
operation no rule names is refused, never let through.
"""

from __future__ import annotations

from fnmatch import fnmatchcase
from functools import lru_cache

from ledger.access import (
    ADMIN_KEYS,
    ADMIN_SETTINGS,
    CLOSE_BOOKS,
    DRAFT_INVOICES,
    EXPORT,
    READ_AUDIT,
    READ_CRM,
    READ_EVENTS,
    READ_FINANCE,
    READ_INVOICES,
    READ_OPERATIONS,
    READ_REPORTS,
    READ_WORK,
    WRITE_CRM,
    WRITE_CUSTOMERS,
    WRITE_EXPENSES,
    WRITE_FINANCE,
    WRITE_WORK,
    Principal,
)


class Forbidden(Exception):
    """The caller is authenticated but holds none of the scopes the operation needs."""

    def __init__(self, detail: str, required: tuple[str, ...], principal: Principal) -> None:
        super().__init__(detail)
        self.required = required
        self.principal = principal


PUBLIC = ""  # no credentials needed
AUTHENTICATED = "authenticated"  # any valid credentials

WRITE = ("POST", "PUT", "PATCH", "DELETE")

# The web app's pages (api/web): a session, not an API key; each page and form checks its visitor
WEB_PAGES = (
    "/",
    "/login",
    "/logout",
    "/dashboard",
    "/reports/*",
    "/accounts*",
    "/events*",
    "/audit*",
    "/pipeline*",
    "/deals*",
    "/customers*",
    "/invoices*",
    "/credit-notes*",
    "/bills*",
    "/approvals*",
    "/timesheet*",
    "/bank*",
    "/scenarios*",
    "/rules*",
    "/unsubscribe/*",  # the link in every sequence step: its secret is the key
    "/admin*",
)

# (methods, path pattern, scopes of which any one suffices)
RULES: list[tuple[tuple[str, ...], str, tuple[str, ...]]] = [
    (("GET",), "/v1/health", (PUBLIC,)),
    (("GET",), "/metrics", (PUBLIC,)),  # counts, no business data; KEEL_METRICS=false turns it off (ADR 0055)
    # the web app's pages: their visitors are checked by the pages (api/web/visits.py)
    *((("GET", "POST"), path, (PUBLIC,)) for path in WEB_PAGES),
    (("POST",), "/v1/auth/tokens", (AUTHENTICATED,)),
    (("GET",), "/v1/auth/whoami", (AUTHENTICATED,)),
    # keys and settings
    (("GET", *WRITE), "/v1/keys*", (ADMIN_KEYS,)),
    (WRITE, "/v1/imports/events", (ADMIN_SETTINGS,)),
    (
        WRITE,
        "/v1/imports/commands",
        (ADMIN_SETTINGS,),
    ),  # any command: the administrator's  # a log appended as it is: the administrator's
    (WRITE, "/v1/pipeline", (ADMIN_SETTINGS,)),
    (WRITE, "/v1/cost-centers*", (ADMIN_SETTINGS,)),
    (WRITE, "/v1/expense-policy", (ADMIN_SETTINGS,)),
    (("GET",), "/v1/pipeline", (READ_CRM, ADMIN_SETTINGS)),
    (("GET",), "/v1/cost-centers*", (READ_FINANCE, WRITE_EXPENSES, ADMIN_SETTINGS)),
    (("GET",), "/v1/expense-policy", (READ_FINANCE, WRITE_EXPENSES, ADMIN_SETTINGS)),
    (WRITE, "/v1/dunning*", (ADMIN_SETTINGS,)),
    (("GET",), "/v1/dunning*", (READ_FINANCE, ADMIN_SETTINGS)),
    (WRITE, "/v1/reminders*", (ADMIN_SETTINGS,)),
    # customers: details are commercial, credit is money
    (WRITE, "/v1/customers/*/credit/*", (WRITE_FINANCE,)),
    (WRITE, "/v1/customers/*/expected-payment-delay", (WRITE_FINANCE,)),
    (WRITE, "/v1/customers/*/owner", (WRITE_CRM,)),
    (WRITE, "/v1/customers/*/contacts*", (WRITE_CRM,)),
    (WRITE, "/v1/customers*", (WRITE_CUSTOMERS,)),
    (("GET",), "/v1/customers/*/360", (READ_CRM, READ_REPORTS)),
    (("GET",), "/v1/customers*", (READ_CRM,)),
    # CRM
    (WRITE, "/v1/leads*", (WRITE_CRM,)),
    (WRITE, "/v1/deals*", (WRITE_CRM,)),
    (WRITE, "/v1/activities*", (WRITE_CRM,)),
    (WRITE, "/v1/follow-ups*", (WRITE_CRM,)),
    (("GET",), "/v1/leads*", (READ_CRM,)),
    (("GET",), "/v1/deals*", (READ_CRM,)),
    (("GET",), "/v1/activities*", (READ_CRM,)),
    (("GET",), "/v1/follow-ups*", (READ_CRM,)),
    (("POST",), "/v1/sales-rules/test", (READ_CRM,)),  # writes nothing
    (WRITE, "/v1/sales-rules*", (WRITE_CRM,)),
    (("GET",), "/v1/sales-rules*", (READ_CRM,)),
    # off the suppression list again: the person asked to be on it, so an administrator's decision
    (WRITE, "/v1/suppressions/remove", (ADMIN_SETTINGS,)),
    *[
        (methods, f"/v1/{area}*", scopes)
        for area in ("sequences", "enrollments", "inbound-messages", "suppressions")
        for methods, scopes in ((WRITE, (WRITE_CRM,)), (("GET",), (READ_CRM,)))
    ],
    (("GET",), "/v1/reports/sequence-results", (READ_REPORTS, READ_CRM)),
    # invoices: sales drafts, accounting posts
    (("POST",), "/v1/invoices", (DRAFT_INVOICES,)),
    (WRITE, "/v1/invoices/*", (WRITE_FINANCE,)),
    (("GET",), "/v1/invoices*", (READ_INVOICES,)),
    (("GET",), "/v1/credit-notes*", (READ_INVOICES,)),
    (WRITE, "/v1/recurring-invoices*", (WRITE_FINANCE,)),  # they issue invoices by themselves
    (("GET",), "/v1/recurring-invoices*", (READ_INVOICES,)),
    # the rest of finance
    (WRITE, "/v1/books/close-*", (CLOSE_BOOKS,)),
    (WRITE, "/v1/books/reopen-*", (CLOSE_BOOKS,)),
    (WRITE, "/v1/expense-claims/*/reimburse", (WRITE_FINANCE,)),
    (WRITE, "/v1/expense-claims*", (WRITE_EXPENSES,)),
    (("GET",), "/v1/expense-claims*", (READ_FINANCE, WRITE_EXPENSES)),
    (WRITE, "/v1/projects/*/billing-runs", (WRITE_FINANCE,)),
    *[
        (methods, f"/v1/{area}*", scopes)
        for area in (
            "payments",
            "suppliers",
            "bills",
            "supplier-payments",
            "supplier-credit-notes",
            "books",
            "accounts",
            "fx",
            "bank-accounts",
            "bank-lines",
            "bank-mappings",
            "bank-rules",
            "imports",
            "planned-costs",
            "scenarios",
        )
        for methods, scopes in ((WRITE, (WRITE_FINANCE,)), (("GET",), (READ_FINANCE,)))
    ],
    # delivery
    *[
        (methods, f"/v1/{area}*", scopes)
        for area in ("people", "projects", "time", "timesheets")
        for methods, scopes in ((WRITE, (WRITE_WORK,)), (("GET",), (READ_WORK,)))
    ],
    # reports: sales sees its own CRM reports
    (("GET",), "/v1/reports/pipeline", (READ_REPORTS, READ_CRM)),
    (("GET",), "/v1/reports/conversion", (READ_REPORTS, READ_CRM)),
    (("GET",), "/v1/reports/win-rate", (READ_REPORTS, READ_CRM)),
    (("GET",), "/v1/reports/follow-ups", (READ_REPORTS, READ_CRM)),
    (("GET",), "/v1/reports/*", (READ_REPORTS,)),
    (("GET",), "/v1/exports/*", (EXPORT,)),
    (("GET",), "/v1/custom*", (READ_REPORTS,)),  # plug-in projections: reports an analyst wrote
    # audit and operations
    (("GET",), "/v1/events/stream", (READ_EVENTS, READ_AUDIT, READ_CRM, READ_INVOICES, READ_FINANCE, READ_WORK)),
    (("GET",), "/v1/events", (READ_AUDIT,)),
    (("GET",), "/v1/aggregates/*", (READ_AUDIT,)),
    (("GET",), "/v1/audit/*", (READ_AUDIT,)),
    (("GET",), "/v1/projections", (READ_OPERATIONS,)),
    # the worker: its status is operations', its schedules are settings
    (("GET",), "/v1/worker/status", (READ_OPERATIONS,)),
    (WRITE, "/v1/schedules*", (ADMIN_SETTINGS,)),
    (("GET",), "/v1/schedules*", (READ_OPERATIONS, ADMIN_SETTINGS)),
    # webhooks: admins manage them; integrations and auditors read deliveries, never a secret
    (("GET",), "/v1/webhooks/deliveries*", (ADMIN_SETTINGS, READ_EVENTS, READ_AUDIT)),
    (("GET", *WRITE), "/v1/webhooks*", (ADMIN_SETTINGS,)),
]


@lru_cache(maxsize=4096)  # asked on every request, of a few hundred route templates
def required_scopes(method: str, path: str) -> tuple[str, ...] | None:
    """The scopes of which any one allows ``method`` on the route template ``path``; None: no rule."""
    for methods, pattern, scopes in RULES:
        if method in methods and fnmatchcase(path, pattern):
            return scopes
    return None
