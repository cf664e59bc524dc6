"""E-mail sequences' documents, one for every surface (ADR 0068): what ``GET /v1/sequences/{id}``
sends is what ``keel sequences show --format json`` prints."""

from __future__ import annotations

from typing import TYPE_CHECKING
from uuid import UUID

from api.answers import json_bytes
from ledger.email_sequences import EmailSequence
from ledger.errors import NotFound
from projections.automation import sequence_queries as q

if TYPE_CHECKING:
    from api.system import Keel


def sequence_bytes(keel: Keel, sequence_id: UUID) -> bytes:
    """The sequence's document, the one HTTP sends and ``keel sequences show --format json`` prints."""
    try:
        sequence = keel.app.get(EmailSequence, sequence_id)
    except NotFound:
        sequence = None
    if not isinstance(sequence, EmailSequence):  # none, or another record's id
        raise NotFound(f"sequence {sequence_id} not found")
    document = {
        "id": str(sequence.id),
        "name": sequence.name,
        "retired": sequence.retired,
        "steps": [{"day": s.day, "subject": s.subject, "body": s.body} for s in sequence.steps],
        "enrollments": [
            vars(e) | {"started_on": e.started_on.isoformat()} for e in q.enrollments(keel.views, str(sequence_id))
        ],
    }
    return json_bytes(document)
