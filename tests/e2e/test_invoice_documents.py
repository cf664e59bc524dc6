"""Invoice and credit-note documents on the demo, on both backends: the UBL validates against the
OASIS UBL 2.1 schemas, the PDF is the same bytes every time (and in another process), its digest
is sealed on first render and a later render proves it; a bad logo is a 4xx naming the field."""

from __future__ import annotations

import base64
import hashlib
import io
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from uuid import UUID

import pytest
from fastapi.testclient import TestClient
from lxml import etree
from PIL import Image

from api.demo import demo_id, load_demo
from api.documents.ubl import CAC, CBC
from api.http import create_app
from api.settings import Settings
from api.system import Keel
from commands.messages import DraftInvoice, LineInput, RenameCustomer, SetCompanyProfile
from ledger.einvoice import problems
from ledger.events import Meta
from ledger.sealed_documents import SealedDocument, seal_id
from projections.finance.document_sources import document_source, find_document

XSD = Path(__file__).parents[1] / "fixtures" / "ubl-2.1" / "maindoc"
NUMBERS = [f"INV-2026-000{n}" for n in range(1, 10)] + ["CN-2026-0001"]
META = Meta("test")


@pytest.fixture
def demo(keel: Keel) -> Keel:
    load_demo(keel.app)
    keel.engine.catch_up()
    return keel


@pytest.fixture
def client(demo: Keel) -> Iterator[TestClient]:
    with TestClient(create_app(keel=demo), raise_server_exceptions=False) as c:
        yield c


def schema(kind: str) -> etree.XMLSchema:
    name = "CreditNote" if kind == "credit-note" else "Invoice"
    return etree.XMLSchema(etree.parse(str(XSD / f"UBL-{name}-2.1.xsd")))


def url(keel: Keel, number: str, which: str) -> str:
    found = find_document(keel.views, number)
    assert found is not None, number
    area = "credit-notes" if found[1] == "credit-note" else "invoices"
    return f"/v1/{area}/{found[0]}/{which}"


def test_every_demo_invoice_and_the_credit_note_validate_against_the_ubl_schema(demo: Keel, client: TestClient) -> None:
    for number in NUMBERS:
        found = find_document(demo.views, number)
        assert found is not None
        doc, _ = document_source(demo.views, found[0], found[1], demo.functional_currency)
        assert problems(doc) == [], number
        answer = client.get(url(demo, number, "ubl"))
        assert answer.status_code == 200 and answer.headers["content-type"].startswith("application/xml")
        xsd = schema(found[1])
        assert xsd.validate(etree.fromstring(answer.content)), (number, xsd.error_log.last_error)


def test_a_foreign_currency_invoice_carries_its_vat_in_the_books_currency(demo: Keel, client: TestClient) -> None:
    xml = etree.fromstring(client.get(url(demo, "INV-2026-0003", "ubl")).content)  # Blue Harbor, USD
    assert xml.findtext(f"{{{CBC}}}DocumentCurrencyCode") == "USD"
    assert xml.findtext(f"{{{CBC}}}TaxCurrencyCode") == "EUR"
    totals = [t.find(f"{{{CBC}}}TaxAmount") for t in xml.findall(f"{{{CAC}}}TaxTotal")]
    assert [(t.get("currencyID"), t.text) for t in totals] == [("USD", "0.00"), ("EUR", "0.00")]
    payable = xml.find(f"{{{CAC}}}LegalMonetaryTotal/{{{CBC}}}PayableAmount")
    assert (payable.get("currencyID"), payable.text) == ("USD", "4800.00")
    found = find_document(demo.views, "INV-2026-0003")
    assert found is not None
    doc, _ = document_source(demo.views, found[0], found[1], "EUR")
    assert doc.functional is not None and str(doc.functional.total) == "4416.00"  # as posted, at 0.92


def test_the_pdf_is_the_same_bytes_twice_and_its_first_render_is_sealed(demo: Keel, client: TestClient) -> None:
    first = client.get(url(demo, "INV-2026-0001", "pdf"))
    assert first.status_code == 200 and first.headers["content-type"] == "application/pdf"
    assert first.content.startswith(b"%PDF-") and b"<pdfaid:part>3</pdfaid:part>" in first.content
    digest = hashlib.sha256(first.content).hexdigest()
    demo.engine.catch_up()
    found = find_document(demo.views, "INV-2026-0001")
    assert found is not None
    sealed = demo.app.get(SealedDocument, seal_id(UUID(found[0])))
    assert sealed.pdf_sha256 == digest
    again = client.get(url(demo, "INV-2026-0001", "pdf"))
    assert again.content == first.content
    assert again.headers["Keel-Sealed-Digest"] == digest and again.headers["Keel-Document-Verified"] == "true"
    assert again.headers["ETag"] == f'"{digest}"'


def test_a_later_render_is_the_document_as_issued_whatever_changed_since(demo: Keel, client: TestClient) -> None:
    before = client.get(url(demo, "INV-2026-0002", "pdf")).content
    northwind = demo_id("customer:northwind")
    demo.app.handle(RenameCustomer(meta=META, customer_id=northwind, name="Northwind Holdings"))
    profile = SetCompanyProfile(
        meta=META, legal_name="Lumen Renamed S.A.", street="New 1", city="Patras", country="GR",
        vat_id="EL801234567", email="b@lumen.example", iban="GR1601101250000000012300695", bic="ETHNGRAA",
    )  # fmt: skip
    demo.app.handle(profile)
    demo.engine.rebuild("issued_documents")
    later = client.get(url(demo, "INV-2026-0002", "pdf"))
    assert later.content == before and later.headers["Keel-Document-Verified"] == "true"


def test_the_pdf_renders_to_the_same_bytes_in_another_process(
    demo: Keel, client: TestClient, keel_settings: Settings
) -> None:
    here = client.get(url(demo, "INV-2026-0004", "pdf")).content
    env = {**os.environ, "KEEL_DATA_DIR": str(keel_settings.data_dir)}
    env.pop("KEEL_DATABASE_URL", None)
    if keel_settings.database_url:
        env["KEEL_DATABASE_URL"] = keel_settings.database_url
    keel_cli = [sys.executable, "-c", "from api.cli import main; main()"]
    done = subprocess.run(
        [*keel_cli, "invoices", "pdf", "INV-2026-0004", "--verify"], capture_output=True, env=env, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == here and b"verified" in done.stderr


def test_a_draft_has_no_document(demo: Keel, client: TestClient) -> None:
    northwind = client.get("/v1/customers", params={"name": "northwind"}).json()["items"][0]["id"]
    line = LineInput(description="x", quantity="1", unit_price="10")
    draft = DraftInvoice(meta=META, customer_id=UUID(northwind), lines=(line,))
    invoice = demo.app.handle(draft).id
    demo.engine.catch_up()
    answer = client.get(f"/v1/invoices/{invoice}/pdf")
    assert answer.status_code == 409 and "draft" in answer.json()["detail"]
    assert client.get(f"/v1/invoices/{northwind}/ubl").status_code == 404


def test_a_document_missing_business_terms_is_refused_naming_them(keel: Keel) -> None:
    with TestClient(create_app(keel=keel), raise_server_exceptions=False) as client:
        refused_for_missing_terms(keel, client)


def refused_for_missing_terms(keel: Keel, client: TestClient) -> None:
    customer = client.post("/v1/customers", json={"name": "Bare Ltd"}).json()["id"]
    lines = [{"description": "Work", "quantity": "1", "unit_price": "100.00"}]
    invoice = client.post("/v1/invoices", json={"customer_id": customer, "tax_percent": "24", "lines": lines}).json()
    issued = client.post(f"/v1/invoices/{invoice['id']}/issue")
    assert issued.status_code == 200, issued.text
    keel.engine.catch_up()
    answer = client.get(f"/v1/invoices/{invoice['id']}/ubl")
    assert answer.status_code == 409
    detail = answer.json()["detail"]
    for term in ("BT-27", "BT-50..55", "BT-84", "BR-S-02"):
        assert term in detail, detail


def png(size: tuple[int, int] = (40, 20)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 120, 30)).save(out, format="PNG")
    return out.getvalue()


PROFILE = {
    "legal_name": "Lumen & Co",
    "street": "Ermou 56",
    "city": "Athens",
    "country": "GR",
    "vat_id": "EL801234567",
    "email": "billing@lumen.example",
    "iban": "GR16 0110 1250 0000 0001 2300 695",
    "bic": "ETHNGRAA",
}


def test_a_logo_that_is_not_an_image_is_refused_naming_the_field(client: TestClient) -> None:
    text = base64.b64encode(b"<svg>not a png</svg>").decode()
    answer = client.put("/v1/books/profile", json={**PROFILE, "logo": text})
    assert answer.status_code == 422
    assert [e["location"] for e in answer.json()["errors"]] == ["body.logo"]
    truncated = base64.b64encode(png()[:60]).decode()  # the right magic bytes, not an image Pillow can read
    assert client.put("/v1/books/profile", json={**PROFILE, "logo": truncated}).status_code == 422


def test_a_logo_is_kept_by_its_digest_and_shown_on_later_documents(demo: Keel, client: TestClient) -> None:
    logo = png()
    done = client.put("/v1/books/profile", json={**PROFILE, "logo": base64.b64encode(logo).decode()})
    assert done.status_code == 200, done.text
    demo.engine.catch_up()
    profile = client.get("/v1/books/profile").json()
    assert profile["logo_sha256"] == hashlib.sha256(logo).hexdigest() and profile["iban"] == PROFILE["iban"].replace(
        " ", ""
    )
