"""The web app mounted on the API's FastAPI app (ADR 0048): its pages, its menu, its refusals.

Pages live outside ``/v1`` and outside the OpenAPI document. A refusal is a page (the API's
routes keep answering problem documents); a request a page cannot read — a malformed date in
the URL, an over-long field — is a 422 page naming the field, not the API's JSON.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable
from urllib.parse import urlencode

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.web import (
    admin,
    approvals,
    audit,
    bank,
    bills,
    customers,
    dashboard,
    invoice_actions,
    invoices,
    login,
    pipeline,
    reports,
    rules,
    scenarios,
    timesheet,
    unsubscribe,
)
from api.web.nav import NAV
from api.web.render import page
from api.web.visits import LoginRequired, Refused, Visitor

ROUTERS = (
    login.router,
    dashboard.router,
    pipeline.router,
    reports.router,
    bank.router,
    admin.router,
    approvals.router,
    timesheet.router,
    customers.router,
    invoices.router,
    invoice_actions.router,
    bills.router,
    audit.router,
    scenarios.router,
    rules.router,
    unsubscribe.router,
)


def install_web(app: FastAPI) -> None:
    for router in ROUTERS:
        app.include_router(router)
    app.add_middleware(ServerTiming)
    app.get("/", include_in_schema=False)(home)

    @app.exception_handler(Refused)
    async def refused(request: Request, exc: Refused) -> Response:
        return page("error.html", exc.status, message=exc.message, visit=None)

    @app.exception_handler(LoginRequired)
    async def login_required(request: Request, exc: LoginRequired) -> Response:
        return RedirectResponse("/login?" + urlencode({"next": exc.target}), status_code=303)

    api_invalid = app.exception_handlers[RequestValidationError]

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> Response:
        if request.url.path.startswith("/v1") or not _is_page(request):
            answered = api_invalid(request, exc)
            return await answered if isinstance(answered, Awaitable) else answered
        said = "; ".join(f"{'.'.join(str(p) for p in e['loc'][1:])}: {e['msg']}" for e in exc.errors())
        return page("error.html", 422, message=f"This page could not read what it was asked: {said}.", visit=None)


class ServerTiming:
    """``Server-Timing: app;dur=…`` on every page: the server's time in milliseconds, from the
    request's arrival to the response's headers (what the page benchmark reports, and what a
    browser's developer tools show). Pure ASGI: nothing buffered, the API's routes untouched."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "") if scope["type"] == "http" else "/v1"
        if path.startswith(("/v1", "/static", "/docs", "/redoc", "/openapi")):
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()

        async def timed(message: Message) -> None:
            if message["type"] == "http.response.start":
                spent = (time.perf_counter() - started) * 1000
                message["headers"] = [*message.get("headers", []), (b"server-timing", f"app;dur={spent:.1f}".encode())]
            await send(message)

        await self.app(scope, receive, timed)


def _is_page(request: Request) -> bool:
    route = request.scope.get("route")
    return route is not None and not getattr(route, "include_in_schema", True)


def home(visit: Visitor) -> Response:
    """The first screen of the menu the user's roles show: the dashboard for finance, the pipeline
    for sales, the admin screen for an admin."""
    first = next((href for href, _, scope in NAV if visit.can(scope)), None)
    if first is None:
        raise Refused(403, f"Your roles ({', '.join(visit.user.roles)}) show no screen of Keel.")
    return RedirectResponse(first, status_code=303)
