"""Events to stored events for bulk appends (ADR 0042): the library mapper's bytes, written faster.

The library's ``Mapper.to_stored_event`` copies the event's state and hands it to a JSON encoder
whose ``default`` hook is called back from C for every UUID, Decimal, date and datetime, each
answer a new dict for the encoder to walk. Here each top-level value is written directly: a text
by the encoder's own string function, None as ``null``, a value with a transcoding as the
library's wrapper ``{"_type_":name,"_data_":data}``, and anything else (numbers, lists, nested
values) by the library's encoder itself. The bytes are the library's by construction — the same
key order, separators, string escaping and wrappers — and a test compares them for every event
of the demo. Half the encoding time of a statement's line. A mapper with a compressor or a cipher
is used as it is.
"""

from __future__ import annotations

from collections.abc import Callable
from json.encoder import encode_basestring  # what JSONEncoder(ensure_ascii=False) escapes with
from uuid import UUID

from eventsourcing.domain import DomainEventProtocol
from eventsourcing.persistence import JSONTranscoder, Mapper, StoredEvent, Transcoding
from eventsourcing.utils import get_topic

ToStored = Callable[[DomainEventProtocol[UUID]], StoredEvent]
# Types the JSON encoder writes itself, never asking a transcoding (even for a subclass of one).
_NATIVE = (str, int, float, list, tuple, dict, type(None))
_IDENTITY = frozenset({"originator_id", "originator_version"})  # columns of their own, not state


class _Wrappers(dict[type, tuple[str, Transcoding] | None]):
    """Each value type's wrapper opening and transcoding, or None where the encoder writes it."""

    def __init__(self, transcoder: JSONTranscoder) -> None:
        super().__init__()
        self.transcoder = transcoder

    def __missing__(self, kind: type) -> tuple[str, Transcoding] | None:
        found = None if issubclass(kind, _NATIVE) else self.transcoder.types.get(kind)
        wrapper = self[kind] = (
            None if found is None else ('{"_type_":' + encode_basestring(found.name) + ',"_data_":', found)
        )
        return wrapper


def stored_form(mapper: Mapper[UUID]) -> ToStored:
    """A function giving exactly what ``mapper.to_stored_event`` gives."""
    transcoder = mapper.transcoder
    if mapper.compressor or mapper.cipher or not isinstance(transcoder, JSONTranscoder):
        return mapper.to_stored_event
    encode = transcoder.encoder.encode
    wrappers = _Wrappers(transcoder)
    keys: dict[str, str] = {}

    def member(name: str, value: object) -> str:
        key = keys.get(name) or keys.setdefault(name, encode_basestring(name) + ":")
        kind = type(value)
        if kind is str:
            return key + encode_basestring(value)  # type: ignore[arg-type]  # exactly a str, not a subclass
        if value is None:
            return key + "null"
        wrapper = wrappers[kind]
        if wrapper is None:
            return key + encode(value)
        data = wrapper[1].encode(value)
        return key + wrapper[0] + (encode_basestring(data) if type(data) is str else encode(data)) + "}"

    def to_stored(event: DomainEventProtocol[UUID]) -> StoredEvent:
        kind = type(event)
        state = vars(event)
        class_version = getattr(kind, "class_version", 1)
        if class_version > 1:  # as the library adds it: last, or in its place if the state has it
            state = {**state, "class_version": class_version}
        members = [member(name, value) for name, value in state.items() if name not in _IDENTITY]
        return StoredEvent(
            originator_id=event.originator_id,
            originator_version=event.originator_version,
            topic=get_topic(kind),
            state=("{" + ",".join(members) + "}").encode("utf8"),
        )

    return to_stored
