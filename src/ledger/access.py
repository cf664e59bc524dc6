"""Who may do what: roles as sets of scopes, and API keys as an event-sourced aggregate.

A key's secret is never stored: only its SHA-256 digest is, in the ``Issued`` event. Secrets
are 256 random bits, so a plain digest is as strong as a slow hash and costs microseconds per
request. Issuing and revoking keys are events like any other, so the audit trail says who gave
whom which access and when.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING
from uuid import NAMESPACE_URL, UUID, uuid5

from ledger.errors import InvalidTransition, InvalidValue
from ledger.events import KeelAggregate, Meta

# -- scopes ------------------------------------------------------------------------------

READ_CRM, WRITE_CRM, WRITE_CUSTOMERS = "read:crm", "write:crm", "write:customers"
READ_INVOICES, DRAFT_INVOICES = "read:invoices", "draft:invoices"
READ_FINANCE, WRITE_FINANCE, CLOSE_BOOKS = "read:finance", "write:finance", "close:books"
WRITE_EXPENSES = "write:expenses"
READ_WORK, WRITE_WORK = "read:work", "write:work"
READ_REPORTS, EXPORT = "read:reports", "export"
READ_AUDIT, READ_OPERATIONS = "read:audit", "read:operations"
READ_EVENTS = "read:events"
ADMIN_KEYS, ADMIN_SETTINGS = "admin:keys", "admin:settings"

SCOPES: dict[str, str] = {
    READ_CRM: "read customers, contacts, leads, deals, activities, follow-ups and CRM reports",
    WRITE_CRM: "capture and work leads, deals, activities and follow-ups",
    WRITE_CUSTOMERS: "register customers and change their details",
    READ_INVOICES: "read invoices and credit notes",
    DRAFT_INVOICES: "draft invoices (issuing them posts to the books: write:finance)",
    READ_FINANCE: "read payments, payables, expense claims, journal entries and cost centers",
    WRITE_FINANCE: "post to the books: issue, credit, void and write off invoices, payments, bills, entries",
    CLOSE_BOOKS: "close periods and years",
    WRITE_EXPENSES: "submit, approve (when routed to you), reject and resubmit expense claims",
    READ_WORK: "read people, projects, allocations and timesheets",
    WRITE_WORK: "hire people, run projects, allocate, record and approve time",
    READ_REPORTS: "every report, as of any date and as known at any moment",
    EXPORT: "export the books",
    READ_AUDIT: "the event feed, aggregate histories and the hash chain",
    READ_OPERATIONS: "read-model status",
    READ_EVENTS: "the public event stream (with payloads, secrets left out) and webhook deliveries",
    ADMIN_KEYS: "create, list and revoke API keys",
    ADMIN_SETTINGS: "the pipeline's stages, the expense policy and cost centers",
}

_READS = frozenset({READ_CRM, READ_INVOICES, READ_FINANCE, READ_WORK, READ_REPORTS})

ROLES: dict[str, frozenset[str]] = {
    # reads everything, exports and verifies; writes nothing
    "auditor": _READS | {EXPORT, READ_AUDIT, READ_OPERATIONS},
    # reads every report and list, the journal with its dimensions, the public event stream and
    # the read models' status, and exports; writes nothing, and never reads the raw log (API key
    # digests, password hashes) nor keys or webhooks (their secrets)
    "analyst": _READS | {EXPORT, READ_EVENTS, READ_OPERATIONS},
    "sales": frozenset({READ_CRM, WRITE_CRM, WRITE_CUSTOMERS, READ_INVOICES, DRAFT_INVOICES, WRITE_EXPENSES}),
    "accountant": frozenset(
        {READ_CRM, WRITE_CUSTOMERS, READ_INVOICES, DRAFT_INVOICES, READ_FINANCE, WRITE_FINANCE, CLOSE_BOOKS}
        | {WRITE_EXPENSES, READ_WORK, WRITE_WORK, READ_REPORTS, EXPORT}
    ),
    # keys and settings; cannot post to the books
    "admin": frozenset({ADMIN_KEYS, ADMIN_SETTINGS, READ_OPERATIONS}),
    # a system that follows the books: the public event stream and its webhook deliveries, nothing secret
    "integration": frozenset({READ_EVENTS}),
}
assert all(scope in SCOPES for scopes in ROLES.values() for scope in scopes)


def scopes_of(roles: tuple[str, ...] | list[str]) -> frozenset[str]:
    return frozenset().union(*(ROLES[r] for r in roles))


def roles_with(scope: str) -> list[str]:
    return sorted(role for role, scopes in ROLES.items() if scope in scopes)


def check_roles(roles: list[str] | tuple[str, ...]) -> list[str]:
    unknown = [r for r in roles if r not in ROLES]
    if unknown or not roles:
        raise InvalidValue(f"roles must be some of {', '.join(ROLES)}; got {', '.join(roles) or 'none'}")
    return sorted(set(roles))


@dataclass(frozen=True)
class Principal:
    """The authenticated caller: recorded as the actor of every event it causes."""

    name: str
    roles: tuple[str, ...]
    scopes: frozenset[str]
    client: str  # what idempotency keys are scoped to: the key id


# -- API keys ------------------------------------------------------------------------------

_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@+-]{0,63}")
_KEY_ID = re.compile(r"[0-9a-f]{12}")


def api_key_id(key_id: str) -> UUID:
    return uuid5(NAMESPACE_URL, f"keel:api-key:{key_id}")


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


class ApiKey(KeelAggregate):
    TOPIC = "keel.ApiKey"

    if TYPE_CHECKING:
        key_id: str
        name: str
        roles: list[str]
        secret_sha256: str
        revoked_on: date | None

    class Event(KeelAggregate.Event):
        pass

    class Created(Event, KeelAggregate.Created):
        TOPIC = "keel.apikey.Created.v1"

    class Issued(Created):
        TOPIC = "keel.apikey.Issued.v1"
        key_id: str
        name: str
        roles: list[str]
        secret_sha256: str

        def apply(self, key: ApiKey) -> None:
            key.key_id, key.name, key.roles = self.key_id, self.name, list(self.roles)
            key.secret_sha256, key.revoked_on = self.secret_sha256, None

    class Revoked(Event):
        TOPIC = "keel.apikey.Revoked.v1"
        reason: str

        def apply(self, key: ApiKey) -> None:
            key.revoked_on = self.effective_date

    @classmethod
    def issue(cls, key_id: str, name: str, roles: list[str], secret_sha256: str, on: date, meta: Meta) -> ApiKey:
        if not _KEY_ID.fullmatch(key_id):
            raise InvalidValue(f"a key id is 12 hex digits, got {key_id!r}")
        if not _NAME.fullmatch(name):
            raise InvalidValue(
                f"a key's name (the actor its events record) is 1 to 64 letters, digits or ._@+-, got {name!r}"
            )
        if not re.fullmatch(r"[0-9a-f]{64}", secret_sha256):
            raise InvalidValue("the secret's digest must be 64 hex digits")
        return cls._create(
            cls.Issued,
            id=api_key_id(key_id),
            key_id=key_id,
            name=name,
            roles=check_roles(roles),
            secret_sha256=secret_sha256,
            **meta.stamp(on),
        )

    def revoke(self, reason: str, on: date, meta: Meta) -> None:
        if self.revoked_on is not None:
            raise InvalidTransition(f"key {self.key_id} was already revoked on {self.revoked_on.isoformat()}")
        self.trigger_event(self.Revoked, reason=reason.strip()[:500], **meta.stamp(on))

    def matches(self, secret: str) -> bool:
        return hmac.compare_digest(self.secret_sha256, digest(secret))

    @property
    def principal(self) -> Principal:
        return Principal(self.name, tuple(self.roles), scopes_of(self.roles), self.key_id)
