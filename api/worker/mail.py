"""Sending the outbox's messages by SMTP (the standard library's ``smtplib``).

``KEEL_SMTP_URL`` says where: ``smtp://user:password@host:587?starttls=1`` (STARTTLS), ``smtps://host:465``
(TLS from the start) or plain ``smtp://host:25``. One connection serves a whole batch; a broken one is
opened again for the next message. The attachment is rendered at send time by the renderer of the
message's kind (``RENDERERS``): bytes are never stored in the log, and a renderer must give the same
bytes every time (a retry sends what the first attempt would have).
"""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Callable
from dataclasses import dataclass
from email import policy as email_policy
from email.message import EmailMessage
from email.utils import format_datetime
from types import TracebackType
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, unquote, urlsplit
from uuid import UUID

from ledger.einvoice import INVOICE, DocumentIncomplete
from ledger.email_sequences import UNSUBSCRIBE_URL
from ledger.enrollments import KIND as SEQUENCE
from ledger.enrollments import Enrollment
from ledger.errors import NotFound
from ledger.events import Meta
from ledger.invoice import Invoice
from ledger.outbox import Message

if TYPE_CHECKING:
    from api.system import Keel

TIMEOUT_SECONDS = 15


class SmtpUrlError(ValueError):
    """KEEL_SMTP_URL is not an SMTP URL Keel can use."""


@dataclass(frozen=True)
class SmtpConfig:
    host: str
    port: int
    username: str | None
    password: str | None
    tls: bool  # smtps: TLS from the first byte
    starttls: bool

    @classmethod
    def parse(cls, url: str) -> SmtpConfig:
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
            raise SmtpUrlError(
                "KEEL_SMTP_URL: expected smtp://user:password@host:587?starttls=1, smtp://host:25 or smtps://host:465"
            )
        try:
            port = parts.port or (465 if parts.scheme == "smtps" else 25)
        except ValueError:
            raise SmtpUrlError("KEEL_SMTP_URL: the port is not a number from 0 to 65535") from None
        query = parse_qs(parts.query)
        starttls = query.get("starttls", ["0"])[-1].lower() in ("1", "true", "yes")
        user = unquote(parts.username) if parts.username else None
        password = unquote(parts.password) if parts.password else None
        return cls(parts.hostname, port, user, password, parts.scheme == "smtps", starttls)


@dataclass(frozen=True)
class Attachment:
    filename: str
    maintype: str
    subtype: str
    content: bytes


Renderer = Callable[["Keel", Message], Attachment | None]


def invoice_document(keel: Keel, message: Message) -> Attachment | None:
    """The invoice's PDF: the very document ``GET /v1/invoices/{id}/pdf`` answers, sealed on its
    first render (ADR 0040). While it cannot be made (the company or the customer lacks what an
    EN 16931 document needs), a plain-text summary: the PDF comes once they are set."""
    from api.documents import render  # the documents pull in fpdf2 and lxml: only for a mail that needs them

    try:
        made = render(keel, message.reference, INVOICE, Meta("keel-worker"))
    except (DocumentIncomplete, NotFound):
        return invoice_text(keel, message)
    return Attachment(f"invoice-{made.document.number}.pdf", "application", "pdf", made.pdf)


def invoice_text(keel: Keel, message: Message) -> Attachment | None:
    """The invoice as plain text: number, dates, lines and totals."""
    invoice = keel.app.get(Invoice, _uuid(message.reference))
    lines = [f"Invoice {invoice.number}", f"Issued {invoice.issue_date}, due {invoice.due_date}", ""]
    for line in invoice.lines:
        lines.append(f"{line.description}  {line.quantity} x {line.unit_price}")
    total = invoice.total
    lines += ["", f"Net {invoice.net.amount} {total.currency}", f"Tax {invoice.tax.amount} {total.currency}"]
    lines.append(f"Total {total.amount} {total.currency}")
    return Attachment(f"invoice-{invoice.number}.txt", "text", "plain", ("\n".join(lines) + "\n").encode())


# A dunning reminder attaches the invoice it reminds of (its reference), as the invoice e-mail did.
RENDERERS: dict[str, Renderer] = {"invoice-mail": invoice_document, "dunning-mail": invoice_document}


def _uuid(text: str) -> UUID:
    return UUID(text)


# A header is folded, never encoded, up to SMTP's own line limit: a long List-Unsubscribe URL stays
# one plain URL (folded at 78 it would become encoded words, which mail clients do not follow).
UNFOLDED = email_policy.default.clone(max_line_length=998)


def unsubscribe_url(keel: Keel, enrollment: str) -> str | None:
    """``KEEL_PUBLIC_URL/unsubscribe/{enrollment}/{secret}``, the secret read from the enrollment's
    first event (never copied into the message); None without a public URL or an enrollment."""
    base = keel.settings.public_url
    try:
        started = next(iter(keel.app.events.get(UUID(enrollment), limit=1)), None)
    except ValueError:
        return None
    if not base or not isinstance(started, Enrollment.Started):
        return None
    return f"{base.rstrip('/')}/unsubscribe/{started.originator_id}/{started.unsubscribe_secret}"


def build(keel: Keel, message: Message, sender: str) -> EmailMessage:
    email = EmailMessage(policy=UNFOLDED if message.kind == SEQUENCE else email_policy.default)
    email["From"] = sender
    email["To"] = message.to
    email["Subject"] = message.subject
    # Stable across attempts: a receiver that saw it already can drop the duplicate a crash between
    # sending and recording would cause (SMTP itself is at-least-once).
    email["Message-ID"] = message.message_id_header
    email["Date"] = format_datetime(message.created_on)
    email["X-Keel-Cause"] = f"{message.kind} {message.cause}"
    body = message.body
    if message.kind == SEQUENCE:  # a sequence's step: its unsubscribe link, and one-click (RFC 8058)
        url = unsubscribe_url(keel, message.reference)
        body = body.replace(UNSUBSCRIBE_URL, url or "(reply to this message, and we will stop)")
        email.replace_header("Subject", message.subject.replace(UNSUBSCRIBE_URL, url or ""))
        if url:
            email["List-Unsubscribe"] = f"<{url}>"
            email["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    email.set_content(body)
    renderer = RENDERERS.get(message.kind)
    attachment = renderer(keel, message) if renderer else None
    if attachment is not None:
        email.add_attachment(
            attachment.content, maintype=attachment.maintype, subtype=attachment.subtype, filename=attachment.filename
        )
    return email


class Mailer:
    """Sends messages over one SMTP connection, opened on first use and again after an error."""

    def __init__(self, config: SmtpConfig, sender: str) -> None:
        self.config, self.sender = config, sender
        self._smtp: smtplib.SMTP | None = None
        self.down: str | None = None  # why the server could not be reached in this run: try no more

    def _connect(self) -> smtplib.SMTP:
        c = self.config
        smtp: smtplib.SMTP
        if c.tls:
            smtp = smtplib.SMTP_SSL(c.host, c.port, timeout=TIMEOUT_SECONDS, context=ssl.create_default_context())
        else:
            smtp = smtplib.SMTP(c.host, c.port, timeout=TIMEOUT_SECONDS)
            if c.starttls:
                smtp.starttls(context=ssl.create_default_context())
        if c.username:
            smtp.login(c.username, c.password or "")
        return smtp

    def send(self, email: EmailMessage) -> None:
        """Deliver or raise (``smtplib.SMTPException``, ``OSError``): the caller records which."""
        if self._smtp is None:
            try:
                self._smtp = self._connect()
            except (smtplib.SMTPException, OSError) as exc:
                self.down = f"{type(exc).__name__}: {exc}"
                raise
        try:
            self._smtp.send_message(email)
        except BaseException:
            self.close()  # the next message opens a fresh connection
            raise

    def close(self) -> None:
        if self._smtp is not None:
            try:
                self._smtp.quit()
            except (smtplib.SMTPException, OSError):
                self._smtp.close()
            self._smtp = None

    def __enter__(self) -> Mailer:
        return self

    def __exit__(self, *exc: type[BaseException] | BaseException | TracebackType | None) -> None:
        self.close()
