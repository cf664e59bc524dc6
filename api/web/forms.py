"""Forms that change the books (ADR 0048): the API's command path, its refusals next to the field.

A form's fields are validated by the API's own request body schema (``api.schemas``), which
builds the same command the API route sends to ``keel.app.handle``: one write path. A refusal
— the schema's or the domain's — comes back as the API's problem details (the same status,
detail and named field), which the form shows beside that field; nothing is written. After a
command, the page that follows waits until the read models have folded it (read-your-writes).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from api.problems import domain_problem
from ledger.errors import DomainError

if TYPE_CHECKING:
    from api.system import Keel
    from commands.unit_of_work import CommandResult


@dataclass
class Outcome:
    """What a form's command came to: its result, or the problem and the fields it names."""

    result: CommandResult | None = None
    status: int = 200
    detail: str = ""  # the refusal, as the API's problem ``detail`` says it
    errors: dict[str, str] = field(default_factory=dict)  # field name -> message, shown beside it

    @property
    def ok(self) -> bool:
        return self.result is not None


def run(keel: Keel, build: Callable[[], Any], path: str = "/") -> Outcome:
    """Build the command (a schema's validation may refuse a field) and handle it; a refusal is
    the problem the API answers with, the named field keyed for the form."""
    from pydantic import ValidationError

    try:
        command = build()
    except ValidationError as exc:
        errors = {field_of(e["loc"]): readable(e) for e in exc.errors()}
        return Outcome(status=422, detail="; ".join(f"{k}: {v}" for k, v in errors.items()), errors=errors)
    except DomainError as exc:
        return _refused(exc, path)
    try:
        result = keel.app.handle(command)
    except DomainError as exc:
        return _refused(exc, path)
    settle(keel, result.position)
    return Outcome(result=result)


def settle(keel: Keel, position: int) -> None:
    """Return once the read models have folded the log up to ``position``: the page after a form
    shows what it did. Nobody follows the log in this process and none outside (a test's Keel, a
    script): fold it here."""
    if keel.engine.following or keel.settings.projections == "external":
        keel.engine.wait_for(position, (), timeout=keel.settings.read_wait_seconds)
    else:
        keel.engine.catch_up()


def refused(exc: Exception, path: str) -> Outcome:
    """A schema's refusal (``ValidationError``) or the domain's as the form shows it, beside its field."""
    from pydantic import ValidationError

    if isinstance(exc, ValidationError):
        errors = {field_of(e["loc"]): readable(e) for e in exc.errors()}
        return Outcome(status=422, detail="; ".join(f"{k}: {v}" for k, v in errors.items()), errors=errors)
    assert isinstance(exc, DomainError)
    return _refused(exc, path)


def _refused(exc: DomainError, path: str) -> Outcome:
    status, body = domain_problem(exc, path)
    detail = str(body.get("detail", exc))
    named = body.get("field")
    return Outcome(status=status, detail=detail, errors={str(named): detail} if named else {})


def field_of(loc: tuple[Any, ...]) -> str:
    """A schema error's location as the form names the field: ``lines.0.amount`` → ``lines.0.amount``."""
    return ".".join(str(part) for part in loc if part != "body") or "form"


def readable(error: Mapping[str, Any]) -> str:
    from api.schemas.explained import explain

    return explain(error, with_input=False)
