"""People who log in (ADR 0048): users as an event-sourced aggregate.

Machines keep API keys (``ledger.access``); people have a login, a display name, some of the
five roles and a password. Adding a user, setting a password, changing roles, disabling and
enabling, a lockout after repeated failures: each is an event, so who could do what and when is
in the log like everything else. The password itself never reaches the domain: the edge hashes
it with Argon2 and the events carry the encoded hash (``$argon2id$…``) as ``secret_argon2``: a
secret, by its name, to the public event stream and the audit feed, which leave it out (no event
field is named for a password or a token: a test holds every event class to that). Failed
attempts are not events (anyone can make them: the log would be theirs to fill); the lockout they
end in is.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import TYPE_CHECKING
from uuid import NAMESPACE_URL, UUID, uuid5

from ledger.access import ROLES, check_roles
from ledger.errors import InvalidTransition, InvalidValue
from ledger.events import KeelAggregate, Meta
from ledger.policy import NAME, check_text

PEOPLES_ROLES = ("auditor", "analyst", "sales", "accountant", "admin")  # the API's; "integration" is a machine's
_LOGIN = re.compile(r"[a-z0-9][a-z0-9._@+-]{0,63}")
# What ``argon2.PasswordHasher.hash`` encodes: the variant, version, costs, salt and hash (base64, no padding).
_ARGON2 = re.compile(r"\$argon2id\$v=19\$m=\d{1,7},t=\d{1,3},p=\d{1,3}\$[A-Za-z0-9+/]{11,64}\$[A-Za-z0-9+/]{16,128}")
assert set(PEOPLES_ROLES) < set(ROLES)


def user_id(login: str) -> UUID:
    return uuid5(NAMESPACE_URL, f"keel:user:{login}")


def check_login(login: str) -> str:
    """A login: lower case, 1 to 64 letters, digits or ._@+- (an e-mail address is one)."""
    normal = login.strip().lower()
    if not _LOGIN.fullmatch(normal):
        raise InvalidValue(
            f"login: 1 to 64 letters, digits or . _ @ + - starting with a letter or digit, got {login[:70]!r}"
        )
    return normal


def check_people_roles(roles: list[str] | tuple[str, ...]) -> list[str]:
    machine = [r for r in roles if r in ROLES and r not in PEOPLES_ROLES]
    if machine:
        raise InvalidValue(f"roles: {', '.join(machine)} is a machine's role (an API key's), not a person's")
    return check_roles(list(roles))


def _check_hash(secret_argon2: str) -> str:
    if not _ARGON2.fullmatch(secret_argon2):
        raise InvalidValue("secret_argon2: not an Argon2id hash ($argon2id$v=19$m=…,t=…,p=…$salt$hash)")
    return secret_argon2


class User(KeelAggregate):
    TOPIC = "keel.User"

    if TYPE_CHECKING:
        login: str
        name: str
        roles: list[str]
        secret_argon2: str
        disabled_on: date | None
        locked_until: datetime | None

    class Event(KeelAggregate.Event):
        pass

    class Created(Event, KeelAggregate.Created):
        TOPIC = "keel.user.Created.v1"

    class Added(Created):
        TOPIC = "keel.user.Added.v1"
        login: str
        name: str
        roles: list[str]
        secret_argon2: str

        def apply(self, user: User) -> None:
            user.login, user.name, user.roles = self.login, self.name, list(self.roles)
            user.secret_argon2, user.disabled_on, user.locked_until = self.secret_argon2, None, None

    class PasswordSet(Event):
        """A new password (a reset by an admin, or the user's own change); it ends a lockout."""

        TOPIC = "keel.user.PasswordSet.v1"
        secret_argon2: str

        def apply(self, user: User) -> None:
            user.secret_argon2, user.locked_until = self.secret_argon2, None

    class RolesSet(Event):
        TOPIC = "keel.user.RolesSet.v1"
        roles: list[str]

        def apply(self, user: User) -> None:
            user.roles = list(self.roles)

    class Disabled(Event):
        TOPIC = "keel.user.Disabled.v1"
        reason: str

        def apply(self, user: User) -> None:
            user.disabled_on = self.effective_date

    class Enabled(Event):
        TOPIC = "keel.user.Enabled.v1"

        def apply(self, user: User) -> None:
            user.disabled_on = None

    class LockedOut(Event):
        """Too many failed logins: no login succeeds before ``until`` (a password set ends it)."""

        TOPIC = "keel.user.LockedOut.v1"
        until: datetime
        failures: int

        def apply(self, user: User) -> None:
            user.locked_until = self.until

    @classmethod
    def add(cls, login: str, name: str, roles: list[str], secret_argon2: str, on: date, meta: Meta) -> User:
        normal = check_login(login)
        shown = check_text(name.strip(), NAME, "name") or normal
        return cls._create(
            cls.Added,
            id=user_id(normal),
            login=normal,
            name=shown,
            roles=check_people_roles(roles),
            secret_argon2=_check_hash(secret_argon2),
            **meta.stamp(on),
        )

    def set_password(self, secret_argon2: str, on: date, meta: Meta) -> None:
        self.trigger_event(self.PasswordSet, secret_argon2=_check_hash(secret_argon2), **meta.stamp(on))

    def set_roles(self, roles: list[str], on: date, meta: Meta) -> None:
        checked = check_people_roles(roles)
        if checked == self.roles:
            raise InvalidTransition(f"user {self.login} has these roles already: {', '.join(checked)}")
        self.trigger_event(self.RolesSet, roles=checked, **meta.stamp(on))

    def disable(self, reason: str, on: date, meta: Meta) -> None:
        if self.disabled_on is not None:
            raise InvalidTransition(f"user {self.login} was already disabled on {self.disabled_on.isoformat()}")
        self.trigger_event(self.Disabled, reason=reason.strip(), **meta.stamp(on))

    def enable(self, on: date, meta: Meta) -> None:
        if self.disabled_on is None:
            raise InvalidTransition(f"user {self.login} is not disabled")
        self.trigger_event(self.Enabled, **meta.stamp(on))

    def lock_out(self, until: datetime, failures: int, on: date, meta: Meta) -> None:
        if until.tzinfo is None:
            raise InvalidValue("until: a lockout ends at a moment with its time zone")
        if failures < 1:
            raise InvalidValue(f"failures: a lockout follows failed logins, got {failures}")
        self.trigger_event(self.LockedOut, until=until, failures=failures, **meta.stamp(on))

    def can_log_in(self, now: datetime) -> str | None:
        """Why this user cannot log in now, or None (the password is checked at the edge)."""
        if self.disabled_on is not None:
            return f"user {self.login} is disabled"
        if self.locked_until is not None and now < self.locked_until:
            return f"user {self.login} is locked out until {self.locked_until.isoformat(timespec='minutes')}"
        return None
