from __future__ import annotations

from fastapi import APIRouter

from api import schemas
from api.deps import KeelDep

router = APIRouter(prefix="/v1", tags=["operations"])


@router.get("/health")
def health(keel: KeelDep) -> dict[str, object]:
    return {"status": "ok", "backend": keel.settings.backend, "head": keel.app.head_position()}


@router.get("/projections", response_model=list[schemas.ProjectionStatus])
def projection_status(keel: KeelDep) -> list[schemas.ProjectionStatus]:
    """Each read model's position in the log, how far it lags behind the head, and, if it is
    stopped at an event it cannot fold, which event and why."""
    return [
        schemas.ProjectionStatus(
            name=s.name,
            position=s.position,
            head=s.head,
            lag=s.lag,
            updated_at=s.updated_at,
            events_per_second=s.events_per_second,
            healthy=s.healthy,
            failed_position=s.failure.position if s.failure else None,
            failed_event=s.failure.event if s.failure else None,
            error=s.failure.error if s.failure else None,
            failed_at=s.failure.at if s.failure else None,
        )
        for s in keel.engine.status()
    ]
