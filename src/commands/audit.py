"""Verify the hash chain over the log, and sign its head for an auditor to keep."""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import UTC, datetime

from eventsourcing.application import Application

from commands.recorders import GENESIS, KeelPostgresRecorder, KeelSQLiteRecorder, chain

PAGE = 1000


@dataclass(frozen=True)
class Verification:
    ok: bool
    checked: int
    head_position: int
    head_hash: str
    problem: str = ""
    position: int | None = None


def _recorder(app: Application) -> KeelPostgresRecorder | KeelSQLiteRecorder:
    recorder = app.recorder
    if not isinstance(recorder, KeelPostgresRecorder | KeelSQLiteRecorder):
        raise ValueError("this event store keeps no hash chain (in-memory store)")
    return recorder


def verify(app: Application) -> Verification:
    """Recompute the chain over every stored event; name the first position that does not fit.

    An event whose bytes changed breaks its own link ("altered"); an event missing where the
    chain has a link was removed; an event without a link was inserted behind the chain's back.
    """
    recorder = _recorder(app)
    bounds = recorder.chain_bounds()
    if bounds is None:
        return Verification(True, 0, 0, GENESIS)
    first, last = bounds
    head = max(last, app.recorder.max_notification_id() or 0)
    previous, checked, position = GENESIS, 0, first
    while position <= head:
        stop = min(position + PAGE - 1, head)
        events = {n.id: n for n in app.recorder.select_notifications(start=position, limit=PAGE, stop=stop)}
        links = recorder.chain_hashes(position, stop)
        for p in range(position, stop + 1):
            event, link = events.get(p), links.get(p)
            if event is None and link is None:
                continue  # a gap in the sequence (a rolled-back insert): nothing was ever there
            if event is None:
                return Verification(False, checked, p, previous, f"the event at position {p} was removed", p)
            if link is None:
                return Verification(False, checked, p, previous, f"an event was inserted at position {p}", p)
            expected = chain(previous, p, event.originator_id, event.originator_version, event.topic, event.state)
            if expected != link:
                return Verification(False, checked, p, previous, f"the event at position {p} was altered", p)
            previous, checked = link, checked + 1
        position = stop + 1
    return Verification(True, checked, last, previous)


def signed_digest(app: Application, key: str) -> str:
    """The chain head with an HMAC-SHA256 signature: JSON an auditor keeps and can re-check."""
    result = verify(app)
    if not result.ok:
        raise ValueError(f"the chain does not verify: {result.problem}")
    body = {"position": result.head_position, "hash": result.head_hash, "signed_at": datetime.now(UTC).isoformat()}
    message = json.dumps(body, sort_keys=True).encode()
    body["signature"] = hmac.new(key.encode(), message, hashlib.sha256).hexdigest()
    return json.dumps(body, sort_keys=True)
