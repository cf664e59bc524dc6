"""The admin screen (issue 20, ADR 0048): the people who log in and the API keys machines hold.

For the admin role only: users need ``admin:settings``, keys ``admin:keys`` (``GET/POST /v1/keys``).
Users change through the commands ``keel users`` sends (``api/cli/users.py``: the login and roles
checked, the password checked by its policy and hashed with Argon2id at the edge); keys through
the bodies of ``api/routes/keys.py``. A key's secret is shown once, on the page that answers its
creation, and stored nowhere; no hash or digest is ever shown.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import RedirectResponse, Response

from api.passwords import hash_password
from api.routes.keys import CreateKeyBody, RevokeKeyBody
from api.web.forms import Outcome, run
from api.web.render import show
from api.web.visits import Visit, Visitor, checked_form, keel_of
from commands import messages as m
from commands.access.keys import mint_key
from commands.access.users import check_new_login, find_user
from ledger.access import ADMIN_KEYS, ADMIN_SETTINGS, ROLES
from ledger.errors import DomainError
from ledger.users import PEOPLES_ROLES, check_people_roles
from projections.access import api_keys
from projections.access.users import list_users

router = APIRouter(include_in_schema=False)
Csrf = Annotated[str, Form(max_length=200)]
Login = Annotated[str, Path(max_length=64)]
Roles = Annotated[list[str], Form()]
Password = Annotated[str, Form(max_length=300)]
SHOWN = 500  # users and keys listed on the page
T = TypeVar("T")


def _admin(visit: Visit) -> None:
    visit.require((ADMIN_SETTINGS, ADMIN_KEYS), "The admin screen")


@router.get("/admin")
def admin(request: Request, visit: Visitor) -> Response:
    return _page(request, visit)


def _page(
    request: Request, visit: Visit, outcome: Outcome | None = None, form: str = "", created: Any = None, **kept: Any
) -> Response:
    """The screen: users and keys as their read models list them; a refused form's fields kept,
    its refusal beside the field it names, with the status the API would give."""
    _admin(visit)
    keel = keel_of(request)
    users = list_users(keel.views, None, None, SHOWN).items if visit.can(ADMIN_SETTINGS) else []
    keys = api_keys.list_keys(keel.views, None, None, SHOWN).items if visit.can(ADMIN_KEYS) else []
    return show(
        request,
        visit,
        "admin.html",
        outcome.status if outcome and not outcome.ok else 200,
        title="Admin",
        users=users,
        keys=keys,
        people_roles=PEOPLES_ROLES,
        key_roles=tuple(ROLES),
        outcome=outcome,
        form=form,
        created=created,
        kept=kept,
    )


def _done(request: Request, visit: Visit, done: Outcome, form: str, **kept: Any) -> Response:
    if done.ok:
        return RedirectResponse("/admin", status_code=303)
    return _page(request, visit, done, form, **kept)


def _named(field: str, check: Callable[[], T]) -> T:
    """A check whose refusal names ``field`` (as the API's problems do: ``field: …``)."""
    try:
        return check()
    except DomainError as exc:
        text = str(exc)
        if text.startswith(f"{field}:"):
            raise
        raise type(exc)(f"{field}: {text}") from None


@router.post("/admin/users")
def add_user(
    request: Request,
    visit: Visitor,
    csrf: Csrf = "",
    login: Annotated[str, Form(max_length=200)] = "",
    name: Annotated[str, Form(max_length=300)] = "",
    roles: Roles = [],  # noqa: B006 (FastAPI copies a default)
    password: Password = "",
) -> Response:
    """``keel users add``: the login and roles checked first, then the password, hashed."""
    checked_form(request, visit, csrf)
    visit.require(ADMIN_SETTINGS, "Adding a user")
    keel = keel_of(request)

    def build() -> m.AddUser:
        normal = _named("login", lambda: check_new_login(keel.app.unit_of_work(), login))
        _named("roles", lambda: check_people_roles(roles))
        secret = _named("password", lambda: hash_password(password))
        return m.AddUser(meta=visit.meta(), login=normal, name=name, roles=tuple(roles), secret_argon2=secret)

    done = run(keel, build, "/admin/users")
    return _done(request, visit, done, "add-user", login=login, name=name, roles=roles)


@router.post("/admin/users/{login}/roles")
def set_roles(request: Request, visit: Visitor, login: Login, csrf: Csrf = "", roles: Roles = []) -> Response:  # noqa: B006
    """``keel users roles``: replace a user's roles."""
    checked_form(request, visit, csrf)
    visit.require(ADMIN_SETTINGS, "Changing a user's roles")
    build = lambda: m.SetUserRoles(meta=visit.meta(), login=login, roles=tuple(roles))  # noqa: E731
    return _done(request, visit, run(keel_of(request), build, "/admin/users"), f"roles-{login}")


@router.post("/admin/users/{login}/disable")
def disable(
    request: Request, visit: Visitor, login: Login, csrf: Csrf = "", reason: Annotated[str, Form(max_length=500)] = ""
) -> Response:
    """``keel users disable``: no login succeeds, and the user's sessions end at their next page."""
    checked_form(request, visit, csrf)
    visit.require(ADMIN_SETTINGS, "Disabling a user")
    build = lambda: m.DisableUser(meta=visit.meta(), login=login, reason=reason)  # noqa: E731
    return _done(request, visit, run(keel_of(request), build, "/admin/users"), f"state-{login}")


@router.post("/admin/users/{login}/enable")
def enable(request: Request, visit: Visitor, login: Login, csrf: Csrf = "") -> Response:
    """``keel users enable``."""
    checked_form(request, visit, csrf)
    visit.require(ADMIN_SETTINGS, "Enabling a user")
    build = lambda: m.EnableUser(meta=visit.meta(), login=login)  # noqa: E731
    return _done(request, visit, run(keel_of(request), build, "/admin/users"), f"state-{login}")


@router.post("/admin/users/{login}/password")
def reset_password(
    request: Request, visit: Visitor, login: Login, csrf: Csrf = "", password: Password = ""
) -> Response:
    """``keel users reset-password``: the user must exist before the password is hashed."""
    checked_form(request, visit, csrf)
    visit.require(ADMIN_SETTINGS, "Resetting a password")
    keel = keel_of(request)

    def build() -> m.SetUserPassword:
        normal = find_user(keel.app.unit_of_work(), login).login
        secret = _named("password", lambda: hash_password(password))
        return m.SetUserPassword(meta=visit.meta(), login=normal, secret_argon2=secret)

    return _done(request, visit, run(keel, build, "/admin/users"), f"password-{login}")


@router.post("/admin/keys")
def create_key(
    request: Request,
    visit: Visitor,
    csrf: Csrf = "",
    name: Annotated[str, Form(max_length=200)] = "",
    roles: Roles = [],  # noqa: B006
) -> Response:
    """``POST /v1/keys``: the secret is on this answer's page only."""
    checked_form(request, visit, csrf)
    visit.require(ADMIN_KEYS, "Creating an API key")
    minted = mint_key()
    build = lambda: CreateKeyBody.model_validate({"name": name, "roles": roles}).to_command(visit.meta(), minted)  # noqa: E731
    done = run(keel_of(request), build, "/v1/keys")
    if not done.ok:
        return _page(request, visit, done, "create-key", key_name=name, key_roles=roles)
    created = {"key_id": minted.key_id, "name": name.strip(), "token": minted.token}
    return _page(request, visit, done, "create-key", created=created)


@router.post("/admin/keys/{key_id}/revoke")
def revoke_key(
    request: Request,
    visit: Visitor,
    key_id: Annotated[str, Path(pattern=r"^[0-9a-f]{12}$")],
    csrf: Csrf = "",
    reason: Annotated[str, Form(max_length=600)] = "",
) -> Response:
    """``POST /v1/keys/{key_id}/revoke``: the key and its bearer tokens stop working at once."""
    checked_form(request, visit, csrf)
    visit.require(ADMIN_KEYS, "Revoking an API key")
    build = lambda: RevokeKeyBody.model_validate({"reason": reason}).to_command(visit.meta(), key_id)  # noqa: E731
    return _done(request, visit, run(keel_of(request), build, f"/v1/keys/{key_id}/revoke"), f"key-{key_id}")
