"""E-mail sequences for leads and contacts (ADR 0068): templated steps on days after enrolling, sent
through the outbox by the worker, each once; a reply, an unsubscribe or the deal's new stage stops
them. Replies come through ``POST /v1/inbound-messages`` or the mailbox poller (``KEEL_IMAP_URL``);
the suppression list is honoured at enrolling and before every step; results as of any date."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Path, Request, Response, status

from api import schemas
from api.answers import JSON_OR_CSV, respond
from api.deps import AS_CSV, AsOf, KeelDep, KnownAt, MetaDep, reads
from api.schemas import sequences as sq
from api.sequence_answers import sequence_bytes
from commands import messages as m
from projections.automation import sequence_queries as q
from projections.queries import Params

router = APIRouter(prefix="/v1", tags=["sequences"])
Accepted = schemas.CommandAccepted
Id = Annotated[UUID, Path()]
JSON = "application/json"


@router.post("/sequences", status_code=status.HTTP_201_CREATED, response_model=Accepted)
def define(body: sq.SequenceBody, keel: KeelDep, meta: MetaDep, response: Response) -> m.CommandResult:
    """A sequence of steps (day, subject, body); a field a step names that Keel does not know is a
    422 naming the step (``steps.1.body``)."""
    result = keel.app.handle(body.to_command(meta))
    response.headers["Location"] = f"/v1/sequences/{result.id}"
    return result


@router.put("/sequences/{sequence_id}/steps", response_model=Accepted)
def change_steps(sequence_id: Id, body: sq.StepsBody, keel: KeelDep, meta: MetaDep) -> m.CommandResult:
    """The steps from now on: each enrollment sends its next step by them."""
    steps = tuple(s.to_input() for s in body.steps)
    return keel.app.handle(m.ChangeSequenceSteps(meta=meta, on=body.on, sequence_id=sequence_id, steps=steps))


@router.post("/sequences/{sequence_id}/retire", response_model=Accepted)
def retire(sequence_id: Id, body: sq.RetireBody, keel: KeelDep, meta: MetaDep) -> m.CommandResult:
    """No one is enrolled any more; those enrolled stop before their next step."""
    return keel.app.handle(m.RetireSequence(meta=meta, on=body.on, sequence_id=sequence_id, reason=body.reason))


@router.post("/sequences/{sequence_id}/enrollments", status_code=status.HTTP_201_CREATED, response_model=Accepted)
def enroll(sequence_id: Id, body: sq.EnrollBody, keel: KeelDep, meta: MetaDep) -> m.CommandResult:
    """A lead or a customer's contact, from ``on`` (today); a person without an e-mail address or
    one on the suppression list is refused (422, 409), and an address is enrolled in a sequence once."""
    return keel.app.handle(body.to_command(meta, sequence_id))


@router.post("/enrollments/{enrollment_id}/stop", response_model=Accepted)
def stop(enrollment_id: Id, body: sq.StopBody, keel: KeelDep, meta: MetaDep) -> m.CommandResult:
    return keel.app.handle(m.StopEnrollment(meta=meta, on=body.on, enrollment_id=enrollment_id, detail=body.detail))


@router.post("/inbound-messages", status_code=status.HTTP_201_CREATED, response_model=Accepted)
def inbound(body: sq.InboundBody, keel: KeelDep, meta: MetaDep) -> m.CommandResult:
    """A message received: recorded once per ``message_id``; its sender's sequences stop before
    their next step (a reply on or after the day they were enrolled)."""
    return keel.app.handle(body.to_command(meta))


@router.post("/suppressions", response_model=Accepted)
def suppress(body: sq.SuppressBody, keel: KeelDep, meta: MetaDep) -> m.CommandResult:
    """The address on the suppression list (as its unsubscribe link does); so already: position 0."""
    command = m.Unsubscribe(meta=meta, on=body.on, email=body.email, source="api", reason=body.reason)
    return keel.app.handle(command)


@router.post("/suppressions/remove", response_model=Accepted)
def unsuppress(body: sq.SuppressBody, keel: KeelDep, meta: MetaDep) -> m.CommandResult:
    """Off the list again (the person asked to hear from you): say why in ``reason``."""
    return keel.app.handle(m.Resubscribe(meta=meta, on=body.on, email=body.email, reason=body.reason or "asked"))


@router.get("/suppressions", response_model=schemas.list_of(sq.Suppressed), dependencies=[reads("sequences")])
def suppressions(keel: KeelDep) -> list[q.Suppressed]:
    """Every address that unsubscribed, by address: since when, how (link, api, cli) and why."""
    return q.suppression_list(keel.views)


@router.get("/sequences", response_model=schemas.list_of(sq.SequenceRow), dependencies=[reads("sequences")])
def list_sequences(keel: KeelDep) -> list[q.SequenceRow]:
    return q.sequences(keel.views)


@router.get("/sequences/{sequence_id}", response_model=sq.SequenceOut, dependencies=[reads("sequences")])
def show(sequence_id: Id, keel: KeelDep) -> Response:
    """The sequence's steps and its latest enrollments (200), each with its steps sent and state."""
    return Response(sequence_bytes(keel, sequence_id), media_type=JSON)


@router.get(
    "/reports/sequence-results",
    response_model=sq.SequenceResults,
    responses=JSON_OR_CSV,
    dependencies=[reads("sequences"), AS_CSV],
)
async def results(request: Request, keel: KeelDep, as_of: AsOf = None, known_at: KnownAt = None) -> Response:
    """Per sequence, as of ``as_of`` (today) as known at ``known_at``: enrolled; steps sent and
    delivered; enrollments that replied, unsubscribed, stopped on their deal's new stage, converted
    (their lead converted or their deal won after enrolling). Opens are not tracked (plain text)."""
    return await respond(request, keel, "sequence-results", Params(as_of=as_of))
