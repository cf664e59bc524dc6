"""The HTTP application: ``create_app(settings)`` builds Keel in the lifespan, never at import."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI

from api.auth import TokenService, authorize, install_authentication
from api.docs import install_docs
from api.guards import RequestGuards, Scope
from api.idempotency import install_idempotency
from api.metrics import install_metrics, observe
from api.openapi import install_openapi
from api.problems import install_problem_handlers
from api.routes import (
    accounts,
    audit,
    automation,
    bank,
    books,
    crm,
    custom,
    customers,
    delivery_reports,
    documents,
    event_stream,
    expenses,
    exports,
    fx,
    imports,
    invoices,
    keys,
    operations,
    payables,
    payments,
    planned_costs,
    recurring,
    reminders,
    reports,
    sales_reports,
    sales_rules,
    scenarios,
    sequences,
    webhooks,
    work,
)
from api.settings import Settings
from api.system import Keel, settle_heap
from api.web.site import install_web

DESCRIPTION = """
Keel is an event-sourced business ledger. Commands (POST) append immutable events and
answer with the aggregate id, its new version and the log `position`; pass that
position as `min_position` to a query to read your own write. Reports take `as_of`
(business date) and `known_at` (what the books knew at that moment). Errors are
RFC 9457 `application/problem+json`. Amounts are decimal strings.

Every request except `/v1/health` carries `Authorization: Bearer <API key or token>`. Keys hold
roles (auditor, analyst, sales, accountant, admin, integration); each operation says which scope it needs.
Lists are paginated by cursor: pass a page's `next_cursor` as `cursor` for the next one.
Every POST and PUT accepts `Idempotency-Key`; commands on an existing aggregate accept `If-Match`.
"""


def body_limit(scope: Scope) -> int:
    """The general bound on a request's body; file uploads have their own: a statement
    (KEEL_STATEMENT_MAX_BYTES, plus room for the multipart envelope), an import (KEEL_IMPORT_MAX_BYTES,
    the whole request)."""
    settings = scope["app"].state.keel.settings
    path = str(scope.get("path", ""))
    if scope.get("method") == "POST" and path.startswith("/v1/bank-accounts/") and path.endswith("/statements"):
        return int(settings.statement_max_bytes) + 64 * 1024
    if path.startswith("/v1/imports/"):
        return int(settings.import_max_bytes)
    return int(settings.max_body_bytes)


def create_app(settings: Settings | None = None, keel: Keel | None = None) -> FastAPI:
    """Build the API. Pass ``keel`` to serve an already running system (tests do)."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        own = keel is None
        app.state.keel = keel or Keel.start(settings or Settings())
        app.state.tokens = TokenService.from_setting(app.state.keel.settings.token_secret)
        if own:  # a serving process (tests pass the Keel they run)
            settle_heap()
        sampling = observe(app.state.keel)
        try:
            yield
        finally:
            sampling.set()
            if own:
                app.state.keel.close()

    app = FastAPI(
        title="Keel",
        version="0.1.0",
        description=DESCRIPTION,
        lifespan=lifespan,
        dependencies=[Depends(authorize)],
        docs_url=None,  # install_docs serves /docs and /redoc from bundled assets, not a CDN
        redoc_url=None,
    )
    install_openapi(app, DESCRIPTION)
    install_docs(app)
    install_problem_handlers(app)
    install_idempotency(app)
    install_authentication(app)  # idempotency keys are scoped to the authenticated client
    # Outermost: a body over the limit is refused before anything reads it.
    app.add_middleware(RequestGuards, max_body_bytes=body_limit)
    for module in (
        customers,
        crm,
        invoices,
        payments,
        payables,
        fx,
        expenses,
        work,
        books,
        accounts,
        bank,
        reports,
        sales_reports,
        delivery_reports,
        custom,
        exports,
        audit,
        keys,
        operations,
        imports,
        documents,
        automation,
        webhooks,
        event_stream,
        reminders,
        recurring,
        planned_costs,
        scenarios,
        sales_rules,
        sequences,
    ):
        app.include_router(module.router)
    install_web(app)  # the pages, outside /v1 and the schema (ADR 0048)
    install_metrics(app)  # its request observer outermost: it times and logs the whole request
    return app
