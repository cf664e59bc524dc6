"""The unsubscribe link every sequence step ends with (ADR 0068), for people who are not Keel's
users: the enrollment and its secret are the key. Opening the link asks (a mail scanner that
follows links unsubscribes no one); the button, or a mail client's one-click POST (RFC 8058,
``List-Unsubscribe-Post``), puts the address on the suppression list. Nothing else is shown: not
the address's sequences, not who sent them."""

from __future__ import annotations

import hmac
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Path, Request
from fastapi.responses import Response

from api.web.render import page
from api.web.visits import keel_of
from commands.messages import UnsubscribeByLink
from ledger.enrollments import Enrollment
from ledger.errors import DomainError
from ledger.events import Meta

router = APIRouter(include_in_schema=False)
Secret = Annotated[str, Path(pattern=r"^[0-9a-f]{32}$")]
GONE = "This link is not valid (any more). If you keep receiving messages, reply and ask us to stop."


def _email(request: Request, enrollment_id: UUID, secret: str) -> str | None:
    events = keel_of(request).app.events.get(enrollment_id, limit=1)
    started = next(iter(events), None)
    if isinstance(started, Enrollment.Started) and hmac.compare_digest(started.unsubscribe_secret, secret):
        return started.email
    return None


@router.get("/unsubscribe/{enrollment_id}/{secret}")
def ask(request: Request, enrollment_id: UUID, secret: Secret) -> Response:
    email = _email(request, enrollment_id, secret)
    if email is None:
        return page("unsubscribe.html", 404, email=None, done=False, message=GONE)
    return page("unsubscribe.html", email=email, done=False, message="", action=request.url.path)


@router.post("/unsubscribe/{enrollment_id}/{secret}")
def unsubscribe(request: Request, enrollment_id: UUID, secret: Secret) -> Response:
    try:
        keel_of(request).app.handle(
            UnsubscribeByLink(meta=Meta(actor="unsubscribe-link"), enrollment_id=enrollment_id, secret=secret)
        )
    except DomainError:
        return page("unsubscribe.html", 404, email=None, done=False, message=GONE)
    return page("unsubscribe.html", email=None, done=True, message="You will receive no more of these messages.")
