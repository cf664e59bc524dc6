"""The public form of Keel's events: what webhooks, the SSE stream (and analysts' exports) see.

Stable and versioned, independent of how the store keeps an event (docs/public-events.md):

    {"id", "type", "version", "position", "recorded_at", "effective_date",
     "aggregate": {"type", "id"}, "actor", "data": {...}}

``type`` is ``<context>.<event>`` in snake case (``invoice.issued``), taken from the event's stored
topic ``keel.<context>.<Event>.v<N>``; ``version`` is that N, so a new shape of an event is a new
version a receiver can tell apart. ``data`` holds the event's own fields: decimals as strings
(amounts keep every digit; the currency is the field ``currency`` of the event or of its aggregate's
creation), dates and times in ISO 8601, ids as strings. Left out: the store's own fields, and any
secret (a field whose name says secret, password or token, API key digests). Webhook subscriptions
and deliveries are not public events at all: they hold secrets, and a delivery announced by
webhook would cause another delivery without end.
"""

from __future__ import annotations

import re
from dataclasses import fields, is_dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from fnmatch import fnmatchcase
from functools import cache, lru_cache
from hashlib import sha1
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from ledger.access import READ_AUDIT, READ_CRM, READ_EVENTS, READ_FINANCE, READ_INVOICES, READ_WORK

SCHEMA = "keel.public-event"
SCHEMA_VERSION = 1
_TOPIC = re.compile(r"keel\.([a-z0-9]+)\.([A-Za-z0-9]+)\.v([0-9]+)")
_STORE_FIELDS = frozenset({"originator_id", "originator_version", "timestamp", "originator_topic", "class_version"})
_META_FIELDS = frozenset({"effective_date", "actor", "command_id", "correlation_id"})
_SECRET_WORDS = ("secret", "password", "token", "sha256")
NOT_PUBLIC = frozenset({"webhook", "webhookdelivery"})  # secrets, and deliveries would loop
_NAMESPACE = uuid5(NAMESPACE_URL, "https://keel.example/public-events")
_NAMESPACE_BYTES = _NAMESPACE.bytes

# Who sees a context's events on the stream beside auditors and integrations (READ_AUDIT,
# READ_EVENTS): the scope that reads the same records over the API. Unlisted contexts (keys,
# schedules, the outbox) are for auditors and integrations only.
CONTEXT_SCOPES: dict[str, str] = {
    **dict.fromkeys(
        ("customer", "lead", "deal", "activity", "followup", "pipeline", "salesrules", "rulefiring"), READ_CRM
    ),
    **dict.fromkeys(("invoice", "creditnote"), READ_INVOICES),
    **dict.fromkeys(("project", "timesheet", "person"), READ_WORK),
    **dict.fromkeys(
        (
            "payment",
            "bill",
            "expenseclaim",
            "books",
            "chart",
            "company",
            "fxrates",
            "fxrevaluation",
            "journalentry",
            "costcenter",
            "expensepolicy",
            "supplier",
            "supplierpayment",
            "suppliercreditnote",
            "bank",
            "bankaccount",
            "bankline",
            "bankrules",
            "bankstatement",
            "importedfile",
            "importedentry",
            "csvmapping",
            "sequence",
            "sealed",
            "dunning",
            "reminders",
            "reminder",
            "plannedcost",
            "paymentexpectation",
        ),
        READ_FINANCE,
    ),
}
SEE_ALL = frozenset({READ_AUDIT, READ_EVENTS})


@cache
def public_type(topic: str) -> tuple[str, int] | None:
    """``keel.invoice.Issued.v1`` → ``("invoice.issued", 1)``; None for an event that is not public."""
    found = _TOPIC.fullmatch(topic)
    if found is None or found[1] in NOT_PUBLIC:
        return None
    name = re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", found[2]).lower()
    return f"{found[1]}.{name}", int(found[3])


def matches(patterns: list[str] | tuple[str, ...], event_type: str) -> bool:
    return any(fnmatchcase(event_type, p) for p in patterns)


def visible(scopes: frozenset[str], event_type: str) -> bool:
    """Whether a caller with ``scopes`` may see events of this public type."""
    if scopes & SEE_ALL:
        return True
    scope = CONTEXT_SCOPES.get(event_type.partition(".")[0])
    return scope is not None and scope in scopes


def event_id(aggregate_id: UUID | str, version: int) -> str:
    """A stable id per event: the same in every delivery and on every stream. ``uuid5`` spelled
    out (SHA-1 of the namespace and the name, then the version and variant bits), without making
    two ``UUID`` objects: a log export asks it for every event."""
    digest = bytearray(
        sha1(_NAMESPACE_BYTES + f"{aggregate_id}/{version}".encode(), usedforsecurity=False).digest()[:16]
    )
    digest[6] = (digest[6] & 0x0F) | 0x50
    digest[8] = (digest[8] & 0x3F) | 0x80
    return dashed_uuid(digest.hex())


def dashed_uuid(hex32: str) -> str:
    return f"{hex32[:8]}-{hex32[8:12]}-{hex32[12:16]}-{hex32[16:20]}-{hex32[20:]}"


def public_event(position: int, recorded_at: datetime | None, event: Any) -> dict[str, Any] | None:
    """The public form of one stored event, or None if it is not public."""
    typed = public_type(str(type(event).TOPIC))
    if typed is None:
        return None
    event_type, version = typed
    effective = getattr(event, "effective_date", None)
    data = {k: plain(v) for k, v in sorted(vars(event).items()) if is_public_field(k)}
    return {
        "id": event_id(event.originator_id, event.originator_version),
        "type": event_type,
        "version": version,
        "position": position,
        "recorded_at": recorded_at.isoformat() if recorded_at else None,
        "effective_date": effective.isoformat() if isinstance(effective, date) else None,
        "aggregate": {"type": event_type.partition(".")[0], "id": str(event.originator_id)},
        "actor": getattr(event, "actor", None),
        "data": data,
    }


@lru_cache(maxsize=4096)  # names of fields, and of keys in dicts events carry
def is_secret(name: str) -> bool:
    return any(word in name for word in _SECRET_WORDS)


@lru_cache(maxsize=4096)
def is_public_field(name: str) -> bool:
    """Whether an event's field is part of its public ``data``."""
    return not (name in _STORE_FIELDS or name in _META_FIELDS or name.startswith("_") or is_secret(name))


def plain(value: Any) -> Any:
    """Domain values as JSON: decimals as strings, dates in ISO 8601, dataclasses as objects."""
    if isinstance(value, bool | int | str) or value is None:
        return value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, Enum):
        return plain(value.value)
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: plain(getattr(value, f.name)) for f in fields(value) if not is_secret(f.name)}
    if isinstance(value, dict):
        return {str(plain(k)): plain(v) for k, v in value.items() if not is_secret(str(k))}
    if isinstance(value, list | tuple | set | frozenset):
        return [plain(v) for v in value]
    return str(value)
