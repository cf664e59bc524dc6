"""Commands imported from a file (ADR 0057): one JSON object a line, ``{"command": "RecordPayment",
…its fields…}``, each run as the API would run it, in the file's order, exactly once.

A line is a command of Keel's write side by its class name, with the fields of that class
(``commands/*/messages.py``; ids a later line refers to are given, not drawn). Each runs through
``KeelApplication.handle`` — every rule a request meets — under an idempotency claim keyed by the
source's name and the line's number and fingerprinted by its bytes, whose completion is written in
the same transaction as the command's events. So an import stopped anywhere (a refused line, a
crash) is run again with the same file and skips what is in; a line that was in and has changed
since is refused. The first refused line stops the import: the lines before it are in, it and
those after are not. Commands are the slow way in (each is a transaction); a log is moved with
``keel import events``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from typing import TYPE_CHECKING, Any

from pydantic import TypeAdapter, ValidationError

from commands.idempotency import Ticket, current_ticket
from ledger.errors import DomainError, InvalidValue
from ledger.events import Meta

if TYPE_CHECKING:
    from commands.application import KeelApplication

MAX_LINE_BYTES = 1024 * 1024


class LineRefused(InvalidValue):
    """A line was refused: the lines before it are in (``done``), it and those after are not."""

    def __init__(self, source: str, line: int, done: int, reason: str) -> None:
        kept = f"lines 1-{done} are in; " if done else "nothing is in; "
        super().__init__(f"{source}:{line}: {reason} ({kept}fix the line and run the import again)")
        self.line, self.done = line, done


@dataclass(frozen=True)
class CommandsImported:
    lines: int
    ran: int
    skipped: int  # in already, from an earlier run
    position: int


@cache
def _adapter(kind: type) -> TypeAdapter[Any]:
    return TypeAdapter(kind)


def command_types(app: KeelApplication) -> dict[str, type]:
    return {kind.__name__: kind for kind in app.command_types()}


def run_commands(
    app: KeelApplication,
    source: str,
    lines: Iterable[bytes],
    actor: str,
    progress: Callable[[int], None] | None = None,
) -> CommandsImported:
    """Run the lines' commands in order (see the module); LineRefused at the first that fails."""
    kinds = command_types(app)
    ran = skipped = position = number = done = 0
    for number, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue
        ticket = Ticket(f"import:{source}"[:200], str(number), hashlib.sha256(raw.strip()).hexdigest())
        claim = app.claim(ticket, 0.0)  # a claim left by a crashed run is taken over; its commit is fenced
        if claim.outcome == "done":
            skipped, done = skipped + 1, number
            continue
        if claim.outcome == "mismatch":
            raise LineRefused(source, number, done, "imported before with other content; it cannot change now")
        try:
            command = _command(raw, kinds, Meta(actor, command_id=f"import:{source}:{number}"[:200]))
            token = current_ticket.set(ticket)
            try:
                result = app.handle(command)
            finally:
                current_ticket.reset(token)
        except DomainError as exc:
            app.finish(ticket, 422, "", False)  # the claim is dropped: a fixed line runs next time
            raise LineRefused(source, number, done, str(exc)) from None
        except BaseException:
            app.finish(ticket, 500, "", False)
            raise
        app.finish(ticket, 200, json.dumps({"id": str(result.id), "position": result.position}), True)
        ran, done, position = ran + 1, number, max(position, result.position)
        if progress is not None:
            progress(1)
    return CommandsImported(number, ran, skipped, position)


def _command(raw: bytes, kinds: dict[str, type], meta: Meta) -> Any:
    if len(raw) > MAX_LINE_BYTES:
        raise InvalidValue(f"a line of more than {MAX_LINE_BYTES:,} bytes")
    try:
        fields = json.loads(raw, parse_float=Decimal)  # amounts as written, never through a float
    except ValueError as exc:
        raise InvalidValue(f"not JSON: {exc}") from None
    if not isinstance(fields, dict) or not isinstance(fields.get("command"), str):
        raise InvalidValue('a line is an object naming its "command"')
    name = fields.pop("command")
    kind = kinds.get(name)
    if kind is None:
        raise InvalidValue(f"command: no command named {name[:60]!r}")
    if "meta" in fields:
        raise InvalidValue("meta: set by the import (actor and command id), not by the file")
    try:
        return _adapter(kind).validate_python(fields | {"meta": meta})
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or name
        raise InvalidValue(f"{where}: {first['msg']}") from None
