"""E-mail sequences (ADR 0068): templated steps sent to a lead or a contact on days after they are
enrolled, through the outbox, until they reply, unsubscribe or their deal changes stage.

A step's subject and body may name personalisation fields as ``{{ first_name }}``; a field Keel
does not know is refused when the sequence is defined (naming the step and the field), so a
message never goes out with a hole in it. Every message ends with the unsubscribe link.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING
from uuid import UUID

from ledger.crm import bounded_text
from ledger.errors import InvalidTransition, InvalidValue
from ledger.events import KeelAggregate, Meta
from ledger.policy import NOTE, TEXT, check_text

FIELDS = ("first_name", "name", "company", "owner", "unsubscribe_url")
UNSUBSCRIBE_URL = "{{ unsubscribe_url }}"  # left in a queued step: the outbox writes the link when it sends
MAX_STEPS = 10
MAX_DAY = 365
_FIELD = re.compile(r"\{\{\s*([^{}]*?)\s*\}\}")


@dataclass(frozen=True, slots=True)
class SequenceStep:
    """Sent ``day`` days after the enrollment (0: the day it starts)."""

    day: int
    subject: str
    body: str


def fields_in(text: str) -> list[str]:
    return _FIELD.findall(text)


def check_steps(steps: list[SequenceStep]) -> list[SequenceStep]:
    """The steps, or InvalidValue naming the step's field (``steps.2.body``)."""
    if not 1 <= len(steps) <= MAX_STEPS:
        raise InvalidValue(f"steps: from 1 to {MAX_STEPS} steps")
    checked, last = [], -1
    for n, step in enumerate(steps):
        where = f"steps.{n}"
        if isinstance(step.day, bool) or not isinstance(step.day, int) or not 0 <= step.day <= MAX_DAY:
            raise InvalidValue(f"{where}.day: a whole number of days from 0 to {MAX_DAY}, got {step.day!r}")
        if step.day <= last:
            raise InvalidValue(f"{where}.day: each step comes on a later day than the one before ({last})")
        last = step.day
        subject = check_text(bounded_text(step.subject, f"{where}.subject", 200), TEXT, f"{where}.subject")
        body = check_text(bounded_text(step.body, f"{where}.body", NOTE.max_length), NOTE, f"{where}.body")
        for part, text in (("subject", subject), ("body", body)):
            unknown = [f for f in fields_in(text) if f not in FIELDS]
            if unknown:
                raise InvalidValue(
                    f"{where}.{part}: unknown field {{{{ {unknown[0][:40]} }}}}; the fields are: {', '.join(FIELDS)}"
                )
            if "{{" in _FIELD.sub("", text) or "}}" in _FIELD.sub("", text):
                raise InvalidValue(f"{where}.{part}: a field is written {{{{ first_name }}}}: a brace pair is unclosed")
        checked.append(SequenceStep(step.day, subject, body))
    return checked


def render(text: str, values: dict[str, str]) -> str:
    """``text`` with each field replaced by its value (every field is known: ``check_steps``)."""
    return _FIELD.sub(lambda m: values.get(m.group(1), ""), text)


class EmailSequence(KeelAggregate):
    TOPIC = "keel.EmailSequence"

    if TYPE_CHECKING:
        name: str
        steps: list[SequenceStep]
        retired: bool

    class Event(KeelAggregate.Event):
        pass

    class Created(Event, KeelAggregate.Created):
        TOPIC = "keel.emailsequence.Created.v1"

    class Defined(Created):
        TOPIC = "keel.emailsequence.Defined.v1"
        name: str
        steps: list[SequenceStep]

        def apply(self, sequence: EmailSequence) -> None:
            sequence.name, sequence.steps, sequence.retired = self.name, list(self.steps), False

    class StepsChanged(Event):
        """The steps from now on: an enrollment sends its next step by these."""

        TOPIC = "keel.emailsequence.StepsChanged.v1"
        steps: list[SequenceStep]

        def apply(self, sequence: EmailSequence) -> None:
            sequence.steps = list(self.steps)

    class Retired(Event):
        """No one is enrolled any more; those enrolled stop before their next step."""

        TOPIC = "keel.emailsequence.Retired.v1"
        reason: str

        def apply(self, sequence: EmailSequence) -> None:
            sequence.retired = True

    @classmethod
    def define(cls, sequence_id: UUID, name: str, steps: list[SequenceStep], on: date, meta: Meta) -> EmailSequence:
        return cls._create(
            cls.Defined, id=sequence_id, name=bounded_text(name, "name", 80), steps=check_steps(steps), **meta.stamp(on)
        )

    def change_steps(self, steps: list[SequenceStep], on: date, meta: Meta) -> None:
        self._require_active()
        self.trigger_event(self.StepsChanged, steps=check_steps(steps), **meta.stamp(on))

    def retire(self, reason: str, on: date, meta: Meta) -> None:
        self._require_active()
        self.trigger_event(self.Retired, reason=bounded_text(reason, "reason", 500, False), **meta.stamp(on))

    def _require_active(self) -> None:
        if self.retired:
            raise InvalidTransition(f"the sequence {self.name!r} is retired")
