"""A message received (ADR 0068): recorded through the API or by the mailbox poller, once per
``Message-ID`` (its id derives from it), with the address it came from. Its sender's
``MailAddress`` records the reply in the same transaction, which stops that address's sequences."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING
from uuid import NAMESPACE_URL, UUID, uuid5

from ledger.crm import bounded_text
from ledger.enrollments import normal_address
from ledger.events import KeelAggregate, Meta


def inbound_id(from_address: str, message_id: str) -> UUID:
    """Once per (sender, Message-ID): a sender chooses its ids, so two senders' may collide."""
    return uuid5(NAMESPACE_URL, f"keel:inbound:{from_address.strip().lower()}:{message_id.strip()}")


class InboundMessage(KeelAggregate):
    TOPIC = "keel.InboundMessage"

    if TYPE_CHECKING:
        from_address: str

    class Event(KeelAggregate.Event):
        pass

    class Created(Event, KeelAggregate.Created):
        TOPIC = "keel.inbound.Created.v1"

    class Received(Created):
        TOPIC = "keel.inbound.Received.v1"
        from_address: str
        subject: str
        message_id: str  # the Message-ID header
        in_reply_to: str
        received_at: datetime
        source: str  # api, mailbox

        def apply(self, m: InboundMessage) -> None:
            m.from_address = self.from_address

    @classmethod
    def receive(
        cls, from_address: str, subject: str, message_id: str, in_reply_to: str, received_at: datetime, source: str,
        meta: Meta,
    ) -> InboundMessage:  # fmt: skip
        header = bounded_text(message_id, "message_id", 200)
        sender = normal_address(from_address, "from_address")
        return cls._create(
            cls.Received,
            id=inbound_id(sender, header),
            from_address=sender,
            subject=bounded_text(subject, "subject", 500, False),
            message_id=header,
            in_reply_to=bounded_text(in_reply_to, "in_reply_to", 200, False),
            received_at=received_at,
            source=source[:20],
            **meta.stamp(received_at.date()),
        )
