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
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

from eventsourcing.application import Application

from commands.adapters.recorders import GENESIS, KeelApplicationRecorder, chain, keel_recorder

PAGE = 1000


@dataclass(frozen=True)
class Verification:
    ok: bool
    checked: int
    head_position: int
    head_hash: str
    problem: str = ""
    position: int | None = None


def _recorder(app: Application) -> KeelApplicationRecorder:
    return keel_recorder(app.recorder)  # the in-memory store's refuses: it keeps no hash chain


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


def chain_head(app: Application) -> tuple[int, str]:
    """The chain's last link as recorded (position, hash): what a page shows at once, without the
    whole-log recomputation ``verify`` does (seconds at a million events)."""
    recorder = _recorder(app)
    bounds = recorder.chain_bounds()
    if bounds is None:
        return 0, GENESIS
    last = bounds[1]
    return last, recorder.chain_hashes(last, last).get(last, GENESIS)


def signed_digest(app: Application, key: str) -> str:
    """The chain head with an HMAC-SHA256 signature: JSON an auditor keeps and can re-check."""
    result = verify(app)
    if not result.ok:
        raise ValueError(f"the chain does not verify: {result.problem}")
    body = {"position": result.head_position, "hash": result.head_hash, "signed_at": datetime.now(UTC).isoformat()}
    message = json.dumps(body, sort_keys=True).encode()
    body["signature"] = hmac.new(key.encode(), message, hashlib.sha256).hexdigest()
    return json.dumps(body, sort_keys=True)


_DIGEST = re.compile(r"[0-9a-f]{64}")
_MAX_POSITION_DIGITS = 18  # a BIGINT holds every position with 18 digits
_ANCHOR_FILE_LIMIT = 64 * 1024  # an anchor file holds one line or a small JSON object


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


def anchor_of(text: str) -> Anchor:
    """The literal ``DIGEST@POSITION``, never a file: what a query parameter may carry."""
    digest, at, position = text.strip().partition("@")
    if not at:
        raise BadAnchor(f"an anchor is DIGEST@POSITION (sha256 hex @ a log position); got {text.strip()[:80]!r}")
    digest = digest.lower()  # hex reads the same in either case
    if not _DIGEST.fullmatch(digest):
        raise BadAnchor(f"an anchor's digest is 64 hex digits (sha256); got {digest[:80]!r}")
    if not (position.isascii() and position.isdigit()) or len(position) > _MAX_POSITION_DIGITS:
        raise BadAnchor(f"an anchor's position is a whole number of at most 18 digits; got {position[:80]!r}")
    if int(position) == 0 and digest != GENESIS:
        raise BadAnchor(f"an anchor at position 0 (an empty log) has the digest {GENESIS}")
    return Anchor(int(position), digest)


def parse_anchor(text: str) -> Anchor:
    """``DIGEST@POSITION``, or a file holding it, the JSON of ``GET /v1/audit/anchor`` or of
    ``keel audit digest``."""
    text = text.strip()
    if not text or ("@" in text and not _is_file(text)):
        return anchor_of(text)  # names the part that is wrong, not "no such file"
    path = Path(text)
    if not _is_file(text):
        kind = "a folder" if _is_folder(text) else "not a file"
        raise BadAnchor(f"{text} is {kind}: an anchor is DIGEST@POSITION or a file holding it")
    try:
        with path.open(encoding="utf-8", errors="replace") as handle:
            content = handle.read(_ANCHOR_FILE_LIMIT).strip()
    except OSError as exc:
        raise BadAnchor(f"cannot read the anchor file {text}: {exc.strerror or exc}") from None
    try:
        return anchor_of(_from_json(content) or content)
    except BadAnchor as exc:
        raise BadAnchor(f"{text} holds no anchor: {exc}") from None


def _is_file(text: str) -> bool:
    try:
        return Path(text).is_file()
    except (OSError, ValueError):  # a name too long, a NUL byte: not a file either way
        return False


def _is_folder(text: str) -> bool:
    try:
        return Path(text).is_dir()
    except (OSError, ValueError):
        return False


def _from_json(content: str) -> str | None:
    """``DIGEST@POSITION`` out of a saved JSON anchor or signed digest, if that is what it is."""
    try:
        saved = json.loads(content)
    except (ValueError, RecursionError):  # RecursionError: brackets nested thousands deep
        return None
    if not isinstance(saved, dict):
        return None
    digest, position = saved.get("digest", saved.get("hash")), saved.get("position")
    if not isinstance(digest, str) or isinstance(position, bool) or not isinstance(position, int):
        return None
    return f"{digest}@{position}"


def verify_against(app: Application, anchor: Anchor) -> Verification:
    """``verify``, and the log still reaches the anchored position with the anchored hash there:
    a truncated log names its first missing position, a rewritten or reordered one the anchor's."""
    result = verify(app)
    if not result.ok:
        return result
    if anchor.position == 0:  # taken on an empty log: every log reaches it
        if anchor.digest == GENESIS:
            return result
        return replace(result, ok=False, problem=f"an anchor at position 0 must have the digest {GENESIS}", position=0)
    if result.head_position < anchor.position:
        first = result.head_position + 1
        problem = (
            f"the log ends at position {result.head_position} but the anchor was taken at {anchor.position}:"
            f" {_missing(first, anchor.position)}"
        )
        return replace(result, ok=False, problem=problem, position=first)
    recorder = _recorder(app)
    link = recorder.chain_hashes(anchor.position, anchor.position).get(anchor.position)
    if link is None:
        # No event and no link where the anchor was taken (verify passed): the newest events were
        # deleted with their links and the log went on after them. Name where the hole starts.
        first = _last_link_before(recorder, anchor.position) + 1
        problem = (
            f"the anchor was taken at position {anchor.position}, which the log no longer has:"
            f" {_missing(first, anchor.position)}"
        )
        return replace(result, ok=False, problem=problem, position=first)
    if not hmac.compare_digest(link, anchor.digest):
        problem = (
            f"the log was rewritten or reordered at or before position {anchor.position}:"
            " its chain no longer hashes to the anchored digest there"
        )
        return replace(result, ok=False, problem=problem, position=anchor.position)
    return result


def _missing(first: int, last: int) -> str:
    return f"position {last} is missing" if first == last else f"positions {first}..{last} are missing"


def _last_link_before(recorder: KeelApplicationRecorder, position: int) -> int:
    """The last position below ``position`` that has a link (0: none), a page at a time backwards."""
    bounds = recorder.chain_bounds()
    floor = bounds[0] if bounds else position  # no page below the chain's first link can hold one
    stop = position - 1
    while stop >= floor:
        start = max(floor, stop - PAGE + 1)
        links = recorder.chain_hashes(start, stop)
        if links:
            return max(links)
        stop = start - 1
    return 0
