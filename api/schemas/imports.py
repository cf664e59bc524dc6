"""The HTTP contract of imports (ADR 0035): what an accepted import answers, what one import was."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import UUID

from pydantic import Field

from api.schemas.base import CommandAccepted, Out


class ImportAccepted(CommandAccepted):
    """The import's record (its id derives from the file's digest) and what the batch wrote."""

    kind: str = Field(description="opening-balances, open-items or journal")
    file_name: str
    digest: str = Field(description="SHA-256 of the file's bytes, hex")
    lines: int = Field(description="Lines the file had")
    records: int = Field(description="Entries or documents written")


class EventsImported(Out):
    """An events file appended (ADR 0057): its record, the lines read and the events written now."""

    id: UUID = Field(description="The file's import record (derived from its digest)")
    file_name: str
    digest: str = Field(description="SHA-256 of the file's bytes, hex")
    lines: int = Field(description="Lines the file has")
    events: int = Field(description="Events written by this request")
    resumed_after: int = Field(description="Lines skipped as already in (0: from the first)")
    position: int = Field(description="The log position of the last event written")


class CommandsRan(Out):
    """A commands file run (ADR 0057): what ran now and what was in already."""

    lines: int = Field(description="Lines the file has")
    ran: int = Field(description="Commands run by this request")
    skipped: int = Field(description="Lines in already, from an earlier run")
    position: int = Field(description="The log position after the last command run (0: none ran)")


class ImportRun(Out):
    kind: str
    file_name: str
    lines: int
    records: int
    position: int | None = Field(description="Log position the batch was written at")
    effective_date: date
    actor: str
    forced: bool = Field(description="The bytes had been imported before; imported again with force")


class ImportRecord(Out):
    """A file's bytes and every time they were imported. An import is one transaction: a record
    exists once its batch is written, and never for a refused file."""

    id: UUID
    digest: str
    status: str = Field(description="written: every import is one batch, written whole or not at all")
    runs: list[ImportRun]


class ImportProgress(Out):
    """An import started with ``Prefer: respond-async``, as far as it has come (ADR 0039). The
    numbers count lines inside one transaction: nothing is visible until ``status`` is written,
    and a refusal at the last line still writes nothing."""

    id: UUID = Field(description="The import's record id (from the file's digest): GET /v1/imports/{id} once written")
    kind: str
    file_name: str
    digest: str
    lines: int = Field(description="Lines the file has")
    status: str = Field(
        description="queued, reading, checking, writing (in progress); written, refused or failed (finished)"
    )
    done: int = Field(description="Lines through the current phase")
    total: int | None = Field(description="Lines the current phase goes through, when known")
    lines_per_second: float | None = Field(description="The current phase's pace, while it runs")
    started_at: datetime
    finished_at: datetime | None
    result: ImportAccepted | None = Field(description="What the import wrote, once written")
    problem: dict[str, Any] | None = Field(
        description="Why it was refused: the RFC 9457 problem a synchronous import answers with"
    )
