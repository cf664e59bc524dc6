"""A document as a PDF/A-3B with its UBL embedded, laid out with fpdf2 (ADR 0040).

The same document gives the same bytes on every machine: the fonts are the bundled DejaVu Sans
(subset by fontTools, the subset tags numbered in order, not drawn at random), the document's
dates (Info and XMP) are its issue date, and the file identifier is a digest of the content.
"""

from __future__ import annotations

import io
from datetime import UTC, date, datetime
from decimal import Decimal
from html import escape
from pathlib import Path

import fpdf
from fpdf import FPDF
from fpdf.enums import Align

from ledger.einvoice import CREDIT_NOTE, Document, Party
from ledger.money import minor_units

FONTS = Path(__file__).parent / "fonts"
RENDERER = f"keel-documents/1 fpdf2/{fpdf.FPDF_VERSION} DejaVuSans/2.37"
GREY = (110, 110, 110)


def money(amount: Decimal, currency: str) -> str:
    return f"{amount:,.{minor_units(currency)}f} {currency}"


def _number(value: Decimal) -> str:
    text = f"{value.normalize():f}"
    return text if "." not in text else text.rstrip("0").rstrip(".")


def _moment(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def _xmp(doc: Document, title: str) -> str:
    """PDF/A identification and the document's fixed dates (fpdf2 would stamp today's date)."""
    when = _moment(doc.issue_date).isoformat(timespec="seconds")
    return (
        '<x:xmpmeta xmlns:x="adobe:ns:meta/">\n'
        '  <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">\n'
        '    <rdf:Description rdf:about="" xmlns:xmp="http://ns.adobe.com/xap/1.0/"'
        ' xmlns:pdf="http://ns.adobe.com/pdf/1.3/" xmlns:dc="http://purl.org/dc/elements/1.1/"'
        ' xmlns:pdfaid="http://www.aiim.org/pdfa/ns/id/"\n'
        f'      xmp:CreateDate="{when}" xmp:ModifyDate="{when}" xmp:MetadataDate="{when}"'
        f' xmp:CreatorTool="Keel" pdf:Producer="{escape(RENDERER)}">\n'
        "      <pdfaid:part>3</pdfaid:part>\n"
        "      <pdfaid:conformance>B</pdfaid:conformance>\n"
        f'      <dc:title><rdf:Alt><rdf:li xml:lang="x-default">{escape(title)}</rdf:li></rdf:Alt></dc:title>\n'
        "    </rdf:Description>\n"
        "  </rdf:RDF>\n"
        "</x:xmpmeta>"
    )


def pdf(doc: Document, ubl: bytes) -> bytes:
    """The document's PDF, the UBL embedded as its machine-readable alternative."""
    kind = "Credit note" if doc.kind == CREDIT_NOTE else "Invoice"
    title = f"{kind} {doc.number}"
    out = FPDF(enforce_compliance="PDFA_3B")
    out.set_creation_date(_moment(doc.issue_date))
    out.set_title(title)
    out.set_author(doc.seller.name)
    out.set_creator("Keel")
    out.set_producer(RENDERER)
    out.set_lang("en")
    out.set_xmp_metadata(_xmp(doc, title))
    out.add_font("DejaVu", "", FONTS / "DejaVuSans.ttf")
    out.add_font("DejaVu", "B", FONTS / "DejaVuSans-Bold.ttf")
    out.set_margins(18, 16, 18)
    out.set_auto_page_break(True, 18)
    out.add_page()
    _header(out, doc, kind)
    _lines(out, doc)
    _totals(out, doc)
    _payment(out, doc)
    out.embed_file(
        basename=f"{doc.number}.xml",
        bytes=ubl,
        desc=f"UBL 2.1 (Peppol BIS Billing 3.0) of {title}",
        mime_type="application/xml",
        associated_file_relationship="Alternative",
        creation_date=_moment(doc.issue_date),
        modification_date=_moment(doc.issue_date),
    )
    return bytes(out.output())


def _party_lines(who: Party) -> list[str]:
    lines = [who.name]
    if who.address is not None:
        a = who.address
        lines += [a.street, " ".join(p for p in (a.postal_code, a.city) if p), a.country]
    if who.vat_id:
        lines.append(f"VAT {who.vat_id}")
    if who.registration_id:
        lines.append(f"Reg. {who.registration_id}")
    if who.email:
        lines.append(who.email)
    return lines


def _header(out: FPDF, doc: Document, kind: str) -> None:
    top = out.get_y()
    if doc.logo:
        out.image(io.BytesIO(doc.logo), x=18, y=top, h=16)
    out.set_font("DejaVu", "", 8)
    out.set_text_color(*GREY)
    for text in _party_lines(doc.seller):
        out.set_x(120)
        out.cell(72, 4, text, align=Align.R, new_x="LMARGIN", new_y="NEXT")
    out.set_text_color(0, 0, 0)
    out.set_y(max(out.get_y(), top + 18) + 6)
    out.set_font("DejaVu", "B", 16)
    out.cell(0, 9, f"{kind} {doc.number}", new_x="LMARGIN", new_y="NEXT")
    out.ln(2)
    details = [("Issue date", doc.issue_date.isoformat())]
    if doc.payment.due_date is not None:
        details.append(("Due date", doc.payment.due_date.isoformat()))
    if doc.invoice_number:
        credited = doc.invoice_number + (f" of {doc.invoice_date.isoformat()}" if doc.invoice_date else "")
        details.append(("Credits invoice", credited))
    details.append(("Payment reference", doc.payment.reference))
    y = out.get_y()
    out.set_font("DejaVu", "B", 9)
    out.cell(80, 5, "Bill to", new_x="LMARGIN", new_y="NEXT")
    out.set_font("DejaVu", "", 9)
    for text in _party_lines(doc.buyer):
        out.cell(80, 4.5, text, new_x="LMARGIN", new_y="NEXT")
    after_buyer = out.get_y()
    out.set_y(y)
    for label, value in details:
        out.set_x(110)
        out.set_font("DejaVu", "", 9)
        out.cell(40, 5, label)
        out.set_font("DejaVu", "B", 9)
        out.cell(42, 5, value, align=Align.R, new_x="LMARGIN", new_y="NEXT")
    out.set_y(max(after_buyer, out.get_y()) + 4)
    if doc.note:
        out.set_font("DejaVu", "", 9)
        out.multi_cell(0, 4.5, f"Reason: {doc.note}", new_x="LMARGIN", new_y="NEXT")
        out.ln(2)


def _lines(out: FPDF, doc: Document) -> None:
    out.set_font("DejaVu", "", 8.5)
    heads = ("Description", "Qty", "Unit price", "Disc.", "VAT", "Net")
    aligns = ("LEFT", "RIGHT", "RIGHT", "RIGHT", "RIGHT", "RIGHT")
    with out.table(
        col_widths=(78, 16, 26, 14, 14, 26),
        text_align=aligns,
        line_height=5,
        borders_layout="HORIZONTAL_LINES",
        headings_style=fpdf.FontFace(emphasis="BOLD"),
    ) as table:
        table.row(heads)
        for ln in doc.lines:
            price = money(ln.unit_price, doc.currency) + (" incl." if ln.tax_inclusive else "")
            discount = f"{_number(ln.discount_percent)}%" if ln.discount_percent else ""
            row = (ln.description, _number(ln.quantity), price, discount, f"{_number(ln.tax_rate)}%")
            table.row((*row, money(ln.net, doc.currency)))
    out.ln(3)


def _totals(out: FPDF, doc: Document) -> None:
    def pair(label: str, value: str, bold: bool = False) -> None:
        out.set_x(100)
        out.set_font("DejaVu", "B" if bold else "", 9)
        out.cell(52, 5, label)
        out.cell(40, 5, value, align=Align.R, new_x="LMARGIN", new_y="NEXT")

    for group in doc.groups:
        pair(f"VAT {_number(group.rate)}% on {money(group.base, doc.currency)}", money(group.tax, doc.currency))
    pair("Net", money(doc.net, doc.currency))
    pair("VAT", money(doc.tax, doc.currency))
    pair("Total", money(doc.total, doc.currency), bold=True)
    f = doc.functional
    if f is not None:
        out.ln(2)
        out.set_text_color(*GREY)
        pair(f"In {f.currency} at {_number(f.rate)}", "")
        pair("Net", money(f.net, f.currency))
        pair("VAT", money(f.tax, f.currency))
        pair("Total", money(f.total, f.currency))
        out.set_text_color(0, 0, 0)
    out.ln(4)


def _payment(out: FPDF, doc: Document) -> None:
    out.set_font("DejaVu", "B", 9)
    out.cell(0, 5, "Payment", new_x="LMARGIN", new_y="NEXT")
    out.set_font("DejaVu", "", 9)
    p = doc.payment
    for text in (
        p.terms,
        f"IBAN {p.iban}" + (f"   BIC {p.bic}" if p.bic else ""),
        f"Reference {p.reference}",
    ):
        out.cell(0, 4.5, text, new_x="LMARGIN", new_y="NEXT")
    out.ln(3)
    out.set_font("DejaVu", "", 7)
    out.set_text_color(*GREY)
    out.multi_cell(
        0, 3.5, f"The e-invoice (UBL 2.1, Peppol BIS Billing 3.0) is embedded in this PDF as {doc.number}.xml."
    )
