"""Who is looking at a page (ADR 0048): the session behind the cookie, the user's roles, refusals.

Every page depends on ``Visitor``: no live session is a redirect to the login page (the page
kept); a page or form the user's roles do not allow is ``Refused`` — a page, never a problem
document. A form that changes anything is checked for its origin and its CSRF token.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from api.system import Keel
from api.web.sessions import Session, Sessions, now
from commands.access.users import find_user
from ledger.access import roles_with, scopes_of
from ledger.errors import NotFound
from ledger.events import Meta
from ledger.users import User

COOKIE = "keel_session"


class Refused(Exception):
    """A page refused: its status and what the person is told."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status, self.message = status, message


class LoginRequired(Exception):
    """No live session: the login page, then back to ``target``."""

    def __init__(self, target: str) -> None:
        super().__init__(target)
        self.target = target


def keel_of(request: Request) -> Keel:
    keel: Keel = request.app.state.keel
    return keel


def sessions_of(request: Request) -> Sessions:
    return Sessions(keel_of(request).views)


class Visit:
    """Who is looking, in which session."""

    def __init__(self, user: User, session: Session, session_id: str) -> None:
        self.user, self.session, self.session_id = user, session, session_id
        self.scopes = scopes_of(user.roles)

    def can(self, *scopes: str) -> bool:
        """Whether the user's roles give any one of ``scopes``."""
        return any(scope in self.scopes for scope in scopes)

    def require(self, scope: str | tuple[str, ...], what: str) -> None:
        """403 as a page unless the user's roles give ``scope`` (or one of them): the API's role
        matrix (``api.access.required_scopes`` of the equivalent route gives the tuple)."""
        wanted = (scope,) if isinstance(scope, str) else scope
        if not self.can(*wanted):
            needed = ", ".join(dict.fromkeys(role for s in wanted for role in roles_with(s)))
            raise Refused(403, f"{what} needs one of the roles {needed}; you have {', '.join(self.user.roles)}.")

    def meta(self) -> Meta:
        """Who a command from this visit is recorded as: the user's login."""
        return Meta(self.user.login)


def visitor(request: Request) -> Visit:
    """The logged-in user of this request; else a redirect to the login page (the page kept)."""
    session_id = request.cookies.get(COOKIE, "")
    found = sessions_of(request).find(session_id, now()) if session_id else None
    user = None
    if found is not None:
        try:
            user = find_user(keel_of(request).app.unit_of_work(), found.login)
        except NotFound:
            user = None
    if found is None or user is None or user.can_log_in(now()) is not None:
        if found is not None:
            sessions_of(request).end_all(found.login)  # disabled or locked out since: every session ends
        raise LoginRequired(request.url.path + (f"?{request.url.query}" if request.url.query else ""))
    return Visit(user, found, session_id)


Visitor = Annotated[Visit, Depends(visitor)]


def same_origin(request: Request) -> None:
    """A form posted from another site is refused (with SameSite cookies and the CSRF token: the
    login form too, which has no session yet)."""
    origin = request.headers.get("origin") or request.headers.get("referer") or ""
    own = f"{request.url.scheme}://{request.url.netloc}"
    if origin and origin != own and not origin.startswith(own + "/"):
        raise Refused(403, "This form was sent from another site; it was refused.")


def check_csrf(visit: Visit, token: str) -> None:
    if not token or token != visit.session.csrf:
        raise Refused(403, "The form was stale or not Keel's (its CSRF token did not match); nothing was done.")


def checked_form(request: Request, visit: Visit, csrf: str) -> None:
    """A state-changing form: from this site, with this session's token (htmx sends it as the
    ``X-CSRF-Token`` header, a plain form as the ``csrf`` field)."""
    same_origin(request)
    check_csrf(visit, csrf or request.headers.get("x-csrf-token", ""))
