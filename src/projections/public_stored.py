"""The public form of an event made from its stored JSON, without decoding it (ADR 0064).

``public_event`` (webhooks, the stream) reads a decoded event: every value a Python object, then
written back as text. The log's export reads a million events: here the stored fields, parsed
with the library's wrappers still around them (``{"_type_": "decimal_str", "_data_": "12.50"}``),
are spelled out directly — a decimal's, a date's or a moment's text read and written again by
the functions decoding and ``plain`` use (no wrapper objects, no event), an id's hex given its
dashes, a line (one of Keel's dataclasses) its fields in order, the missing ones at their
defaults. Anything else (a set, an account, an old form, a float) is decoded by the write side,
and the answer is ``public_event``'s. A test compares the two for every event of the demo;
others for old forms, old field names, imported text and numbers.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Protocol
from uuid import UUID

from projections.public_events import (
    dashed_uuid,
    event_id,
    is_public_field,
    is_secret,
    plain,
    public_event,
    public_type,
)


class StoredForm(Protocol):
    """An event's stored fields, parsed with the library's wrappers."""

    @property
    def topic(self) -> str: ...
    @property
    def originator_id(self) -> Any: ...  # a UUID
    @property
    def originator_version(self) -> int: ...
    @property
    def state(self) -> dict[str, Any] | None: ...  # None: not its current form (decode it)


class Layout(Protocol):
    """A line's dataclass: each field (name, has a default, the default, "decimal", "uuid" or ""
    for how decoding reads it), and their names."""

    @property
    def fields(self) -> tuple[tuple[str, bool, Any, str], ...]: ...
    @property
    def names(self) -> frozenset[str]: ...


class StoredDecoder(Protocol):
    """What decodes what cannot be read as stored (the write side's application)."""

    def decode_stored_value(self, value: Any) -> Any: ...  # a wrapped value: a set, an account…
    def decode_stored(self, stored: Any) -> Any: ...  # one of its own stored events, whole
    def stored_layout(self, name: str) -> Layout | None:
        """The dataclass a wrapper of this name holds, where decoding it only fills in defaults."""


class _NotAsStored(Exception):
    """A value whose stored form may not be what decoding makes of it (a float)."""


# The library's scalar wrappers and what ``plain`` writes of the value each decodes to: the same
# functions, without the wrapper's dict lookups. Not the stored text as it is: an imported event
# keeps its file's text, which decoding reads ("+5", "1e3", "20260228") and ``plain`` rewrites.
_SCALARS: dict[str, Callable[[Any], str]] = {
    "decimal_str": lambda text: str(Decimal(text)),
    "date_iso": lambda text: date.fromisoformat(text).isoformat(),
    "datetime_iso": lambda text: datetime.fromisoformat(text).isoformat(),
}
_DATES = frozenset({"datetime_iso", "date_iso"})
_HEX = frozenset("0123456789abcdef")
_AS_IT_IS = frozenset({str, int, bool, type(None)})  # JSON's own values, the same decoded


def public_stored(
    position: int, recorded_at: datetime | None, stored: StoredForm, decoder: StoredDecoder
) -> dict[str, Any] | None:
    """What ``public_event`` makes of the event, made from its stored fields where they are its
    current form (nearly every event), else from the event decoded."""
    typed = public_type(stored.topic)
    if typed is None:
        return None
    state = stored.state
    try:
        if state is None:
            raise _NotAsStored
        data = {}
        for key in sorted(state):
            if is_public_field(key):
                value = state[key]
                data[key] = value if type(value) in _AS_IT_IS else _spelled(value, decoder)
    except _NotAsStored:
        return public_event(position, recorded_at, decoder.decode_stored(stored))
    event_type, version = typed
    effective = state.get("effective_date")
    effective_date = _spelled(effective, decoder) if effective is not None and _wrapper(effective) in _DATES else None
    aggregate = str(stored.originator_id)
    return {
        "id": event_id(aggregate, stored.originator_version),
        "type": event_type,
        "version": version,
        "position": position,
        "recorded_at": recorded_at.isoformat() if recorded_at else None,
        "effective_date": effective_date,
        "aggregate": {"type": event_type.partition(".")[0], "id": aggregate},
        "actor": state.get("actor"),
        "data": data,
    }


def _wrapper(value: Any) -> Any:
    """The wrapper's name if ``value`` is one of the library's wrappers, else None."""
    if type(value) is dict and len(value) == 2 and "_data_" in value:
        return value.get("_type_")
    return None


def _spelled(value: Any, decoder: StoredDecoder) -> Any:
    """``plain`` of the value the stored ``value`` decodes to."""
    kind = type(value)
    if kind in _AS_IT_IS:
        return value
    if kind is list:
        return [v if type(v) in _AS_IT_IS else _spelled(v, decoder) for v in value]
    if kind is not dict:
        raise _NotAsStored  # a float: orjson's reading of a number may not be the library's
    name = value.get("_type_") if len(value) == 2 and "_data_" in value else None
    if name is None:
        return {k: _spelled(v, decoder) for k, v in value.items() if not is_secret(k)}
    data = value["_data_"]
    scalar = _SCALARS.get(name)
    if scalar is not None and (type(data) is str or type(data) is int):
        return scalar(data)
    if name == "uuid_hex" and type(data) is str and len(data) == 32 and _HEX.issuperset(data):
        return dashed_uuid(data)
    layout = decoder.stored_layout(name) if type(name) is str else None
    if layout is not None and type(data) is dict and data.keys() <= layout.names:
        return _fields(data, layout, decoder)
    _no_float(data)
    return plain(decoder.decode_stored_value(value))


def _fields(data: dict[str, Any], layout: Layout, decoder: StoredDecoder) -> dict[str, Any]:
    """``plain`` of a dataclass stored as the dict of its fields that were not None: every field in
    order, a missing one at its default (what decoding it gives). Its decimals and ids are stored
    as their own ``str``, which is what ``plain`` writes of them."""
    out = {}
    for field, has_default, default, read in layout.fields:
        if is_secret(field):
            continue
        if field in data:
            value = data[field]
            if read and value is not None:  # decoding makes a Decimal or a UUID of it: ``plain`` its str
                out[field] = _read(value, read)
            else:
                out[field] = value if type(value) in _AS_IT_IS else _spelled(value, decoder)
        elif has_default:
            out[field] = default if type(default) in _AS_IT_IS else plain(default)
        else:
            raise _NotAsStored  # decoding it fails: the event's decoding says how
    return out


def _read(value: Any, read: str) -> str:
    kind = type(value)
    if read == "decimal" and (kind is str or kind is int):
        return str(Decimal(value))
    if read == "uuid" and kind is str:
        return str(UUID(value))
    raise _NotAsStored  # a float, or what decoding would refuse: the event's decoding says how


def _no_float(value: Any) -> None:
    kind = type(value)
    if kind is dict:
        for v in value.values():
            _no_float(v)
    elif kind is list:
        for v in value:
            _no_float(v)
    elif kind is float:
        raise _NotAsStored
