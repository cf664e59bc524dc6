"""Logging in and out of the web app (ADR 0048).

Passwords are checked against the user's Argon2 hash; a failed login is counted per login and per
address, and the fifth in a row locks the user out (an event: who could log in when is in the
log). A login starts a new session (a new id: no fixation); logging out ends it.
"""

from __future__ import annotations

from functools import cache
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from api.passwords import hash_password, needs_rehash, verify_password
from api.web.render import page
from api.web.sessions import FAILURES, LOCKOUT, now
from api.web.visits import COOKIE, Visitor, checked_form, keel_of, same_origin, sessions_of
from commands import messages as m
from commands.access.users import find_user
from ledger.errors import DomainError, NotFound
from ledger.events import Meta

router = APIRouter(include_in_schema=False)


@cache
def _dummy_hash() -> str:
    """Verified when a login names no user, so an unknown login takes as long as a wrong password
    (made on the first such login, not at import: Argon2 takes 64 MiB and a tenth of a second)."""
    return hash_password("no such user, no such password")


def safe_next(target: str) -> str:
    """Only a path of this site (``/…``, never ``//host``): no open redirect after login."""
    return target if target.startswith("/") and not target.startswith("//") and "\\" not in target else "/"


@router.get("/login")
def login_form(request: Request, next: str = "/") -> Response:
    return page("login.html", next=safe_next(next), error=None, login="")


@router.post("/login")
def log_in(
    request: Request,
    login: Annotated[str, Form(max_length=200)] = "",
    password: Annotated[str, Form(max_length=1024)] = "",
    next: Annotated[str, Form(max_length=2000)] = "/",
) -> Response:
    same_origin(request)
    keel, sessions, moment = keel_of(request), sessions_of(request), now()
    address = request.client.host if request.client else "unknown"
    target = safe_next(next)

    def again(status: int, error: str) -> Response:
        return page("login.html", status, next=target, error=error, login=login)

    if sessions.address_blocked(address, moment):
        return again(429, "Too many failed logins from this address; try again in a quarter of an hour.")
    try:
        user = find_user(keel.app.unit_of_work(), login)
    except (NotFound, DomainError):
        verify_password(_dummy_hash(), password)
        sessions.failed(login.strip().lower()[:200], address, moment)
        return again(401, "The login or the password is wrong.")
    reason = user.can_log_in(moment)
    if reason is not None:
        return again(403, f"You cannot log in now: {reason.removeprefix(f'user {user.login} ')}.")
    if not verify_password(user.secret_argon2, password):
        failures = sessions.failed(user.login, address, moment)
        if failures >= FAILURES:
            until = moment + LOCKOUT
            keel.app.handle(m.LockOutUser(meta=Meta("web:login"), login=user.login, until=until, failures=failures))
            sessions.end_all(user.login)
            return again(403, f"Too many failed logins: {user.login} is locked out for a quarter of an hour.")
        return again(401, "The login or the password is wrong.")
    if needs_rehash(user.secret_argon2):  # made with older parameters: stored anew
        keel.app.handle(
            m.SetUserPassword(meta=Meta(user.login), login=user.login, secret_argon2=hash_password(password))
        )
    session_id, _ = sessions.start(user.login, moment)
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(
        COOKIE,
        session_id,
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
        path="/",
    )
    return response


@router.post("/logout")
def logout(request: Request, visit: Visitor, csrf: Annotated[str, Form(max_length=200)] = "") -> Response:
    checked_form(request, visit, csrf)
    sessions_of(request).end(visit.session_id)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(COOKIE, path="/")
    return response
