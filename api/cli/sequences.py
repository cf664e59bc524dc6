"""``keel sequences new|list|show|enroll|stop|retire|reply|unsubscribe|resubscribe|suppressed`` and
``keel report sequence-results``: e-mail sequences from the command line (ADR 0068).

``new`` reads the steps from a JSON file (``[{"day": 0, "subject": "…", "body": "…"}, …]``) into the
body ``POST /v1/sequences`` takes, so a step naming an unknown field is refused in one line naming
it (exit 1), nothing written. The worker (``keel worker``) sends the steps.
"""

from __future__ import annotations

import json
import sys
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from api.cli.base import app, catch_up, cli_actor, keel_system, report_app
from api.cli.entry_base import Found, _like, _rows, body_of, find_customer, find_deal, pick, refuse, said, short
from api.cli.entry_sales import OnOption
from api.cli.output import Format, out
from api.cli.reports import AsOf, Fmt, KnownAt, dates, report

if TYPE_CHECKING:
    from collections.abc import Callable

    from api.system import Keel
    from commands.unit_of_work import Command, CommandResult

sequences_app = typer.Typer(help="E-mail sequences: steps on days after a person is enrolled.", no_args_is_help=True)
app.add_typer(sequences_app, name="sequences")

Name = Annotated[str, typer.Argument(help="The sequence's name (or part of it) or id.")]
Email = Annotated[str, typer.Argument(help="An e-mail address.")]


def find_sequence(keel: Keel, text: str, option: str = "SEQUENCE") -> Found:
    part, prefix = _like(text)
    rows = _rows(
        keel,
        "SELECT id, name FROM email_sequences WHERE LOWER(name) LIKE %s OR id LIKE %s ORDER BY name, id",
        (part, prefix),
    )
    found = [Found(str(i), f"{name} ({short(i)})", (name,)) for i, name in rows]
    return pick(option, "sequence", text, found, "`keel sequences list` shows them")


def _find_lead(keel: Keel, text: str) -> Found:
    part, prefix = _like(text)
    rows = _rows(
        keel, "SELECT id, name, email FROM leads WHERE LOWER(name) LIKE %s OR id LIKE %s ORDER BY name, id",
        (part, prefix),
    )  # fmt: skip
    found = [Found(str(i), f"{name} <{email or 'no address'}> ({short(i)})", (name,)) for i, name, email in rows]
    return pick("--lead", "lead", text, found, "`GET /v1/leads` lists them")


def _contact(keel: Keel, customer: str, contact: str) -> tuple[str, str]:
    found = find_customer(keel, customer)
    rows = _rows(
        keel,
        "SELECT contact_id, name FROM contacts WHERE customer_id = %s AND active AND LOWER(name) LIKE %s ORDER BY name",
        (found.id, _like(contact)[0]),
    )
    people = [Found(str(i), str(name), (str(name),)) for i, name in rows]
    listed = f"`GET /v1/customers/{found.id}/contacts` lists them"
    return found.id, pick("--contact", "contact", contact, people, listed).id


@sequences_app.command("new")
def new(
    name: Annotated[str, typer.Argument(help="What to call it, e.g. 'Proposal nurture'.")],
    steps: Annotated[Path, typer.Option("--steps", help='A JSON file: [{"day": 0, "subject": "…", "body": "…"}, …]')],
    on: OnOption = None,
) -> None:
    """Define a sequence; its steps may name {{ first_name }}, {{ name }}, {{ company }}, {{ owner }},
    {{ unsubscribe_url }} (every step ends with the unsubscribe link anyway)."""
    from api.schemas.sequences import SequenceBody
    from ledger.events import Meta

    try:
        listed = json.loads(steps.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise refuse("--steps", f"cannot read the steps from {steps}: {exc}") from None
    body = body_of(SequenceBody, {"name": "NAME", "steps": "--steps", "on": "--on"}, name=name, steps=listed, on=on)
    with keel_system() as keel:
        result = keel.app.handle(body.to_command(Meta(cli_actor())))
    said(f"sequence {body.name!r} ({short(result.id)}) with {len(body.steps)} step(s) (log position {result.position})")


@sequences_app.command("list")
def list_sequences(fmt: Fmt = Format.table) -> None:
    """Every sequence: its steps, retired or not."""
    from projections.automation.sequence_queries import sequences

    with keel_system(reading=True) as keel:
        catch_up(keel)
        found = sequences(keel.views)
    if fmt is Format.json:
        print(json.dumps([{**vars(s), "defined_on": s.defined_on.isoformat()} for s in found]))
        return
    if not found:
        said("no sequences yet: `keel sequences new NAME --steps steps.json` defines one")
    for s in found:
        out.print(f"{s.name} ({short(s.id)}): {s.steps} step(s){' [retired]' if s.retired else ''}", highlight=False)


@sequences_app.command("show")
def show(sequence: Name, fmt: Fmt = Format.table) -> None:
    """Its steps, and who is enrolled: the steps queued and where each stands (or why it stopped)."""
    from uuid import UUID

    from api.sequence_answers import sequence_bytes

    with keel_system(reading=True) as keel:
        catch_up(keel)
        found = sequence_bytes(keel, UUID(find_sequence(keel, sequence).id))
    if fmt is Format.json:
        sys.stdout.buffer.write(found + b"\n")
        return
    document = json.loads(found)
    out.print(f"{document['name']}{' [retired]' if document['retired'] else ''}", highlight=False)
    for step in document["steps"]:
        out.print(f"  day {step['day']}: {step['subject']}", highlight=False)
    for e in document["enrollments"]:
        out.print(f"  {e['email']} ({e['name']}) from {e['started_on']}: {e['queued']} queued, {e['status']}",
                  highlight=False)  # fmt: skip
    if not document["enrollments"]:
        said("no one is enrolled yet")


@sequences_app.command("stop")
def stop(
    sequence: Name,
    email: Email,
    detail: Annotated[str, typer.Option("--detail", help="Why, for the record.")] = "",
    on: OnOption = None,
) -> None:
    """Stop EMAIL's enrollment in the sequence: no more of its steps."""
    from uuid import UUID

    from api.schemas.sequences import StopBody
    from commands.messages import StopEnrollment
    from ledger.enrollments import enrollment_id
    from ledger.events import Meta

    body = body_of(StopBody, {"detail": "--detail", "on": "--on"}, detail=detail, on=on)
    with keel_system() as keel:
        catch_up(keel)
        found = find_sequence(keel, sequence)
        enrollment = enrollment_id(UUID(found.id), email)
        command = StopEnrollment(meta=Meta(cli_actor()), on=body.on, enrollment_id=enrollment, detail=body.detail)
        result = _named(keel.app.handle, command)
    said(f"{email.strip().lower()} stopped in {found.keys[0]!r} (log position {result.position})")


@sequences_app.command("enroll")
def enroll(
    sequence: Name,
    lead: Annotated[str | None, typer.Option("--lead", help="A lead's name (or part) or id.")] = None,
    customer: Annotated[str | None, typer.Option("--customer", help="With --contact: the contact's customer.")] = None,
    contact: Annotated[str | None, typer.Option("--contact", help="A contact's name at --customer.")] = None,
    deal: Annotated[str | None, typer.Option("--deal", help="Its change of stage stops the sequence.")] = None,
    on: OnOption = None,
) -> None:
    """Enrol a lead, or a customer's contact, from --on (today)."""
    from uuid import UUID

    from api.schemas.sequences import EnrollBody
    from ledger.events import Meta

    if (lead is None) == (contact is None) or (contact is not None and customer is None):
        raise refuse("--lead", "enrol a lead (--lead), or a contact (--customer and --contact)")
    with keel_system() as keel:
        catch_up(keel)
        found = find_sequence(keel, sequence)
        ids: dict[str, str | None] = {"lead_id": _find_lead(keel, lead).id if lead else None}
        if contact is not None and customer is not None:
            ids["customer_id"], ids["contact_id"] = _contact(keel, customer, contact)
        ids["deal_id"] = find_deal(keel, deal).id if deal else None
        body = body_of(EnrollBody, {"on": "--on"}, **ids, on=on)
        result = _named(keel.app.handle, body.to_command(Meta(cli_actor()), UUID(found.id)))
    said(f"enrolled in {found.keys[0]!r} ({short(result.id)}, log position {result.position})")


@sequences_app.command("retire")
def retire(sequence: Name, reason: Annotated[str, typer.Option("--reason")] = "", on: OnOption = None) -> None:
    """No one is enrolled any more; those enrolled stop before their next step."""
    from uuid import UUID

    from api.schemas.sequences import RetireBody
    from commands.messages import RetireSequence
    from ledger.events import Meta

    body = body_of(RetireBody, {"reason": "--reason", "on": "--on"}, reason=reason, on=on)
    with keel_system() as keel:
        catch_up(keel)
        found = find_sequence(keel, sequence)
        command = RetireSequence(meta=Meta(cli_actor()), on=body.on, sequence_id=UUID(found.id), reason=body.reason)
        result = keel.app.handle(command)
    said(f"sequence {found.keys[0]!r} retired (log position {result.position})")


@sequences_app.command("reply")
def reply(
    email: Email,
    message_id: Annotated[str, typer.Option("--message-id", help="The reply's Message-ID header.")],
    subject: Annotated[str, typer.Option("--subject")] = "",
) -> None:
    """Record a reply received from EMAIL: its sequences stop before their next step."""
    from api.schemas.sequences import InboundBody
    from ledger.events import Meta

    options = {"from_address": "EMAIL", "message_id": "--message-id", "subject": "--subject"}
    body = body_of(InboundBody, options, from_address=email, message_id=message_id, subject=subject)
    with keel_system() as keel:
        result = _named(keel.app.handle, replace(body.to_command(Meta(cli_actor())), source="cli"))
    said(f"reply from {body.from_address} recorded (log position {result.position})")


@sequences_app.command("unsubscribe")
def unsubscribe(email: Email, reason: Annotated[str, typer.Option("--reason")] = "", on: OnOption = None) -> None:
    """Put EMAIL on the suppression list: no sequence sends to it or enrols it."""
    from api.schemas.sequences import SuppressBody
    from commands.messages import Unsubscribe
    from ledger.events import Meta

    body = body_of(
        SuppressBody, {"email": "EMAIL", "reason": "--reason", "on": "--on"}, email=email, reason=reason, on=on
    )
    with keel_system() as keel:
        command = Unsubscribe(meta=Meta(cli_actor()), on=body.on, email=body.email, source="cli", reason=body.reason)
        result = keel.app.handle(command)
    state = f"log position {result.position}" if result.position else "so already: nothing recorded"
    said(f"{body.email} is on the suppression list ({state})")


@sequences_app.command("resubscribe")
def resubscribe(email: Email, reason: Annotated[str, typer.Option("--reason", help="Why (they asked).")]) -> None:
    """Take EMAIL off the suppression list."""
    from commands.messages import Resubscribe
    from ledger.events import Meta

    with keel_system() as keel:
        result = keel.app.handle(Resubscribe(meta=Meta(cli_actor()), email=email, reason=reason))
    said(f"{email.strip().lower()} is off the suppression list (log position {result.position})")


@sequences_app.command("suppressed")
def suppressed() -> None:
    """The suppression list: every address that unsubscribed."""
    from projections.automation.sequence_queries import suppression_list

    with keel_system(reading=True) as keel:
        catch_up(keel)
        found = suppression_list(keel.views)
    if not found:
        said("the suppression list is empty")
    for s in found:
        out.print(f"{s.email}  since {s.since} ({s.source}){f': {s.reason}' if s.reason else ''}", highlight=False)


@report_app.command("sequence-results")
def sequence_results(as_of: AsOf = None, known_at: KnownAt = None, fmt: Fmt = Format.table) -> None:
    """Per sequence as of --as-of as known at --known-at: enrolled, steps sent and delivered, replied,
    unsubscribed, stopped on a deal's new stage, converted."""
    report("sequence-results", dates(as_of), known_at, fmt)


NAMED = {"lead_id": "--lead", "contact_id": "--contact", "deal_id": "--deal", "from_address": "EMAIL", "email": "EMAIL"}


def _named(handle: Callable[[Command], CommandResult], command: Command) -> CommandResult:
    """``handle(command)``; a refusal naming a field is said naming the option that gave it."""
    from ledger.errors import DomainError

    try:
        return handle(command)
    except DomainError as exc:
        field, colon, rest = str(exc).partition(": ")
        if colon and field in NAMED:
            raise refuse(NAMED[field], rest) from None
        raise
