"""The access commands: API keys issued and revoked; users added, changed, disabled, locked out.

Amounts travel as strings (parsed into Decimal by the domain), ids as UUIDs, dates as
``date``. ``on`` is the business (effective) date; it defaults to today. ``expected_version``
makes a command conditional on the version the client last saw.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from commands.unit_of_work import Command


@dataclass(frozen=True, kw_only=True)
class IssueApiKey(Command):
    key_id: str
    name: str
    roles: tuple[str, ...]
    secret_sha256: str


@dataclass(frozen=True, kw_only=True)
class RevokeApiKey(Command):
    key_id: str
    reason: str = ""


# -- users (people who log in; ADR 0048) -----------------------------------------------------
# The password never travels in a command: the edge hashes it (Argon2id) and sends the hash.


@dataclass(frozen=True, kw_only=True)
class AddUser(Command):
    login: str
    roles: tuple[str, ...]
    secret_argon2: str
    name: str = ""  # shown on screens; the login when empty


@dataclass(frozen=True, kw_only=True)
class SetUserPassword(Command):
    login: str
    secret_argon2: str


@dataclass(frozen=True, kw_only=True)
class SetUserRoles(Command):
    login: str
    roles: tuple[str, ...]


@dataclass(frozen=True, kw_only=True)
class DisableUser(Command):
    login: str
    reason: str = ""


@dataclass(frozen=True, kw_only=True)
class EnableUser(Command):
    login: str


@dataclass(frozen=True, kw_only=True)
class LockOutUser(Command):
    login: str
    until: datetime
    failures: int
