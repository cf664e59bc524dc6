"""Plug-in projections over HTTP, read-only: the list with each one's version, columns, lag and
health, and each one's answer as of a business date, as known at a moment (ADR 0062)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path, Query, Request
from fastapi.concurrency import run_in_threadpool

from api.answers import utc
from api.deps import KeelDep, KnownAt, MinPosition, as_of_or_today
from api.system import Keel
from ledger.errors import NotFound
from ledger.policy import FIRST_DAY, LAST_DAY
from projections.plugins import PluginProjection
from projections.public_events import plain

router = APIRouter(prefix="/v1/custom", tags=["custom projections"])
Name = Annotated[str, Path(max_length=40, pattern=r"^[a-z][a-z0-9_]*$", description="The plug-in's name")]


@router.get("")
def list_custom(keel: KeelDep) -> dict[str, Any]:
    """Every plug-in projection Keel serves: its version, what it folds, its columns, and where it
    stands (position, lag, and the event it is stopped at, if it is)."""
    statuses = {s.name: s for s in keel.engine.status()}
    items = []
    for name, projection in keel.plugins.items():
        plugin, status = projection.plugin, statuses.get(name)
        failure = status.failure if status else None
        items.append(
            {
                "name": name,
                "version": plugin.version,
                "description": plugin.description,
                "events": list(plugin.events),
                "columns": [{"name": c.name, "kind": c.kind, "description": c.description} for c in plugin.columns],
                "position": status.position if status else 0,
                "lag": status.lag if status else None,
                "healthy": failure is None,
                "failure": None
                if failure is None
                else {"position": failure.position, "event": failure.event, "error": failure.error},
            }
        )
    return {"items": items}


@router.get("/{name}")
async def read_custom(
    request: Request,
    keel: KeelDep,
    name: Name,
    as_of: Annotated[
        date | None, Query(ge=FIRST_DAY, le=LAST_DAY, description="Business date; today when omitted")
    ] = None,
    known_at: KnownAt = None,
    min_position: MinPosition = None,
) -> dict[str, Any]:
    """A plug-in projection's answer as of ``as_of`` as known at ``known_at``: its rows under its
    columns (money and decimals as strings, dates in ISO 8601), and the position it stands at."""
    projection = _plugin(keel, name)
    knowledge = getattr(request.state, "knowledge", None)  # known_at: what was known then, folded by it
    wanted = max(min_position or 0, knowledge.position if knowledge else 0)
    if wanted:
        await keel.engine.wait(wanted, (name,), timeout=keel.settings.read_wait_seconds)
    at = knowledge.position if knowledge else None
    return await run_in_threadpool(answer, keel, projection, as_of_or_today(keel, as_of), utc(known_at), at)


def answer(
    keel: Keel, projection: PluginProjection, as_of: date, known_at: datetime | None, at: int | None = None
) -> dict[str, Any]:
    """The answer; ``position`` is the log position it stands for: what ``known_at`` knew (``at``),
    or the plug-in's own."""
    plugin = projection.plugin
    status = next((s for s in keel.engine.status() if s.name == plugin.name), None)
    if status is not None and status.failure is not None and status.failure.position == 0:
        raise HTTPException(503, f"plug-in {plugin.name} could not set up its tables: {status.failure.error}")
    try:
        with keel.reads.read() as cur:
            rows = projection.answer(cur, as_of, known_at)
    except Exception as exc:  # the plug-in's query: its failure, named, and Keel's own answers unaffected
        raise HTTPException(503, f"plug-in {plugin.name} could not answer: {type(exc).__name__}: {exc}") from exc
    names = [c.name for c in plugin.columns]
    return {
        "name": plugin.name,
        "version": plugin.version,
        "as_of": as_of.isoformat(),
        "known_at": known_at.isoformat().replace("+00:00", "Z") if known_at else None,
        "position": at if at is not None else status.position if status else 0,
        "healthy": status is None or status.failure is None,
        "columns": [{"name": c.name, "kind": c.kind, "description": c.description} for c in plugin.columns],
        "rows": [dict(zip(names, (plain(v) for v in row), strict=True)) for row in rows],
    }


def _plugin(keel: Keel, name: str) -> PluginProjection:
    found = keel.plugins.get(name)
    if found is None:
        served = ", ".join(keel.plugins) or "none"
        raise NotFound(f"no plug-in projection {name!r}; served: {served}")
    return found
