"""What the worker's tests share: a real SMTP server in-process (aiosmtpd), a store with an issued
invoice to a customer with a billing address, and a job kind of many causes for load tests."""

from __future__ import annotations

import email
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from email.message import Message as EmailMessage
from uuid import UUID

from aiosmtpd.controller import Controller

from api.system import Keel
from api.worker.jobs import Context, JobKind, Outcome
from commands import messages as m
from ledger.errors import AlreadyExists
from ledger.events import Meta

ACCOUNTANT = Meta("accountant")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Inbox:
    """What the SMTP server received, message by message."""

    def __init__(self, keep: bool = True) -> None:
        self.received: list[EmailMessage] = []
        self.count, self.keep = 0, keep  # keep=False: count only (a benchmark's memory stays the worker's)
        self.lock = threading.Lock()

    async def handle_DATA(self, server: object, session: object, envelope: object) -> str:
        with self.lock:
            self.count += 1
            if self.keep:
                self.received.append(email.message_from_bytes(envelope.content))  # type: ignore[attr-defined]
        return "250 OK"

    def ids(self) -> list[str]:
        with self.lock:
            return [str(msg["Message-ID"]) for msg in self.received]


@contextmanager
def smtp_server(port: int | None = None, keep: bool = True) -> Iterator[tuple[Inbox, int]]:
    inbox, port = Inbox(keep), port or free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


def issued_invoice(keel: Keel, billing_email: str = "accounts@acme.example", on: date = date(2026, 10, 5)) -> UUID:
    customer = keel.app.handle(
        m.RegisterCustomer(meta=ACCOUNTANT, on=date(2026, 9, 1), name="Acme Oy", payment_terms_days=14)
    ).id
    if billing_email:
        keel.app.handle(
            m.SetBillingEmail(meta=ACCOUNTANT, on=date(2026, 9, 1), customer_id=customer, email=billing_email)
        )
    line = m.LineInput(description="Design sprint", quantity="10", unit_price="95.00")
    invoice = keel.app.handle(
        m.DraftInvoice(meta=ACCOUNTANT, on=on, customer_id=customer, lines=(line,), tax_percent="24")
    ).id
    keel.app.handle(m.IssueInvoice(meta=ACCOUNTANT, on=on, invoice_id=invoice))
    return invoice


def mail_kind(count: int, name: str = "test-mail") -> JobKind:
    """``count`` causes, each queueing one message: a load of due jobs whose effects are events."""

    def due(ctx: Context) -> Iterator[str]:
        return (f"c{n:06d}" for n in range(count))

    def run(ctx: Context, cause: str) -> Outcome:
        try:
            ctx.keel.app.handle(
                m.QueueMessage(
                    meta=ctx.meta(name, cause),
                    kind=name,
                    cause=cause,
                    to=f"{cause}@example.com",
                    subject=f"Message {cause}",
                    body="Hello.\n",
                    at=ctx.now,
                )
            )
        except AlreadyExists:
            return Outcome("skipped", "queued before")
        return Outcome("done", cause)

    return JobKind(name, "test messages", "* * * * *", due, run)
