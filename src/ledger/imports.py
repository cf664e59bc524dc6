"""Imports as facts: the file a batch came from, and the journal entries a ledger file brought in
(ADR 0035).

Every import is checked whole before anything is written and saved as one batch: its events and
an ``ImportedFile`` event naming the file's SHA-256 digest, so the same bytes imported twice are
recognised (``ImportedFile`` ids derive from the digest) and refused unless forced. A refused
import raises ``ImportRefused`` listing every problem found, each naming file, line and field.

An ``ImportedEntry`` is a transaction of another ledger (or of Keel's own export) taken as it
was: it is not a manual entry, so it may post to control accounts (history already happened);
its lines carry no document, so they make no open items (open documents come from an open-items
import).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING
from uuid import NAMESPACE_URL, UUID, uuid5

from ledger.errors import InvalidTransition, InvalidValue
from ledger.events import KeelAggregate, Meta
from ledger.journal import JournalLine, balanced

KINDS = ("opening-balances", "open-items", "journal")
MAX_PROBLEMS_SHOWN = 50  # a refusal's message lists this many; ``problems`` holds them all


@dataclass(frozen=True, slots=True)
class ImportProblem:
    """One thing wrong with an import: where (line, field) and what."""

    line: int  # 1-based; 0 for the file as a whole
    field: str
    message: str

    def where(self, source: str) -> str:
        at = f"{source}:{self.line}" if self.line else source
        return f"{at}: {self.field}: {self.message}" if self.field else f"{at}: {self.message}"


class ImportRefused(InvalidValue):
    """The import was refused as a whole; nothing was written. ``problems`` lists every reason."""

    def __init__(self, source: str, problems: list[ImportProblem]) -> None:
        self.source, self.problems = source, sorted(problems, key=lambda p: (p.line, p.field))
        shown = [p.where(source) for p in self.problems[:MAX_PROBLEMS_SHOWN]]
        more = len(self.problems) - len(shown)
        tail = [f"… and {more} more"] if more > 0 else []
        count = f"{len(self.problems)} problem{'s' if len(self.problems) != 1 else ''}"
        super().__init__(f"{source}: import refused ({count}, nothing written):\n" + "\n".join(shown + tail))


class Problems:
    """Problems gathered while checking a file: the check goes on after the first one."""

    def __init__(self, found: tuple[ImportProblem, ...] = ()) -> None:
        self.found: list[ImportProblem] = list(found)

    def add(self, line: int, field: str, message: str) -> None:
        self.found.append(ImportProblem(line, field, message))

    def check(self, source: str) -> None:
        if self.found:
            raise ImportRefused(source, self.found)


def file_id(digest: str) -> UUID:
    """The id of the record of a file with these bytes (SHA-256, hex)."""
    return uuid5(NAMESPACE_URL, f"keel:import:{digest}")


class ImportedFile(KeelAggregate):
    """The record of one file's bytes imported: once, and again only when forced."""

    TOPIC = "keel.ImportedFile"

    if TYPE_CHECKING:
        kind: str
        digest: str
        times: int

    class Event(KeelAggregate.Event):
        pass

    class Created(Event, KeelAggregate.Created):
        TOPIC = "keel.importedfile.Created.v1"

    class Imported(Created):
        TOPIC = "keel.importedfile.Imported.v1"
        kind: str
        file_name: str
        digest: str
        lines: int
        records: int  # entries or documents written

        def apply(self, record: ImportedFile) -> None:
            record.kind, record.digest, record.times = self.kind, self.digest, 1

    class ImportedAgain(Event):
        """The same bytes imported again, forced."""

        TOPIC = "keel.importedfile.ImportedAgain.v1"
        kind: str
        file_name: str
        lines: int
        records: int

        def apply(self, record: ImportedFile) -> None:
            record.times += 1

    @classmethod
    def record(
        cls,
        existing: ImportedFile | None,
        kind: str,
        file_name: str,
        digest: str,
        counts: tuple[int, int],
        on: date,
        meta: Meta,
    ) -> ImportedFile:
        """The record of this import: a new one, or (forced) the existing one once more."""
        if kind not in KINDS:
            raise InvalidValue(f"kind: one of {', '.join(KINDS)}; got {kind[:40]!r}")
        if len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):
            raise InvalidValue("digest: a SHA-256 in lower-case hex")
        lines, records = counts
        stamp = meta.stamp(on)
        if existing is None:
            return cls._create(
                cls.Imported,
                id=file_id(digest),
                kind=kind,
                file_name=file_name,
                digest=digest,
                lines=lines,
                records=records,
                **stamp,
            )
        existing.trigger_event(cls.ImportedAgain, kind=kind, file_name=file_name, lines=lines, records=records, **stamp)
        return existing


def already_imported(record: ImportedFile, source: str) -> InvalidTransition:
    return InvalidTransition(
        f"{source}: these bytes (SHA-256 {record.digest[:12]}…) were already imported as {record.kind}"
        f" ({record.times} time{'s' if record.times != 1 else ''}); nothing written. Use --force (HTTP: force=true)"
        " to import them again"
    )


class ImportedEntry(KeelAggregate):
    """A transaction brought in from a ledger file, as it was.

    Most are one event (``Posted``), balanced on its own. An entry of more lines than one event
    should hold (opening balances of 100,000 accounts, ADR 0046) is written in parts: ``Begun``
    with the first lines and the number of parts, then ``Continued`` once per further part, all in
    one transaction. A part does not balance on its own; the entry balances as a whole, which the
    importer proves (``journal.EntryBalance``) before the first part is written. The read models
    fold each part's lines as any journal's. The aggregate keeps only the one-event form's lines:
    a parted entry's are in its events, so writing it holds one part at a time.
    """

    TOPIC = "keel.ImportedEntry"

    if TYPE_CHECKING:
        journal: list[JournalLine]
        parts: int  # written so far
        planned: int  # of an entry begun in parts

    class Event(KeelAggregate.Event):
        pass

    class Created(Event, KeelAggregate.Created):
        TOPIC = "keel.importedentry.Created.v1"

    class Posted(Created):
        TOPIC = "keel.importedentry.Posted.v1"
        memo: str
        source: str  # file:line of the transaction
        journal: list[JournalLine]

        def apply(self, entry: ImportedEntry) -> None:
            entry.journal, entry.parts, entry.planned = list(self.journal), 1, 1

    class Begun(Created):
        """The first part of an entry written in ``parts`` parts (ADR 0046): balanced only with the rest."""

        TOPIC = "keel.importedentry.Begun.v1"
        memo: str
        source: str
        parts: int  # this one and the ``Continued`` ones
        journal: list[JournalLine]

        def apply(self, entry: ImportedEntry) -> None:
            entry.journal, entry.parts, entry.planned = [], 1, self.parts

    class Continued(Event):
        """A further part of an entry ``Begun`` in parts: ``part`` of its ``parts`` (2, 3, …)."""

        TOPIC = "keel.importedentry.Continued.v1"
        part: int
        journal: list[JournalLine]

        def apply(self, entry: ImportedEntry) -> None:
            entry.parts += 1

    @classmethod
    def post(
        cls,
        entry_id: UUID,
        memo: str,
        source: str,
        lines: list[JournalLine],
        functional_currency: str,
        on: date,
        meta: Meta,
    ) -> ImportedEntry:
        return cls._create(
            cls.Posted,
            id=entry_id,
            memo=memo.strip() or "Imported",
            source=source,
            journal=balanced(lines, functional_currency),
            **meta.stamp(on),
        )

    @classmethod
    def begin(
        cls, entry_id: UUID, memo: str, source: str, lines: list[JournalLine], parts: int, on: date, meta: Meta
    ) -> ImportedEntry:
        """The first of ``parts`` parts of an entry whose balance as a whole the caller has proven
        (``journal.EntryBalance``, over every line, before this part is written)."""
        if parts < 2:
            raise InvalidValue("an entry of one part is posted whole (ImportedEntry.post), balanced on its own")
        return cls._create(
            cls.Begun,
            id=entry_id,
            memo=memo.strip() or "Imported",
            source=source,
            parts=parts,
            journal=_part(lines),
            **meta.stamp(on),
        )

    def continue_with(self, lines: list[JournalLine], on: date, meta: Meta) -> None:
        """The next part of an entry begun in parts."""
        if self.parts >= self.planned:
            raise InvalidTransition(f"imported entry {self.id} has all of its {self.planned} parts")
        self.trigger_event(self.Continued, part=self.parts + 1, journal=_part(lines), **meta.stamp(on))


def _part(lines: list[JournalLine]) -> list[JournalLine]:
    """A part's lines: those not zero on both axes, at least one."""
    kept = [line for line in lines if line.amount != 0 or line.value != 0]
    if not kept:
        raise InvalidValue("a part of a journal entry needs at least one non-zero line")
    return kept
