"""Exports for other tools: the books as a ledger-cli / hledger journal, streamed."""

from __future__ import annotations

from collections.abc import Iterator

from fastapi import APIRouter
from fastapi.responses import StreamingResponse

from api.answers import utc
from api.deps import KeelDep, KnownAt, reads
from projections.finance.export import journal_lines

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
