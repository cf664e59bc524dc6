"""Users on the write side (ADR 0048): people added, their passwords and roles set, disabled,
enabled and locked out. A user's id derives from the login, so adding one twice is refused.

Logging in is not a command: the edge loads the user (``find_user``), asks it whether it may log
in now, and checks the password against its Argon2 hash; only a lockout after repeated failures
is recorded.
"""

from __future__ import annotations

from commands.access import messages as m
from commands.unit_of_work import CommandResult, Handlers, UnitOfWork
from ledger.errors import AlreadyExists, NotFound, NotPermitted
from ledger.users import User, check_login, user_id


def find_user(uow: UnitOfWork, login: str) -> User:
    """The user of this login; ``NotFound`` (naming the login) if there is none."""
    normal = check_login(login)
    try:
        return uow.load(User, user_id(normal))
    except NotFound:
        raise NotFound(f"there is no user {normal}") from None


def check_new_login(uow: UnitOfWork, login: str) -> str:
    """The login, lower case, if no user has it; else ``AlreadyExists``."""
    normal = check_login(login)
    if uow.exists(user_id(normal)):
        raise AlreadyExists(f"there is a user {normal} already")
    return normal


def add(uow: UnitOfWork, c: m.AddUser) -> CommandResult:
    user = User.add(c.login, c.name, list(c.roles), c.secret_argon2, c.on or uow.today(), c.meta)
    check_new_login(uow, user.login)
    return uow.commit(user)


def set_password(uow: UnitOfWork, c: m.SetUserPassword) -> CommandResult:
    user = find_user(uow, c.login)
    user.set_password(c.secret_argon2, c.on or uow.today(), c.meta)
    return uow.commit(user)


def set_roles(uow: UnitOfWork, c: m.SetUserRoles) -> CommandResult:
    user = find_user(uow, c.login)
    if user.login == c.meta.actor and "admin" in user.roles and "admin" not in c.roles:
        raise NotPermitted("roles: you cannot take the admin role from yourself; another admin can")
    user.set_roles(list(c.roles), c.on or uow.today(), c.meta)
    return uow.commit(user)


def disable(uow: UnitOfWork, c: m.DisableUser) -> CommandResult:
    user = find_user(uow, c.login)
    if user.login == c.meta.actor:  # an admin locking themselves out, perhaps the last one
        raise NotPermitted("login: you cannot disable yourself; another admin can")
    user.disable(c.reason, c.on or uow.today(), c.meta)
    return uow.commit(user)


def enable(uow: UnitOfWork, c: m.EnableUser) -> CommandResult:
    user = find_user(uow, c.login)
    user.enable(c.on or uow.today(), c.meta)
    return uow.commit(user)


def lock_out(uow: UnitOfWork, c: m.LockOutUser) -> CommandResult:
    user = find_user(uow, c.login)
    user.lock_out(c.until, c.failures, c.on or uow.today(), c.meta)
    return uow.commit(user)


HANDLERS: Handlers = {
    m.AddUser: add,
    m.SetUserPassword: set_password,
    m.SetUserRoles: set_roles,
    m.DisableUser: disable,
    m.EnableUser: enable,
    m.LockOutUser: lock_out,
}
