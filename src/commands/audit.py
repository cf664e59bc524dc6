"""Verify the hash chain over the log, and give an auditor its head to keep outside the database.

The chain alone shows an event altered, removed or inserted in the middle of the log. It cannot
show the newest events deleted with their links, nor a chain rewritten consistently from some
event on: both leave a chain that verifies. An **anchor** — the head position and its chain hash,
``DIGEST@POSITION``, kept by the auditor (a file, a ticket, a paper) — closes that gap: verified
against it, the log must still reach the position, and its chain must still hash to the digest
there.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

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


_ANCHOR = re.compile(r"([0-9a-f]{64})@([0-9]{1,18})")


@dataclass(frozen=True)
class Anchor:
    position: int
    digest: str

    def __str__(self) -> str:
        return f"{self.digest}@{self.position}"


class BadAnchor(ValueError):
    pass


def take_anchor(app: Application) -> Anchor:
    """The verified head of the chain: what an auditor keeps to check the log against later."""
    result = verify(app)
    if not result.ok:
        raise BadAnchor(f"the chain does not verify, so it cannot be anchored: {result.problem}")
    return Anchor(result.head_position, result.head_hash)


def parse_anchor(text: str) -> Anchor:
    """``DIGEST@POSITION``, or a file holding it (or the JSON ``keel audit digest`` prints)."""
    text = text.strip()
    found = _ANCHOR.fullmatch(text)
    if found is None and not text.isascii():
        raise BadAnchor(f"an anchor is DIGEST@POSITION (64 hex digits @ a position) or a file; got {text[:80]!r}")
    if found is None and Path(text).is_file():
        content = Path(text).read_text(encoding="utf-8", errors="replace").strip()
        found = _ANCHOR.fullmatch(content)
        if found is None:
            try:
                signed = json.loads(content)
                found = _ANCHOR.fullmatch(f"{signed['hash']}@{signed['position']}")
            except (ValueError, KeyError, TypeError):
                found = None
        if found is None:
            raise BadAnchor(f"{text} holds no anchor (DIGEST@POSITION, or the JSON of keel audit digest)")
    if found is None:
        raise BadAnchor(f"an anchor is DIGEST@POSITION (64 hex digits @ a position) or a file; got {text[:80]!r}")
    return Anchor(int(found.group(2)), found.group(1))


def verify_against(app: Application, anchor: Anchor) -> Verification:
    """``verify``, and the log still reaches the anchored position with the anchored hash there:
    a truncated log names its first missing position, a rewritten or reordered one the anchor's."""
    result = verify(app)
    if not result.ok:
        return result
    if result.head_position < anchor.position:
        first = result.head_position + 1
        problem = (
            f"the log ends at position {result.head_position} but was anchored at {anchor.position}:"
            f" the events from position {first} on were removed"
        )
        return Verification(False, result.checked, result.head_position, result.head_hash, problem, first)
    link = _recorder(app).chain_hashes(anchor.position, anchor.position).get(anchor.position)
    if link is None:
        problem = f"the anchored event at position {anchor.position} is missing"
        return Verification(False, result.checked, result.head_position, result.head_hash, problem, anchor.position)
    if not hmac.compare_digest(link, anchor.digest):
        problem = (
            f"the log was rewritten or reordered at or before position {anchor.position}:"
            " its chain no longer hashes to the anchored digest there"
        )
        return Verification(False, result.checked, result.head_position, result.head_hash, problem, anchor.position)
    return result
