"""A sealed document: the digests of an invoice's or credit note's PDF and UBL as first made.

Recorded once per document, the first time it is rendered, so a re-render months later can be
compared with what was sent. A separate aggregate (its id derived from the document's), so the
invoice's own version, which clients send back as ``If-Match``, does not move.
"""

from __future__ import annotations

import re
from datetime import date
from typing import TYPE_CHECKING
from uuid import NAMESPACE_URL, UUID, uuid5

from ledger.errors import InvalidValue
from ledger.events import KeelAggregate, Meta

_SHA256 = re.compile(r"^[0-9a-f]{64}$")


def seal_id(document_id: UUID) -> UUID:
    return uuid5(NAMESPACE_URL, f"keel:sealed-document:{document_id}")


class SealedDocument(KeelAggregate):
    TOPIC = "keel.SealedDocument"

    if TYPE_CHECKING:
        pdf_sha256: str
        ubl_sha256: str

    class Event(KeelAggregate.Event):
        pass

    class Created(Event, KeelAggregate.Created):
        TOPIC = "keel.sealed.Created.v1"

    class Sealed(Created):
        TOPIC = "keel.sealed.Sealed.v1"
        document_id: UUID
        kind: str
        number: str
        pdf_sha256: str
        ubl_sha256: str
        renderer: str

        def apply(self, sealed: SealedDocument) -> None:
            sealed.pdf_sha256 = self.pdf_sha256
            sealed.ubl_sha256 = self.ubl_sha256

    @classmethod
    def seal(
        cls, document_id: UUID, kind: str, number: str, pdf: str, ubl: str, renderer: str, on: date, meta: Meta
    ) -> SealedDocument:
        if not (_SHA256.match(pdf) and _SHA256.match(ubl)):
            raise InvalidValue("pdf_sha256: a document's digests are 64 lowercase hex digits")
        return cls._create(
            cls.Sealed,
            id=seal_id(document_id),
            document_id=document_id,
            kind=kind,
            number=number,
            pdf_sha256=pdf,
            ubl_sha256=ubl,
            renderer=renderer,
            **meta.stamp(on),
        )
