"""The log as stored, for readers that want events' fields rather than events (ADR 0064).

Decoding an event makes a Python object of every value in it (a ``Decimal`` of each amount, a
``UUID`` of each id, a dataclass of each line) and the class instance around them; a reader that
writes the event out again as JSON (the analysts' export of the log) then turns each value back
into text. Here an event's stored JSON is parsed as it is (orjson), its values still in the
library's wrappers (``{"_type_": "decimal_str", "_data_": "12.50"}``), for the reader to unwrap
what it needs, and to have decoded what it cannot read as stored: an event of an older class
version (its upcasters are Python, written against decoded values), or one holding a float
(orjson also makes a float of an integer beyond 64 bits, and refuses NaN and Infinity; the input
policy refuses all of them, but events older than the policy may hold them). A store whose
mapper compresses or encrypts gives no fields: its events are decoded.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import datetime
from typing import Any, NamedTuple
from uuid import UUID

import orjson
from eventsourcing.domain import DomainEventProtocol
from eventsourcing.persistence import JSONTranscoder, Mapper, StoredEvent
from eventsourcing.utils import resolve_topic

from commands.adapters.recorders import StoredRow
from commands.adapters.transcodings import DataclassAsDict


class StoredState(NamedTuple):
    position: int
    recorded_at: datetime | None
    topic: str
    originator_id: UUID
    originator_version: int
    stored: bytes  # as the mapper wrote it
    state: dict[str, Any] | None  # its fields, parsed with their wrappers, if that is the current form


_CURRENT: dict[str, int] = {}  # each topic's class version, looked up once


def stored_states(mapper: Mapper[UUID], rows: Sequence[StoredRow]) -> list[StoredState]:
    """Each stored event with its fields as stored where they are the event's current form."""
    plain = not mapper.compressor and not mapper.cipher and isinstance(mapper.transcoder, JSONTranscoder)
    found = []
    for position, originator_id, version, topic, stored, recorded_at in rows:
        state = _parsed(stored) if plain else None
        if state is not None and state.get("class_version", 1) != _class_version(topic):
            state = None
        found.append(StoredState(position, recorded_at, topic, originator_id, version, stored, state))
    return found


def _parsed(stored: bytes) -> dict[str, Any] | None:
    try:
        state: dict[str, Any] = orjson.loads(stored)
    except orjson.JSONDecodeError:  # NaN or Infinity, which the library's JSON reads (and orjson not)
        return None
    return state


def _class_version(topic: str) -> int:
    version = _CURRENT.get(topic)
    if version is None:
        version = _CURRENT[topic] = getattr(resolve_topic(topic), "class_version", 1)
    return version


class Layout(NamedTuple):
    # Each field: its name, whether it has a default, the default, and how decoding reads it
    # ("decimal": ``Decimal(text)``, "uuid": ``UUID(text)``, "": as it is).
    fields: tuple[tuple[str, bool, Any, str], ...]
    names: frozenset[str]


def layout(transcoder: JSONTranscoder, name: str) -> Layout | None:
    """The fields of the dataclass a wrapper of this name holds, in order, where decoding it only
    fills the fields missing from the stored dict with their defaults (Keel's lines, stages, terms:
    a reader can then spell the value out without making it); None for any other transcoding."""
    transcoding = transcoder.names.get(name)
    if not isinstance(transcoding, DataclassAsDict) or type(transcoding).decode is not DataclassAsDict.decode:
        return None
    kind = transcoding.type
    if hasattr(kind, "__post_init__") or not dataclasses.is_dataclass(kind):
        return None
    found = []
    for field in dataclasses.fields(kind):
        read = "decimal" if field.name in transcoding.decimals else "uuid" if field.name in transcoding.uuids else ""
        if field.default is not dataclasses.MISSING:
            found.append((field.name, True, field.default, read))
        elif field.default_factory is not dataclasses.MISSING:
            found.append((field.name, True, field.default_factory(), read))
        else:
            found.append((field.name, False, None, read))
    return Layout(tuple(found), frozenset(name for name, _, _, _ in found))


def decoded_value(transcoder: JSONTranscoder, value: Any) -> Any:
    """A stored value (parsed with its wrappers) as the transcoder decodes it: a line, a set…"""
    return transcoder.decode(orjson.dumps(value))


def decoded_event(mapper: Mapper[UUID], stored: StoredState) -> DomainEventProtocol[UUID]:
    """The event itself, as ``read_log`` gives it (upcast)."""
    return mapper.to_domain_event(
        StoredEvent(stored.originator_id, stored.originator_version, stored.topic, stored.stored)
    )
