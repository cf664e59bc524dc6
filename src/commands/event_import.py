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

import json
import multiprocessing
import os
from collections import deque
from collections.abc import Callable, Generator, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import closing
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, NamedTuple
from uuid import UUID

from eventsourcing.persistence import StoredEvent, Transcoder

from commands.adapters.recorders import BulkAppend
from commands.adapters.stored_form import stored_form
from commands.event_lines import Line, Problem, aggregate_id_of, check_lines, kind_of
from ledger.errors import AlreadyExists, NotFound
from ledger.event_imports import ImportedEvents, events_file_id
from ledger.events import Meta
from ledger.imports import ImportRefused, Problems

if TYPE_CHECKING:
    from commands.application import KeelApplication

CHUNK_LINES = 10_000  # lines a transaction: big enough to pay the lock and the flush rarely


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


def checking_processes() -> int:
    """How many processes check lines by default: a core each but the writer's (so none on two
    cores, where the writer, the checkers and a local PostgreSQL already share them; ADR 0058)."""
    return max(1, (os.cpu_count() or 1) - 1)


class EventImport:
    """One events file into ``app``'s log; ``run`` it with the file's lines (bytes, in order).
    With ``jobs`` > 1 the lines are checked in that many processes, a chunk ahead of the writer."""

    def __init__(
        self,
        app: KeelApplication,
        file_name: str,
        digest: str,
        meta: Meta,
        chunk_lines: int = CHUNK_LINES,
        progress: Callable[[int], None] | None = None,
        jobs: int = 0,
    ) -> None:
        self.app, self.file_name, self.digest, self.meta = app, file_name, digest, meta
        self.chunk_lines, self.progress, self.jobs = max(1, chunk_lines), progress, jobs
        self.to_stored = stored_form(app.mapper)
        self.known: dict[UUID, tuple[int, str]] = {}  # aggregate: last version, kind (this import's view)
        self.last_at: datetime | None = None  # the last recorded_at of the file
        head = app.head_position()
        self.floor = app.moment_of(head) if head else None  # none may be recorded before the log's last
        self.written = 0
        self.position = 0
        self.lines = 0

    def run(self, lines: Iterable[bytes], after: int = 0) -> ImportedFileEvents:
        """Import the lines after line ``after`` (a changed file going on where its first version
        stopped) or after the last line of these bytes already in, whichever is later."""
        record = self._record()
        if record is not None and record.finished:
            raise AlreadyExists(f"{self.file_name}: these bytes were imported to their end already ({record.id})")
        after = max(after, record.through_line if record is not None else 0)
        self.record = record or ImportedEvents.begin(self.file_name, self.digest, self._today(), self.meta)
        transcoder = self.app.mapper.transcoder
        with closing(checked_chunks(self._chunks(lines, after), transcoder, self.jobs)) as chunks:
            for chunk in chunks:  # each written once checked, in order; the rest (maybe no line) finishes
                self._write_or_refuse(chunk)
        return ImportedFileEvents(self.record.id, self.lines, self.written, after, self.position)

    def _chunks(self, lines: Iterable[bytes], after: int) -> Iterator[Chunk]:
        """Chunks of ``chunk_lines`` lines each, then the rest (maybe none), each with the day it
        was read on (the date its record's events take, whenever it is written)."""
        chunk: list[tuple[int, bytes]] = []
        for self.lines, raw in enumerate(lines, start=1):
            if self.lines <= after or not raw.strip():
                continue
            chunk.append((self.lines, raw))
            if len(chunk) >= self.chunk_lines:
                yield Chunk(chunk, self.lines, self._today(), last=False)
                chunk = []
        yield Chunk(chunk, self.lines, self._today(), last=True)

    def _record(self) -> ImportedEvents | None:
        try:
            return self.app.get(ImportedEvents, events_file_id(self.digest))
        except NotFound:
            return None

    def _today(self) -> date:
        return self.app.today()

    def _write_or_refuse(self, checked: CheckedChunk) -> None:
        try:
            self._write(checked)
        except ImportRefused as refused:
            chunk = checked.chunk
            first = chunk.lines[0][0] if chunk.lines else chunk.through
            raise ChunkRefused(refused, self.record.through_line, first, chunk.through) from None

    def _write(self, checked: CheckedChunk) -> None:
        chunk = checked.chunk
        with self.app.keel_log.bulk() as bulk:
            known, last_at = dict(self.known), self.last_at
            try:
                stored, moments = self._checked(bulk, checked)
                # one statement for the chunk, each event at its moment (the log keeps them in order)
                bulk.append(stored, **({"at": moments} if any(m is not None for m in moments) else {}))
                events = len(stored)
                if chunk.lines:
                    self.record.chunk(chunk.through, events, chunk.today, self.meta)
                if chunk.last:
                    self.record.finish(chunk.through, chunk.today, self.meta)
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
        if self.progress is not None and chunk.lines:
            self.progress(len(chunk.lines))

    def _checked(self, bulk: BulkAppend, chunk: CheckedChunk) -> tuple[list[StoredEvent], list[datetime | None]]:
        """The chunk's events and the moment each is recorded at (None: the import's), in order;
        ImportRefused naming every problem if there is one."""
        problems = Problems()
        for number, field, message in chunk.problems:
            problems.add(number, field, message)
        unseen = list({aggregate_id_of(line.stored) for line in chunk.good} - self.known.keys())
        for aggregate_id, (last, topic) in bulk.versions(unseen).items():
            self.known[aggregate_id] = (last, kind_of(topic))
        events: list[StoredEvent] = []
        moments: list[datetime | None] = []
        for line in chunk.good:
            if self._fits(line, problems):
                events.append(line.stored)
                moments.append(line.at or self.last_at)  # a line without one: as the line before it
        problems.found.sort(key=lambda problem: problem.line)
        problems.check(self.file_name)
        return events, moments

    def _fits(self, line: Line, problems: Problems) -> bool:
        """What a line must be after the lines before it: the next version of its aggregate, the
        first one creating it and the rest of its kind, its moment not before theirs."""
        number, stored, at = line.number, line.stored, line.at
        last, kind = self.known.get(aggregate_id_of(stored), (0, ""))
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
        if line.creates != (last == 0) or (kind and line.kind != kind):
            what = "creates" if line.creates else "is not the first of"
            problems.add(
                number, "topic", f"{stored.topic} {what} aggregate {stored.originator_id} at version {last + 1}"
            )
            return False
        self.last_at = at or self.last_at
        self.known[aggregate_id_of(stored)] = (stored.originator_version, kind or line.kind)
        return True


class Chunk(NamedTuple):
    lines: list[tuple[int, bytes]]  # (number, bytes)
    through: int  # the number of the chunk's last line (of the file's last, for the rest)
    today: date  # the day it was read on
    last: bool  # the rest of the file: its record is finished with it


class CheckedChunk(NamedTuple):
    chunk: Chunk
    good: list[Line]
    problems: list[Problem]


def checked_chunks(chunks: Iterable[Chunk], transcoder: Transcoder, jobs: int) -> Generator[CheckedChunk]:
    """The chunks with their lines checked, in order: here, or with ``jobs`` > 1 in that many
    processes (spawned: the importer's threads and connections are not theirs to inherit), each
    chunk shared among them and the next one checked while the one before is written."""
    if jobs <= 1:
        for chunk in chunks:
            yield CheckedChunk(chunk, *check_lines(chunk.lines, transcoder))
        return
    with ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("spawn")) as pool:
        ahead: deque[tuple[Chunk, list[Future[tuple[list[Line], list[Problem]]]]]] = deque()
        for chunk in chunks:
            lines = chunk.lines
            size = max(1, -(-len(lines) // jobs))
            ahead.append((chunk, [pool.submit(check_lines, lines[i : i + size]) for i in range(0, len(lines), size)]))
            if len(ahead) > 1:
                yield _gathered(*ahead.popleft())
        while ahead:
            yield _gathered(*ahead.popleft())


def _gathered(chunk: Chunk, parts: list[Future[tuple[list[Line], list[Problem]]]]) -> CheckedChunk:
    good: list[Line] = []
    problems: list[Problem] = []
    for part in parts:
        found, wrong = part.result()
        good += found
        problems += wrong
    return CheckedChunk(chunk, good, problems)


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
