"""Invoice and credit-note documents: the PDF and the UBL e-invoice (ADR 0040).

``render`` is the one query path: HTTP (``GET /v1/invoices/{id}/pdf|ubl``, the same for credit
notes) and the CLI (``keel invoices pdf|ubl``) both call it and give the same bytes. A document is
a pure function of the read model up to its issue (``projections.finance.document_sources``);
it is checked against the EN 16931 rules before anything is laid out, and refused naming what is
missing. The first render seals it: the digests of both files are recorded as an event, and every
later render says whether it still gives those bytes.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from uuid import UUID

from api.documents.pdf import RENDERER, pdf
from api.documents.ubl import ubl
from api.system import Keel
from commands.messages import SealDocument
from ledger.einvoice import Document, check
from ledger.errors import AlreadyExists, VersionConflict
from ledger.events import Meta
from projections.finance.document_sources import document_source


@dataclass(frozen=True)
class Rendered:
    document: Document
    pdf: bytes
    ubl: bytes
    recorded_pdf: str  # the digests recorded when the document was first made
    recorded_ubl: str

    @property
    def pdf_sha256(self) -> str:
        return hashlib.sha256(self.pdf).hexdigest()

    @property
    def ubl_sha256(self) -> str:
        return hashlib.sha256(self.ubl).hexdigest()

    @property
    def verified(self) -> bool:
        """Both files are the very bytes made (and sealed) the first time."""
        return (self.pdf_sha256, self.ubl_sha256) == (self.recorded_pdf, self.recorded_ubl)


def render(keel: Keel, document_id: str, kind: str, meta: Meta) -> Rendered:
    """The document's PDF and UBL, sealed on first render (NotFound, or InvalidTransition for a
    draft; DocumentIncomplete naming every EN 16931 term that is missing or does not add up)."""
    doc, seal = document_source(keel.views, document_id, kind, keel.functional_currency)
    check(doc)
    xml = ubl(doc)
    rendered = Rendered(doc, pdf(doc, xml), xml, "", "")
    if seal is not None:
        return Rendered(doc, rendered.pdf, xml, seal.pdf_sha256, seal.ubl_sha256)
    command = SealDocument(
        meta=meta,
        document_id=UUID(document_id),
        kind=kind,
        number=doc.number,
        pdf_sha256=rendered.pdf_sha256,
        ubl_sha256=rendered.ubl_sha256,
        renderer=RENDERER,
    )
    try:
        keel.app.handle(command)
    except (AlreadyExists, VersionConflict):  # sealed meanwhile by another request: compare with that
        _, seal = document_source(keel.views, document_id, kind, keel.functional_currency)
        if seal is not None:
            return Rendered(doc, rendered.pdf, xml, seal.pdf_sha256, seal.ubl_sha256)
    return Rendered(doc, rendered.pdf, xml, rendered.pdf_sha256, rendered.ubl_sha256)
