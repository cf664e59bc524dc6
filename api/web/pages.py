"""The web app's pages (ADR 0048): log in and out, and reports that rewind.

Routes of the same FastAPI app outside ``/v1`` and outside its OpenAPI schema: sessions instead of
API keys (the access rules let them through; each page checks its visitor), refusals as pages,
not problem documents. Every report page asks the query
layer what the API's route asks it (``api.answers.answer``, the same name and parameters), so
its figures are the API's; the footer shows the log position and the provenance digest of that
answer. ``as_of`` and ``known_at`` are in the URL: a link reproduces what was seen.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from functools import cache
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, FastAPI, Form, Query, Request
from fastapi.responses import RedirectResponse, Response

from api.answers import answer, document, knowledge_of
from api.passwords import hash_password, needs_rehash, verify_password
from api.system import Keel
from api.web.render import page
from api.web.sessions import FAILURES, LOCKOUT, Session, Sessions, now
from commands import messages as m
from commands.access.users import find_user
from ledger.access import READ_REPORTS, roles_with, scopes_of
from ledger.errors import DomainError, NotFound
from ledger.events import Meta
from ledger.users import User
from projections.queries import Params

COOKIE = "keel_session"


@cache
def _dummy_hash() -> str:
    """Verified when a login names no user, so an unknown login takes as long as a wrong password
    (made on the first such login, not at import: Argon2 takes 64 MiB and a tenth of a second)."""
    return hash_password("no such user, no such password")


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


def _safe_next(target: str) -> str:
    """Only a path of this site (``/…``, never ``//host``): no open redirect after login."""
    return target if target.startswith("/") and not target.startswith("//") and "\\" not in target else "/"


router = APIRouter(include_in_schema=False)
PATHS = ("/", "/login", "/logout", "/reports/*")  # the pages: open to the access rules, each checks its visitor


def install_web(app: FastAPI) -> None:
    app.include_router(router)

    @app.exception_handler(Refused)
    async def refused(request: Request, exc: Refused) -> Response:
        return page("error.html", exc.status, message=exc.message, visit=None)

    @app.exception_handler(LoginRequired)
    async def login_required(request: Request, exc: LoginRequired) -> Response:
        return RedirectResponse("/login?" + urlencode({"next": exc.target}), status_code=303)


@router.get("/login")
def login_form(request: Request, next: str = "/") -> Response:
    return page("login.html", next=_safe_next(next), error=None, login="")


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
    target = _safe_next(next)

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
    same_origin(request)
    check_csrf(visit, csrf)
    sessions_of(request).end(visit.session_id)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(COOKIE, path="/")
    return response


@router.get("/")
def home(visit: Visitor) -> Response:
    return RedirectResponse("/reports/trial-balance", status_code=303)


AsOf = Annotated[date | None, Query()]
KnownAt = Annotated[str | None, Query(max_length=40)]


@router.get("/reports/trial-balance")
def trial_balance(request: Request, visit: Visitor, as_of: AsOf = None, known_at: KnownAt = None) -> Response:
    return report_page(request, visit, "trial-balance", "Trial balance", {"as_of": as_of}, known_at)


@router.get("/reports/balance-sheet")
def balance_sheet(request: Request, visit: Visitor, as_of: AsOf = None, known_at: KnownAt = None) -> Response:
    return report_page(request, visit, "balance-sheet", "Balance sheet", {"as_of": as_of}, known_at)


@router.get("/reports/receivables")
def receivables(request: Request, visit: Visitor, as_of: AsOf = None, known_at: KnownAt = None) -> Response:
    return report_page(request, visit, "receivables", "Receivables", {"as_of": as_of}, known_at)


@router.get("/reports/profit-and-loss")
def profit_and_loss(
    request: Request,
    visit: Visitor,
    from_: Annotated[date | None, Query(alias="from")] = None,
    to: AsOf = None,
    known_at: KnownAt = None,
) -> Response:
    """The year to date unless a period is given (the API asks for ``from``; a page starts somewhere)."""
    end = to or keel_of(request).app.today()
    window = {"from": from_ or date(end.year, 1, 1), "to": end}
    return report_page(request, visit, "profit-and-loss", "Profit and loss", window, known_at)


NAV = (
    ("/reports/trial-balance", "Trial balance"),
    ("/reports/profit-and-loss", "Profit and loss"),
    ("/reports/balance-sheet", "Balance sheet"),
    ("/reports/receivables", "Receivables"),
)
_LABELS = {"as_of": "As of", "from": "From", "to": "To"}


def report_page(
    request: Request, visit: Visit, name: str, title: str, dates: Mapping[str, date | None], known_at: str | None
) -> Response:
    """A report as the API answers it, as a page: its table, the time controls, the provenance.
    ``dates`` are the report's date parameters as the API's URL names them."""
    if READ_REPORTS not in visit.scopes:
        needed = ", ".join(roles_with(READ_REPORTS))
        raise Refused(403, f"{title} needs one of the roles {needed}; you have {', '.join(visit.user.roles)}.")
    keel = keel_of(request)
    params = Params(as_of=dates.get("as_of"), start=dates.get("from"), end=dates.get("to"))
    try:
        knowledge = knowledge_of(keel, known_at or None)
        found = answer(keel, name, params, knowledge)
    except DomainError as exc:
        raise Refused(422, str(exc)) from None
    provenance, table = document(found)["provenance"], found.table()
    given = {k: v.isoformat() for k, v in dates.items() if v is not None}
    context: dict[str, Any] = {
        "visit": visit,
        "nav": NAV,
        "here": request.url.path,
        "title": title,
        "table": table,
        "kept": [(i, c) for i, c in enumerate(table.columns) if c.kind != "id"],
        "controls": [(k, _LABELS[k], given.get(k, "")) for k in dates],
        "known_at": known_at or "",
        "position": provenance["position"],
        "digest": provenance["digest"],
        "head": keel.app.head_position(),
        "api": f"/v1/reports/{name}?" + urlencode({**given, **({"known_at": known_at} if known_at else {})}),
    }
    return page("report.html", **context)
