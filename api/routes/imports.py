"""Imports over HTTP (ADR 0035): ``POST /v1/imports/opening-balances|open-items|journal`` with a
multipart upload (field ``file``; bounded by ``KEEL_IMPORT_MAX_BYTES``, not the API's usual body
limit) and ``GET /v1/imports/{id}``. With ``Prefer: respond-async`` an import answers 202 at once
and runs in the background; ``GET /v1/imports/{id}/progress`` tells how far it is (ADR 0039).

Each runs the same reader and command as ``keel import``: the file is checked whole, then written
as one batch, or refused with one problem (422) listing every error with its line and field, and
nothing written. The request answers once the batch is written; its record (id derived from the
file's SHA-256) says what was written, when and by whom.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import date
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, File, Form, Header, Path, UploadFile, status
from fastapi.responses import JSONResponse

from api import schemas
from api.access import Forbidden
from api.deps import KeelDep, MetaDep, PrincipalDep
from api.imports.csv_files import open_items, opening_balances
from api.imports.files import ImportFile, file_name
from api.imports.jobs import ImportJob
from api.imports.ledger_text import journal
from api.problems import domain_problem
from api.schemas.imports import CommandsRan, EventsImported, ImportAccepted, ImportProgress, ImportRecord, ImportRun
from api.system import Keel
from commands.messages import ImportJournal, ImportOpeningBalances, ImportOpenItems
from ledger.access import SCOPES, Principal
from ledger.errors import NotFound
from ledger.imports import ImportedFile, ImportProblem, ImportRefused, already_imported, file_id

router = APIRouter(prefix="/v1/imports", tags=["imports"])
Upload = Annotated[UploadFile, File(description="The file: CSV (opening balances, open items) or a ledger journal")]
Against = Annotated[
    str | None,
    Form(pattern=r"^[0-9A-Za-z]{1,10}$", description="The opening-balance account; the suspense role's by default"),
]
Force = Annotated[bool, Form(description="Import bytes already imported once more")]
Prefer = Annotated[
    str | None,
    Header(description="respond-async: answer 202 at once, run the import in the background (RFC 7240)"),
]
Import = ImportOpeningBalances | ImportOpenItems | ImportJournal
ASYNC_RESPONSES: dict[int | str, dict[str, object]] = {
    202: {"model": ImportProgress, "description": "Started in the background (Prefer: respond-async)"}
}


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


def _progress(job: ImportJob) -> ImportProgress:
    problem = None if job.error is None else domain_problem(job.error, f"/v1/imports/{job.id}")[1]
    return ImportProgress(
        id=job.id,
        kind=job.kind,
        file_name=job.file_name,
        digest=job.digest,
        lines=job.lines,
        status=job.phase,
        done=job.done,
        total=job.total,
        lines_per_second=job.lines_per_second(),
        started_at=job.started_at,
        finished_at=job.finished_at,
        result=job.outcome,
        problem=problem,
    )


def _run(
    keel: Keel, file: ImportFile, build: Callable[[], Import], kind: str, force: bool, prefer: str | None
) -> ImportAccepted | JSONResponse:
    """The import now, or (``Prefer: respond-async``) a job started and its address: 202."""
    if "respond-async" not in (prefer or "").lower():
        return _accepted(keel, file, build(), kind)
    record_id = file_id(file.digest)
    if not force:  # refused at once, as the synchronous import would be
        try:
            raise already_imported(keel.app.get(ImportedFile, record_id), file.name)
        except NotFound:
            pass
    lines = file.data.count(b"\n") + (0 if file.data.endswith(b"\n") or not file.data else 1)
    job = ImportJob(record_id, kind, file.name, file.digest, lines)
    job = keel.jobs.start(job, lambda: _accepted(keel, file, build(), kind))
    where = f"/v1/imports/{job.id}/progress"
    headers = {"Location": where, "Preference-Applied": "respond-async"}
    return JSONResponse(_progress(job).model_dump(mode="json"), status_code=202, headers=headers)


@router.post(
    "/opening-balances", status_code=status.HTTP_201_CREATED, response_model=ImportAccepted, responses=ASYNC_RESPONSES
)
def import_opening_balances(
    keel: KeelDep,
    meta: MetaDep,
    file: Upload,
    on: Annotated[date, Form(alias="date", description="The day the books start in Keel")],
    against: Against = None,
    force: Force = False,
    prefer: Prefer = None,
) -> ImportAccepted | JSONResponse:
    """One opening entry dated ``date`` from CSV ``account, debit, credit, currency[, value, party,
    document]``; receivable and payable balances come from open items."""
    data = _read(keel, file)
    return _run(keel, data, lambda: opening_balances(data, on, meta, against, force), "opening-balances", force, prefer)


@router.post(
    "/open-items", status_code=status.HTTP_201_CREATED, response_model=ImportAccepted, responses=ASYNC_RESPONSES
)
def import_open_items(
    keel: KeelDep, meta: MetaDep, file: Upload, against: Against = None, force: Force = False, prefer: Prefer = None
) -> ImportAccepted | JSONResponse:
    """Open invoices and bills from CSV ``kind, party, number, issue_date, due_date, currency,
    amount[, value]``: documents ageing, the forecast and payments know."""
    data = _read(keel, file)
    return _run(keel, data, lambda: open_items(data, meta, against, force), "open-items", force, prefer)


@router.post("/journal", status_code=status.HTTP_201_CREATED, response_model=ImportAccepted, responses=ASYNC_RESPONSES)
def import_journal(
    keel: KeelDep, meta: MetaDep, file: Upload, force: Force = False, prefer: Prefer = None
) -> ImportAccepted | JSONResponse:
    """A ledger journal in the shape ``GET /v1/exports/ledger`` writes: one entry per transaction."""
    data = _read(keel, file)
    return _run(keel, data, lambda: journal(data, meta, force), "journal", force, prefer)


def _lines(data: bytes) -> list[bytes]:
    """Lines as the CLI reads a file (at ``\n`` only), so a line's number is the same both ways."""
    return io.BytesIO(data).readlines()


def _holds_every_scope(principal: Principal, what: str) -> None:
    """Events and commands of any kind: only a caller who could have made each of them himself
    (every role's scopes; the rule's ``admin:settings`` alone is not enough)."""
    missing = sorted(set(SCOPES) - principal.scopes)
    if missing:
        raise Forbidden(
            f"{what} appends what any role may: it needs every scope; missing {', '.join(missing)}",
            tuple(missing),
            principal,
        )


@router.post("/events", status_code=status.HTTP_201_CREATED, response_model=EventsImported)
def import_events(
    keel: KeelDep,
    meta: MetaDep,
    principal: PrincipalDep,
    file: Annotated[UploadFile, File(description="Events as `keel export events` writes them: NDJSON")],
    after: Annotated[int, Form(ge=0, le=2**31, description="Skip the first lines (a changed file going on)")] = 0,
) -> EventsImported:
    """Append a log of events in bulk (ADR 0057), as ``keel import events`` does: every line checked
    as a command's events are; each chunk of 10,000 lines in one transaction or refused whole (422,
    naming line and field; the chunks before it stay in). The same bytes again go on after the last
    chunk in; once all in, 409."""
    from commands.event_import import EventImport

    _holds_every_scope(principal, "POST /v1/imports/events")
    data = _read(keel, file)
    done = EventImport(keel.app, data.name, data.digest, meta).run(_lines(data.data), after)
    return EventsImported(
        id=done.id,
        file_name=data.name,
        digest=data.digest,
        lines=done.lines,
        events=done.events,
        resumed_after=done.resumed_after,
        position=done.position,
    )


@router.post("/commands", status_code=status.HTTP_200_OK, response_model=CommandsRan)
def import_commands(
    keel: KeelDep,
    principal: PrincipalDep,
    file: Annotated[UploadFile, File(description='Commands, one JSON object a line: {"command": "…", …}')],
    source: Annotated[
        str | None, Form(max_length=200, description="The name the lines are remembered by (the file's name)")
    ] = None,
) -> CommandsRan:
    """Run commands from a file in order, each exactly once, as ``keel import commands`` does (ADR
    0057): the first refused line stops it (422 naming the line; the lines before it are in); the
    same file again skips what is in."""
    from api.imports.commands import run_commands

    _holds_every_scope(principal, "POST /v1/imports/commands")
    data = _read(keel, file)
    done = run_commands(keel.app, source or data.name, _lines(data.data), principal.name)
    return CommandsRan(lines=done.lines, ran=done.ran, skipped=done.skipped, position=done.position)


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


@router.get("/{import_id}/progress", response_model=ImportProgress)
def get_import_progress(import_id: Annotated[UUID, Path()], keel: KeelDep) -> ImportProgress:
    """How far an import started with ``Prefer: respond-async`` has come, in this server process;
    once written, ``result`` says what it wrote (and ``GET /v1/imports/{id}`` has its record)."""
    job = keel.jobs.get(import_id)
    if job is None:
        raise NotFound(
            f"no import {import_id} is running or has run lately in this server; a written import's record is at"
            f" /v1/imports/{import_id}"
        )
    return _progress(job)


__all__ = ["router", "schemas"]
