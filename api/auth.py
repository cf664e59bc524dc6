"""Authentication (who is calling) and authorization (may they do this).

Credentials travel as ``Authorization: Bearer <credential>``, where the credential is an API
key (``keel_…``) or a short-lived token signed by Keel (a JWT, exchanged for a key at
``POST /v1/auth/tokens``). A middleware authenticates before anything else runs, so the
idempotency layer scopes keys to the authenticated client; a dependency of every route
then checks the scope its rule in ``api.access`` asks for.

With ``KEEL_AUTH=off`` (development and tests only) every caller has every scope and is
named by its ``X-Keel-Actor`` header.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from typing import Any

import jwt
from fastapi import FastAPI, Request, Response
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Receive, Scope, Send

from api.access import AUTHENTICATED, PUBLIC, Forbidden, required_scopes
from api.problems import unauthenticated_problem
from commands.access.keys import Unauthenticated, looks_like_key
from ledger.access import ROLES, SCOPES, Principal, roles_with, scopes_of

ISSUER = "keel"
ALGORITHM = "HS256"
OPEN_PATHS = ("/openapi.json", "/docs", "/docs/oauth2-redirect", "/redoc", "/v1/health")


@dataclass
class TokenService:
    """Signs and checks bearer tokens. Without a configured secret, tokens live as long as the process."""

    secret: str

    @classmethod
    def from_setting(cls, secret: str | None) -> TokenService:
        return cls(secret or secrets.token_urlsafe(32))

    def issue(self, principal: Principal, roles: tuple[str, ...], ttl_seconds: int) -> str:
        now = int(time.time())
        claims = {
            "iss": ISSUER,
            "sub": principal.name,
            "kid": principal.client,
            "roles": list(roles),
            "iat": now,
            "exp": now + ttl_seconds,
        }
        return jwt.encode(claims, self.secret, algorithm=ALGORITHM)

    def verify(self, token: str) -> dict[str, Any]:
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                self.secret,
                algorithms=[ALGORITHM],
                issuer=ISSUER,
                options={"require": ["exp", "iat", "sub", "kid", "roles"]},
            )
        except jwt.ExpiredSignatureError:
            raise Unauthenticated("the bearer token has expired; exchange your API key for a new one") from None
        except jwt.InvalidTokenError:
            raise Unauthenticated("the bearer token is not one Keel signed (or it was altered)") from None
        return claims


def _authenticate(request: Request, credential: str) -> Principal:
    keel = request.app.state.keel
    if looks_like_key(credential):
        principal: Principal = keel.app.authenticate(credential)
        request.state.via = "api-key"
        return principal
    claims = request.app.state.tokens.verify(credential)
    key_principal: Principal = keel.app.principal(str(claims["kid"]))  # revoked keys end their tokens
    roles = tuple(r for r in claims["roles"] if r in key_principal.roles)
    request.state.via = "token"
    return Principal(key_principal.name, roles, scopes_of(roles), key_principal.client)


def install_authentication(app: FastAPI) -> None:
    """Install last: it must run before the idempotency middleware."""
    app.add_middleware(Authentication)


class Authentication:
    """Plain ASGI (a ``BaseHTTPMiddleware`` costs a task group and two streams a request): sets
    ``request.state.principal``, or answers 401 itself."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            request = Request(scope)  # its state is the scope's: the routes' requests see it
            refused = await _refusal(request)
            if refused is not None:
                await refused(scope, receive, send)
                return
        await self.app(scope, receive, send)


async def _refusal(request: Request) -> Response | None:
    keel = request.app.state.keel
    if keel.settings.auth == "off":
        actor = request.headers.get("X-Keel-Actor", "api")[:200] or "api"
        request.state.principal = Principal(actor, tuple(ROLES), frozenset(SCOPES), actor)
        return None
    request.state.principal = None
    if request.url.path in OPEN_PATHS or not request.url.path.startswith("/v1/"):
        return None
    header = request.headers.get("Authorization", "")
    scheme, _, credential = header.partition(" ")
    if not header:
        return unauthenticated_problem(request, "send 'Authorization: Bearer <API key or token>'")
    if scheme.lower() != "bearer" or not credential.strip():
        return unauthenticated_problem(
            request, "only the Bearer scheme is accepted: 'Authorization: Bearer <credential>'"
        )
    try:
        request.state.principal = await run_in_threadpool(_authenticate, request, credential.strip())
    except Unauthenticated as exc:
        return unauthenticated_problem(request, str(exc))
    return None


async def authorize(request: Request) -> None:
    """App-wide dependency: the caller holds one of the scopes the route's rule asks for."""
    route = request.scope.get("route")
    template = getattr(route, "path", request.url.path)
    required = required_scopes(request.method, template)
    principal: Principal | None = getattr(request.state, "principal", None)
    if required == (PUBLIC,):
        return
    if principal is None:  # only open paths get here unauthenticated
        raise Unauthenticated("send 'Authorization: Bearer <API key or token>'")
    if required is None:
        raise Forbidden(f"no access rule covers {request.method} {template}; refused", (), principal)
    if required == (AUTHENTICATED,) or principal.scopes & set(required):
        return
    needed = " or ".join(f"{scope} (roles: {', '.join(roles_with(scope)) or 'none'})" for scope in required)
    held = ", ".join(principal.roles) or "no roles"
    raise Forbidden(f"{request.method} {template} needs {needed}; {principal.name} has {held}", required, principal)
