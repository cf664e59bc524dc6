"""Exports for other tools: the books as a ledger-cli / hledger journal, streamed; the analysts'
datasets as Parquet files (ADR 0060)."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from datetime import date
from pathlib import Path as PathLib
from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Query, Request
from fastapi.responses import StreamingResponse

from api.answers import utc
from api.deps import KeelDep, KnownAt, PrincipalDep, reads
from ledger.errors import NotFound
from ledger.policy import FIRST_DAY, LAST_DAY
from projections.finance.export import journal_lines
from projections.plugins import PluginError

PARQUET = "application/vnd.apache.parquet"

router = APIRouter(prefix="/v1/exports", tags=["exports"])


@router.get(
    "/ledger",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/plain": {"schema": {"type": "string"}}}, "description": "The journal"}},
    dependencies=[reads("general_ledger")],
)
def export_ledger(keel: KeelDep, known_at: KnownAt = None) -> StreamingResponse:
    """Every posting as a ledger-cli / hledger transaction, as the books knew them at ``known_at``:
    `ledger -f books.journal bal` re-checks every balance independently of Keel."""
    moment = utc(known_at)
    lines = list(journal_lines(keel.views, keel.functional_currency, moment))  # read before streaming

    def body() -> Iterator[str]:
        for line in lines:
            yield line + "\n"

    return StreamingResponse(
        body(),
        media_type="text/plain; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="books.journal"'},
    )


@router.get(
    "/{dataset}.parquet",
    response_class=StreamingResponse,
    responses={
        200: {"content": {PARQUET: {"schema": {"type": "string", "format": "binary"}}}, "description": "The dataset"},
        404: {"description": "No such dataset"},
    },
    dependencies=[reads("general_ledger", "chart")],
)
def export_parquet(
    request: Request,
    keel: KeelDep,
    principal: PrincipalDep,
    dataset: Annotated[str, Path(max_length=40, pattern=r"^[a-z_]+$", description="journal, events …")],
    as_of: Annotated[
        date | None, Query(ge=FIRST_DAY, le=LAST_DAY, description="Business date; every date when omitted")
    ] = None,
    known_at: KnownAt = None,
) -> StreamingResponse:
    """One dataset of the analysts' export as a Parquet file, at (``as_of``, ``known_at``): typed
    columns (money as decimal128, never float), the snapshot (log position, parameters) in the
    file's metadata under ``keel.snapshot``; the log holds the events the caller's stream would
    show it. `keel export parquet DIR` writes them all."""
    from api.exports.parquet import datasets_named, take_snapshot, write_dataset
    from projections.exports.datasets import Sources

    try:
        chosen = datasets_named([dataset], keel)
    except LookupError as exc:
        raise NotFound(str(exc).strip("'\"")) from None
    knowledge = getattr(request.state, "knowledge", None)
    position = knowledge.position if knowledge else None
    snapshot = take_snapshot(keel, as_of, utc(known_at), position, chosen, principal.scopes)
    handle, name = tempfile.mkstemp(prefix=f"keel-{dataset}-", suffix=".parquet")
    os.close(handle)
    path = PathLib(name)
    try:
        write_dataset(chosen[0], Sources(keel.views, keel.app), snapshot, path)
    except PluginError as exc:  # a plug-in's answer failed: it alone, named
        path.unlink(missing_ok=True)
        raise HTTPException(503, str(exc)) from exc
    except BaseException:
        path.unlink(missing_ok=True)
        raise

    def body() -> Iterator[bytes]:
        try:  # the file goes however the response ends: sent or cut off
            with path.open("rb") as f:
                while chunk := f.read(1 << 20):
                    yield chunk
        finally:
            path.unlink(missing_ok=True)

    return StreamingResponse(
        body(),
        media_type=PARQUET,
        headers={
            "Content-Disposition": f'attachment; filename="{dataset}.parquet"',
            "Content-Length": str(path.stat().st_size),
            "Keel-Position": str(snapshot.position),
        },
    )
