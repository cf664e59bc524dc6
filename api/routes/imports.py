"""Imports over HTTP (ADR 0035): ``POST /v1/imports/opening-balances|open-items|journal`` with a
multipart upload (field ``file``; bounded by ``KEEL_IMPORT_MAX_BYTES``, not the API's usual body
limit) and ``GET /v1/imports/{id}``.

Each runs the same reader and command as ``keel import``: the file is checked whole, then written
as one batch, or refused with one problem (422) listing every error with its line and field, and
nothing written. The request answers once the batch is written; its record (id derived from the
file's SHA-256) says what was written, when and by whom.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, File, Form, Path, UploadFile, status

from api import schemas
from api.deps import KeelDep, MetaDep
from api.imports.csv_files import open_items, opening_balances
from api.imports.files import ImportFile, file_name
from api.imports.ledger_text import journal
from api.schemas.imports import ImportAccepted, ImportRecord, ImportRun
from api.system import Keel
from commands.messages import ImportJournal, ImportOpeningBalances, ImportOpenItems
from ledger.errors import NotFound
from ledger.imports import ImportedFile, ImportProblem, ImportRefused

router = APIRouter(prefix="/v1/imports", tags=["imports"])
Upload = Annotated[UploadFile, File(description="The file: CSV (opening balances, open items) or a ledger journal")]
Against = Annotated[
    str | None,
    Form(pattern=r"^[0-9A-Za-z]{1,10}$", description="The opening-balance account; the suspense role's by default"),
]
Force = Annotated[bool, Form(description="Import bytes already imported once more")]
Import = ImportOpeningBalances | ImportOpenItems | ImportJournal


def _read(keel: Keel, upload: UploadFile) -> ImportFile:
    name, limit = file_name(upload.filename), keel.settings.import_max_bytes
    data = upload.file.read(limit + 1)
    if len(data) > limit:
        raise ImportRefused(name, [ImportProblem(0, "", f"more than {limit:,} bytes; at most {limit:,} accepted")])
    return ImportFile(name, data)


def _accepted(keel: Keel, file: ImportFile, command: Import, kind: str) -> ImportAccepted:
    result = keel.app.handle(command)
    record = keel.app.get(ImportedFile, result.id)
    last = list(keel.app.events.get(result.id))[-1]
    return ImportAccepted(
        id=result.id,
        version=result.version,
        position=result.position,
        kind=kind,
        file_name=file.name,
        digest=record.digest,
        lines=int(getattr(last, "lines", 0)),
        records=int(getattr(last, "records", 0)),
    )


@router.post("/opening-balances", status_code=status.HTTP_201_CREATED, response_model=ImportAccepted)
def import_opening_balances(
    keel: KeelDep,
    meta: MetaDep,
    file: Upload,
    on: Annotated[date, Form(alias="date", description="The day the books start in Keel")],
    against: Against = None,
    force: Force = False,
) -> ImportAccepted:
    """One opening entry dated ``date`` from CSV ``account, debit, credit, currency[, value, party,
    document]``; receivable and payable balances come from open items."""
    data = _read(keel, file)
    return _accepted(keel, data, opening_balances(data, on, meta, against, force), "opening-balances")


@router.post("/open-items", status_code=status.HTTP_201_CREATED, response_model=ImportAccepted)
def import_open_items(
    keel: KeelDep, meta: MetaDep, file: Upload, against: Against = None, force: Force = False
) -> ImportAccepted:
    """Open invoices and bills from CSV ``kind, party, number, issue_date, due_date, currency,
    amount[, value]``: documents ageing, the forecast and payments know."""
    data = _read(keel, file)
    return _accepted(keel, data, open_items(data, meta, against, force), "open-items")


@router.post("/journal", status_code=status.HTTP_201_CREATED, response_model=ImportAccepted)
def import_journal(keel: KeelDep, meta: MetaDep, file: Upload, force: Force = False) -> ImportAccepted:
    """A ledger journal in the shape ``GET /v1/exports/ledger`` writes: one entry per transaction."""
    data = _read(keel, file)
    return _accepted(keel, data, journal(data, meta, force), "journal")


@router.get("/{import_id}", response_model=ImportRecord)
def get_import(import_id: Annotated[UUID, Path()], keel: KeelDep) -> ImportRecord:
    """A file's bytes and each time they were imported (the record is written with the batch)."""
    try:
        record = keel.app.get(ImportedFile, import_id)
        history = keel.app.history(import_id)
    except NotFound:
        raise NotFound(f"import {import_id} not found") from None
    runs = [
        ImportRun(
            kind=str(getattr(event, "kind", "")),
            file_name=str(getattr(event, "file_name", "")),
            lines=int(getattr(event, "lines", 0)),
            records=int(getattr(event, "records", 0)),
            position=position,
            effective_date=getattr(event, "effective_date"),  # noqa: B009
            actor=str(getattr(event, "actor", "")),
            forced=isinstance(event, ImportedFile.ImportedAgain),
        )
        for position, event in history
    ]
    return ImportRecord(id=import_id, digest=record.digest, status="written", runs=runs)


__all__ = ["router", "schemas"]
