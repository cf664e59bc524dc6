"""A line of an events file checked on its own (ADR 0057, ADR 0058): everything that can be
known of a line without the lines before it — its JSON, its topic, its state decoded into that
event class and passing the input policy (``check_event``), the exact fields of the class —
so that lines can be checked in other processes while the importer writes the chunk before.
What needs the lines before (versions without gaps, moments in order, creates first) is the
importer's (``commands.event_import``).
"""

from __future__ import annotations

import dataclasses
import json
import re
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from functools import cache
from typing import Any, NamedTuple
from uuid import UUID

from eventsourcing.domain import Aggregate
from eventsourcing.persistence import JSONTranscoder, StoredEvent, Transcoder

from commands.adapters.transcodings import keel_transcoder
from commands.event_checks import class_version_problem, problem_of
from ledger.imports import Problems
from ledger.policy import check_event
from ledger.topics import event_classes

_PREFIX = re.compile(
    r'\{(?:"position":\d{1,19},)?"aggregate_id":"[0-9a-fA-F-]{32,36}","version":\d{1,10},"topic":"[A-Za-z0-9._]{1,200}",'
    r'(?:"recorded_at":(?:"[0-9T:.+Z-]{10,40}"|null),)?"state":'
)
_SCANNER = json.JSONDecoder()  # no hooks: only to find where the state's value ends
KEYS = frozenset({"position", "aggregate_id", "version", "topic", "recorded_at", "state"})
MAX_TOPIC = 200


class Line(NamedTuple):
    """A line that holds an event of Keel's, as the log stores it."""

    number: int
    stored: StoredEvent
    at: datetime | None  # the moment it is recorded at, if the line says
    creates: bool  # the event creates its aggregate
    kind: str  # the aggregate class it belongs to


Problem = tuple[int, str, str]  # line, field, what is wrong


def check_lines(
    lines: Sequence[tuple[int, bytes]], transcoder: Transcoder | None = None
) -> tuple[list[Line], list[Problem]]:
    """The lines (number, bytes) that hold an event, and the problems of those that do not.
    Without ``transcoder``, one like the application's, made once a process."""
    transcoder = transcoder or _own_transcoder()
    problems = Problems()
    good: list[Line] = []
    for number, raw in lines:
        parsed = _parse(number, raw, transcoder, problems)
        if parsed is None:
            continue
        _, stored, at, state = parsed
        try:
            event = _event(stored, state)
            check_event(event)
        except Exception as exc:  # what the state says does not make that event
            problems.add(number, "state", str(exc)[:300] or type(exc).__name__)
            continue
        if (wrong := problem_of(event, _owner(type(event)))) is not None:
            problems.add(number, "state", wrong[:300])
            continue
        fields, present = _fields(type(event)), set(vars(event))
        if present != fields:  # a field missing would stop a projection; one unknown, be carried forever
            missing, unknown = sorted(fields - present), sorted(present - fields)
            said = [
                f"missing {', '.join(missing)}" if missing else "",
                f"unknown {', '.join(unknown)}" if unknown else "",
            ]
            problems.add(number, "state", f"not the fields of {stored.topic}: {'; '.join(t for t in said if t)}"[:300])
            continue
        good.append(Line(number, stored, at, isinstance(event, Aggregate.Created), _kind(type(event))))
    return good, [(p.line, p.field, p.message) for p in problems.found]


@cache
def _own_transcoder() -> JSONTranscoder:
    return keel_transcoder()


def kind_of(topic: str) -> str:
    """The aggregate class of a topic of Keel's ("" for a topic of before the classes' own)."""
    cls = _classes().get(topic)
    return _kind(cls) if cls is not None else ""


@cache
def _classes() -> dict[str, type]:
    """Keel's event classes by topic: the only topics an import resolves."""
    return {str(vars(c)["TOPIC"]): c for c in event_classes()}


_FIELDS: dict[type, frozenset[str]] = {}


def _fields(cls: type) -> frozenset[str]:
    found = _FIELDS.get(cls)
    if found is None:
        found = _FIELDS[cls] = frozenset(f.name for f in dataclasses.fields(cls))
    return found


def _owner(cls: type) -> type:
    """The aggregate class an event class is nested in."""
    owner: type = getattr(sys.modules[cls.__module__], cls.__qualname__.split(".")[0])
    return owner


def _kind(cls: type) -> str:
    """The aggregate an event class belongs to (``ledger.customer.Customer``)."""
    return f"{cls.__module__}.{cls.__qualname__.split('.')[0]}"


Parsed = tuple[int, StoredEvent, datetime | None, dict[str, Any]]


def _parse(number: int, raw: bytes, transcoder: Transcoder, problems: Problems) -> Parsed | None:
    """A line read once, by the store's own decoder: its state's values are then the domain's
    (decimals, dates, ids) for the check, and encoded back they are the bytes stored."""
    try:
        text = raw.decode()
        line = transcoder.decoder.decode(text)  # type: ignore[attr-defined]
    except Exception as exc:  # not JSON, a transcoding's value it cannot read, nesting past the stack
        problems.add(number, "", f"not an event's JSON: {str(exc)[:100] or type(exc).__name__}")
        return None
    if not isinstance(line, dict):
        problems.add(number, "", "a line is a JSON object")
        return None
    if unknown := line.keys() - KEYS:
        problems.add(number, "", f"unknown keys: {', '.join(sorted(unknown))[:200]}")
        return None
    try:
        aggregate_id = UUID(str(line.get("aggregate_id")))
    except Exception:
        problems.add(number, "aggregate_id", "a UUID")
        return None
    if type(line.get("position", 0)) is not int:  # the source's position: informative, but a number
        problems.add(number, "position", "an integer")
        return None
    version, topic, state = line.get("version"), line.get("topic"), line.get("state")
    if type(version) is not int or not 1 <= version < 2**31:
        problems.add(number, "version", "an integer from 1")
        return None
    if not isinstance(topic, str) or len(topic) > MAX_TOPIC or topic not in _classes():
        problems.add(number, "topic", f"not a topic of Keel's events: {str(topic)[:MAX_TOPIC]!r}")
        return None
    if not isinstance(state, dict):
        problems.add(number, "state", "a JSON object (the event as `keel export events` writes it)")
        return None
    at: datetime | None = None
    if (recorded := line.get("recorded_at")) is not None:
        try:
            at = datetime.fromisoformat(str(recorded))
            at = at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)
        except Exception:  # not a moment, or one past the calendar's ends
            problems.add(number, "recorded_at", "an ISO 8601 moment with its offset")
            return None
    encoded = _state_text(text)
    if encoded is None:
        try:
            encoded = transcoder.encode(state)
        except Exception as exc:
            problems.add(number, "state", str(exc)[:200] or type(exc).__name__)
            return None
    return number, StoredEvent(aggregate_id, version, topic, encoded), at, state


def _state_text(text: str) -> bytes | None:
    """The state's own JSON text, stored as it came (encoding it again was a third of an import's
    time), when it can be cut out without doubt: the line begins with the other keys in the order
    ``keel export events`` writes them, their values of a form that holds nothing else, so the
    state's value starts right after; the plain scanner finds where it ends, and only the line's
    closing brace may follow (a key after it, even one repeated, and the text is encoded again)."""
    start = _PREFIX.match(text)
    if start is None:
        return None
    try:
        _, end = _SCANNER.raw_decode(text, start.end())
    except ValueError:
        return None
    if text[end:].strip() != "}":
        return None
    return text[start.end() : end].encode()


def _event(stored: StoredEvent, state: dict[str, Any]) -> Any:
    """The domain event, as the library's mapper makes it from what is stored (upcast included)."""
    cls = _classes()[stored.topic]
    state["originator_id"], state["originator_version"] = aggregate_id_of(stored), stored.originator_version
    version, current = state.pop("class_version", 1), getattr(cls, "class_version", 1)
    if (wrong := class_version_problem(cls, version)) is not None:
        raise ValueError(wrong)
    while version < current:
        getattr(cls, f"upcast_v{version}_v{version + 1}")(state)
        version += 1
    event: Any = object.__new__(cls)
    object.__setattr__(event, "__dict__", state)
    return event


def aggregate_id_of(stored: StoredEvent) -> UUID:
    found = stored.originator_id
    return found if isinstance(found, UUID) else UUID(str(found))
