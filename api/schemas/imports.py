"""The HTTP contract of imports (ADR 0035): what an accepted import answers, what one import was."""

from __future__ import annotations

from datetime import date
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
