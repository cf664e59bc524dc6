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
    """Each read model's position in the log and how far it lags behind the head."""
    return [
        schemas.ProjectionStatus(
            name=s.name,
            position=s.position,
            head=s.head,
            lag=s.lag,
            updated_at=s.updated_at,
            events_per_second=s.events_per_second,
        )
        for s in keel.engine.status()
    ]
