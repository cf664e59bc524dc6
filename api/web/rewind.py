"""Every page rewinds (ADR 0048): the time controls above it and the provenance below it.

The controls are a GET form: business dates (``as_of``, or ``from`` and ``to``) and ``known_at``
— a moment or a log position, typed or chosen on a slider over the log's history — so the URL
holds all of it and a link reproduces what was seen. The footer names the log position the page
reflects and the provenance digest of the query answer it rendered: the digest the API's route
gives for the same parameters (``api.answers.document``), with a link to that answer.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from api.answers import Knowledge, document, knowledge_of
from api.web.visits import Refused
from ledger.errors import DomainError

if TYPE_CHECKING:
    from api.system import Keel
    from projections.queries import Answer

LABELS = {"as_of": "As of", "from": "From", "to": "To"}


@dataclass(frozen=True)
class Controls:
    """What the time form shows: the page's dates, what ``known_at`` says, and the slider's range."""

    dates: tuple[tuple[str, str, str], ...]  # (URL name, label, ISO value or "")
    known_at: str
    head: int  # the log's last position: the slider's right end, "now"
    position: int  # where the slider stands: the position known then (the head when now)
    moment: str  # the moment known_at resolves to ("" when now)

    def query(self, **more: str) -> str:
        """The URL query of these controls (plus ``more``): for links that keep the time."""
        given = {name: value for name, _, value in self.dates if value}
        if self.known_at:
            given["known_at"] = self.known_at
        return urlencode({**given, **more})


def controls(keel: Keel, dates: Mapping[str, date | None], known_at: str | None) -> tuple[Knowledge | None, Controls]:
    """The knowledge ``known_at`` names (None: now) and the controls to show it; a ``known_at``
    that is neither a moment nor a position in the log is refused (422) with the reason."""
    try:
        knowledge = knowledge_of(keel, known_at or None)
    except DomainError as exc:
        raise Refused(422, str(exc)) from None
    head = keel.app.head_position()
    shown = tuple((name, LABELS.get(name, name), value.isoformat() if value else "") for name, value in dates.items())
    return knowledge, Controls(
        dates=shown,
        known_at=known_at or "",
        head=head,
        position=knowledge.position if knowledge is not None else head,
        moment=knowledge.moment.isoformat(timespec="seconds") if knowledge is not None else "",
    )


def provenance(found: Answer, api_path: str, time: Controls, **params: str) -> dict[str, Any]:
    """The footer: the log position and digest of ``found`` (the API's answer at ``api_path`` with
    the same parameters), and the link to that answer."""
    proof = document(found)["provenance"]
    query = time.query(**params)
    return {"position": proof["position"], "digest": proof["digest"], "api": api_path + (f"?{query}" if query else "")}
