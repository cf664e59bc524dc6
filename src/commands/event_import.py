"""Events imported in bulk (ADR 0057): a log exported by ``keel export events`` (one JSON object a
line) appended to this one in large chunks, all or nothing per chunk, resumable.

A line is ``{"aggregate_id", "version", "topic", "state"}`` and, optionally, ``"recorded_at"``
(the moment it is recorded at: non-decreasing along the file, never in the future, never before
what the log already holds; without it, the moment of the import). Before a chunk is written
every line of it is checked: a topic of one of Keel's event classes (nothing else is ever
resolved), a state that decodes into that class and passes the input policy (``check_event``:
the rules every event made by a command passes), versions that follow the aggregate's last one
without a gap, a first version that creates the aggregate and later ones of the same kind. A
chunk with a problem is refused whole with every problem named by line and field; the chunks
before it stay in. Each chunk commits with a ``Chunk`` event of the file's record
(``ledger.event_imports``): the same file imported again goes on after the last line in, and is
refused once finished.
"""

from __future__ import annotations

import dataclasses
import json
import re
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import cache
from typing import TYPE_CHECKING, Any
from uuid import UUID

from eventsourcing.domain import Aggregate
from eventsourcing.persistence import StoredEvent, Transcoder

from commands.adapters.recorders import BulkAppend
from commands.adapters.stored_form import stored_form
from commands.event_checks import class_version_problem, problem_of
from ledger.errors import AlreadyExists, NotFound
from ledger.event_imports import ImportedEvents, events_file_id
from ledger.events import Meta
from ledger.imports import ImportRefused, Problems
from ledger.policy import check_event
from ledger.topics import event_classes

if TYPE_CHECKING:
    from commands.application import KeelApplication

_PREFIX = re.compile(
    r'\{(?:"position":\d{1,19},)?"aggregate_id":"[0-9a-fA-F-]{32,36}","version":\d{1,10},"topic":"[A-Za-z0-9._]{1,200}",'
    r'(?:"recorded_at":(?:"[0-9T:.+Z-]{10,40}"|null),)?"state":'
)
_SCANNER = json.JSONDecoder()  # no hooks: only to find where the state's value ends
KEYS = frozenset({"position", "aggregate_id", "version", "topic", "recorded_at", "state"})
CHUNK_LINES = 10_000  # lines a transaction: big enough to pay the lock and the flush rarely
MAX_TOPIC = 200


@dataclass(frozen=True)
class ImportedFileEvents:
    """What an import did: lines read, events written now, lines skipped as already in."""

    id: UUID
    lines: int
    events: int
    resumed_after: int
    position: int


class ChunkRefused(ImportRefused):
    """A chunk was refused: the lines before it are in, nothing of it was written."""

    def __init__(self, refused: ImportRefused, done: int, first: int, last: int) -> None:
        super().__init__(refused.source, refused.problems)
        head, _, rest = str(refused).partition("\n")
        head = head.replace("nothing written", f"nothing of lines {first}-{last} written")
        done_text = f"lines 1-{done} are in; " if done else ""
        advice = f"{done_text}fix the file and import it again (a changed file: --after {done})" if done else ""
        self.done = done
        self.args = ("\n".join(part for part in (head, rest, advice) if part),)


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


class EventImport:
    """One events file into ``app``'s log; ``run`` it with the file's lines (bytes, in order)."""

    def __init__(
        self,
        app: KeelApplication,
        file_name: str,
        digest: str,
        meta: Meta,
        chunk_lines: int = CHUNK_LINES,
        progress: Callable[[int], None] | None = None,
    ) -> None:
        self.app, self.file_name, self.digest, self.meta = app, file_name, digest, meta
        self.chunk_lines, self.progress = max(1, chunk_lines), progress
        self.to_stored = stored_form(app.mapper)
        self.known: dict[UUID, tuple[int, str]] = {}  # aggregate: last version, kind (this import's view)
        self.last_at: datetime | None = None  # the last recorded_at of the file
        head = app.head_position()
        self.floor = app.moment_of(head) if head else None  # none may be recorded before the log's last
        self.written = 0
        self.position = 0

    def run(self, lines: Iterable[bytes], after: int = 0) -> ImportedFileEvents:
        """Import the lines after line ``after`` (a changed file going on where its first version
        stopped) or after the last line of these bytes already in, whichever is later."""
        record = self._record()
        if record is not None and record.finished:
            raise AlreadyExists(f"{self.file_name}: these bytes were imported to their end already ({record.id})")
        after = max(after, record.through_line if record is not None else 0)
        self.record = record or ImportedEvents.begin(self.file_name, self.digest, self._today(), self.meta)
        chunk: list[tuple[int, bytes]] = []
        number = 0
        for number, raw in enumerate(lines, start=1):
            if number <= after or not raw.strip():
                continue
            chunk.append((number, raw))
            if len(chunk) >= self.chunk_lines:
                self._write_or_refuse(chunk, number)
                chunk = []
        self._write_or_refuse(chunk, number, finished=True)
        return ImportedFileEvents(self.record.id, number, self.written, after, self.position)

    def _record(self) -> ImportedEvents | None:
        try:
            return self.app.get(ImportedEvents, events_file_id(self.digest))
        except NotFound:
            return None

    def _today(self) -> date:
        return self.app.today()

    def _write_or_refuse(self, chunk: list[tuple[int, bytes]], through: int, finished: bool = False) -> None:
        try:
            self._write(chunk, through, finished)
        except ImportRefused as refused:
            raise ChunkRefused(refused, self.record.through_line, chunk[0][0] if chunk else through, through) from None

    def _write(self, chunk: list[tuple[int, bytes]], through: int, finished: bool = False) -> None:
        with self.app.keel_log.bulk() as bulk:
            known, last_at = dict(self.known), self.last_at
            try:
                stored, moments = self._checked(bulk, chunk)
                # one statement for the chunk, each event at its moment (the log keeps them in order)
                bulk.append(stored, **({"at": moments} if any(m is not None for m in moments) else {}))
                events = len(stored)
                if chunk:
                    self.record.chunk(through, events, self._today(), self.meta)
                if finished:
                    self.record.finish(through, self._today(), self.meta)
                pending = [self.to_stored(e) for e in self.record.collect_events()]
                bulk.append(pending, **({"at": self.last_at} if self.last_at is not None else {}))
                self.position = bulk.settle() or self.position
            except BaseException:
                self.known, self.last_at = known, last_at  # the chunk is rolled back: so is what it taught
                self.record = self._record() or ImportedEvents.begin(
                    self.file_name, self.digest, self._today(), self.meta
                )
                raise
        self.written += events
        if self.progress is not None and chunk:
            self.progress(len(chunk))

    def _checked(
        self, bulk: BulkAppend, chunk: list[tuple[int, bytes]]
    ) -> tuple[list[StoredEvent], list[datetime | None]]:
        """The chunk's events and the moment each is recorded at (None: the import's), in order;
        ImportRefused naming every problem if there is one."""
        problems = Problems()
        transcoder = self.app.mapper.transcoder
        parsed = [p for number, raw in chunk if (p := _parse(number, raw, transcoder, problems)) is not None]
        unseen = list({_id(stored) for _, stored, _, _ in parsed} - self.known.keys())
        for aggregate_id, (last, topic) in bulk.versions(unseen).items():
            first = _classes().get(topic)  # a topic of before the classes' own: its kind is not checked
            self.known[aggregate_id] = (last, _kind(first) if first is not None else "")
        events: list[StoredEvent] = []
        moments: list[datetime | None] = []
        for number, stored, at, state in parsed:
            if self._fits(number, stored, at, state, problems):
                events.append(stored)
                moments.append(at or self.last_at)  # a line without one: as the line before it
        problems.check(self.file_name)
        return events, moments

    def _fits(
        self, number: int, stored: StoredEvent, at: datetime | None, state: dict[str, Any], problems: Problems
    ) -> bool:
        last, kind = self.known.get(_id(stored), (0, ""))
        if stored.originator_version != last + 1:
            problems.add(number, "version", f"expected {last + 1} for aggregate {stored.originator_id}")
            return False
        if at is not None:
            if self.last_at is not None and at < self.last_at:
                problems.add(number, "recorded_at", f"earlier than the line before it ({self.last_at.isoformat()})")
                return False
            if self.floor is not None and at < self.floor:
                problems.add(number, "recorded_at", f"earlier than the log's last moment ({self.floor.isoformat()})")
                return False
            if at > self.app.log_clock.now():  # ahead, it would record every later command in the future
                problems.add(number, "recorded_at", "in the future")
                return False
        try:
            event = _event(stored, state)
            check_event(event)
        except Exception as exc:  # what the state says does not make that event
            problems.add(number, "state", str(exc)[:300] or type(exc).__name__)
            return False
        if (wrong := problem_of(event, _owner(type(event)))) is not None:
            problems.add(number, "state", wrong[:300])
            return False
        fields, present = _fields(type(event)), set(vars(event))
        if present != fields:  # a field missing would stop a projection; one unknown, be carried forever
            missing, unknown = sorted(fields - present), sorted(present - fields)
            said = [
                f"missing {', '.join(missing)}" if missing else "",
                f"unknown {', '.join(unknown)}" if unknown else "",
            ]
            problems.add(number, "state", f"not the fields of {stored.topic}: {'; '.join(t for t in said if t)}"[:300])
            return False
        creates = isinstance(event, Aggregate.Created)
        if creates != (last == 0) or (kind and _kind(type(event)) != kind):
            what = "creates" if creates else "is not the first of"
            problems.add(
                number, "topic", f"{stored.topic} {what} aggregate {stored.originator_id} at version {last + 1}"
            )
            return False
        self.last_at = at or self.last_at
        self.known[_id(stored)] = (stored.originator_version, kind or _kind(type(event)))
        return True


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
    state["originator_id"], state["originator_version"] = _id(stored), stored.originator_version
    version, current = state.pop("class_version", 1), getattr(cls, "class_version", 1)
    if (wrong := class_version_problem(cls, version)) is not None:
        raise ValueError(wrong)
    while version < current:
        getattr(cls, f"upcast_v{version}_v{version + 1}")(state)
        version += 1
    event: Any = object.__new__(cls)
    object.__setattr__(event, "__dict__", state)
    return event


def _id(stored: StoredEvent) -> UUID:
    found = stored.originator_id
    return found if isinstance(found, UUID) else UUID(str(found))


def export_lines(app: KeelApplication, after: int = 0, batch: int = 5000) -> Iterable[bytes]:
    """The log after position ``after`` as ``run`` reads it, one line an event, with its position."""
    while True:
        found = app.recorder.select_notifications(start=after, limit=batch, inclusive_of_start=False)
        if not found:
            return
        times = app.keel_log.recorded_times(found[0].id, found[-1].id)
        for n in found:
            recorded = times.get(n.id)
            line: dict[str, Any] = {
                "position": n.id,
                "aggregate_id": str(n.originator_id),
                "version": n.originator_version,
                "topic": n.topic,
                "recorded_at": recorded.isoformat() if recorded else None,
                "state": json.loads(n.state),
            }
            yield json.dumps(line, ensure_ascii=False, separators=(",", ":")).encode() + b"\n"
        after = found[-1].id
