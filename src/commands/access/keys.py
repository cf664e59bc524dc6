"""API keys on the write side: minting secrets, issuing and revoking keys, authenticating callers.

A key reads ``keel_<key id>_<secret>``: the id finds the key's aggregate, the secret is checked
against the digest its ``Issued`` event holds. Authentication reads the aggregate from the log
on every request, so a revocation counts at once, in every process.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from commands.access import messages as m
from commands.unit_of_work import CommandResult, Handlers, UnitOfWork
from ledger.access import ApiKey, Principal, api_key_id, digest
from ledger.errors import NotFound

PREFIX = "keel_"


@dataclass(frozen=True)
class MintedKey:
    key_id: str
    token: str  # shown once to whoever created it; never stored
    secret_sha256: str


def mint_key() -> MintedKey:
    key_id, secret = secrets.token_hex(6), secrets.token_urlsafe(32)
    return MintedKey(key_id, f"{PREFIX}{key_id}_{secret}", digest(secret))


class Unauthenticated(Exception):
    """The credentials name no valid key; the message says why, without echoing them."""


def looks_like_key(token: str) -> bool:
    return token.startswith(PREFIX)


def issue(uow: UnitOfWork, c: m.IssueApiKey) -> CommandResult:
    key = ApiKey.issue(c.key_id, c.name, list(c.roles), c.secret_sha256, c.on or uow.today(), c.meta)
    uow.ensure_new(key.id, "API key")
    return uow.commit(key)


def revoke(uow: UnitOfWork, c: m.RevokeApiKey) -> CommandResult:
    key = find_key(uow, c.key_id)
    key.revoke(c.reason, c.on or uow.today(), c.meta)
    return uow.commit(key)


HANDLERS: Handlers = {m.IssueApiKey: issue, m.RevokeApiKey: revoke}


def find_key(uow: UnitOfWork, key_id: str) -> ApiKey:
    return uow.load(ApiKey, api_key_id(key_id.strip().lower()), label=f"API key {key_id}:")


def authenticate(uow: UnitOfWork, token: str) -> Principal:
    """The principal a key stands for; ``Unauthenticated`` for unknown, wrong or revoked keys."""
    key_id, _, secret = token.removeprefix(PREFIX).partition("_")
    if not token.startswith(PREFIX) or len(key_id) != 12 or not secret:
        raise Unauthenticated("the credentials are not a Keel API key (keel_<id>_<secret>)")
    try:
        key = find_key(uow, key_id)
    except NotFound:
        raise Unauthenticated(f"no API key {key_id} exists") from None
    if not key.matches(secret):
        raise Unauthenticated(f"the secret does not match API key {key_id}")
    if key.revoked_on is not None:
        raise Unauthenticated(f"API key {key_id} was revoked on {key.revoked_on.isoformat()}")
    return key.principal


def principal(uow: UnitOfWork, key_id: str) -> Principal:
    """The principal of a key known to be valid (bearer tokens name it); revoked keys fail."""
    try:
        key = find_key(uow, key_id)
    except NotFound:
        raise Unauthenticated(f"no API key {key_id} exists") from None
    if key.revoked_on is not None:
        raise Unauthenticated(f"API key {key_id} was revoked on {key.revoked_on.isoformat()}")
    return key.principal
