"""Shared parts of the HTTP contract: amounts as decimal strings, the input policy on every
request body, pages, provenance and the answer to a command."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Annotated, Any, Generic, TypeVar
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer, StringConstraints, ValidationInfo, field_validator

from commands.unit_of_work import Command
from ledger.accounts import CODE_PATTERN
from ledger.errors import InvalidValue
from ledger.policy import (
    FIRST_DAY,
    IDENTIFIER_MAX,
    IDENTIFIER_PATTERN,
    LAST_DAY,
    LAST_DERIVED_DAY,
    NAME,
    NOTE,
    TEXT,
    rule_for,
)

Amount = Annotated[
    str,
    StringConstraints(strip_whitespace=True, pattern=r"^[0-9]{1,15}(\.[0-9]{1,8})?$"),
    Field(description='A non-negative decimal amount as a string, e.g. "1234.50" (floats are refused)'),
]
Rate = Annotated[
    str,
    StringConstraints(strip_whitespace=True, pattern=r"^[0-9]{1,9}(\.[0-9]{1,12})?$"),
    Field(description="Units of the functional currency per unit of the document's currency", examples=["0.9200"]),
]
Percent = Annotated[
    str, StringConstraints(strip_whitespace=True, pattern=r"^[0-9]{1,3}(\.[0-9]{1,4})?$"), Field(examples=["24"])
]
CurrencyCode = Annotated[
    str, StringConstraints(pattern=r"^[A-Z]{3}$"), Field(description="ISO 4217 code", examples=["EUR"])
]
# The input policy's kinds (ledger.policy, docs/input-policy.md); every Body also checks each text
# for control characters by its field's kind (see ``Body``).
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=TEXT.max_length)]
OptionalText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=TEXT.max_length)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=NAME.max_length)]
Note = Annotated[str, StringConstraints(max_length=NOTE.max_length)]
Identifier = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=IDENTIFIER_MAX, pattern=IDENTIFIER_PATTERN),
    Field(description="A code: a letter or digit first, then letters, digits, spaces and . _ : / @ # & + ' ( ) -"),
]
AccountCode = Annotated[
    str,
    StringConstraints(pattern=CODE_PATTERN),
    Field(description="An account of the chart: 1 to 10 letters or digits", examples=["6100"]),
]
DerivedDate = Annotated[date, Field(ge=FIRST_DAY, le=LAST_DERIVED_DAY)]
EffectiveDate = Annotated[
    date | None,
    Field(
        ge=FIRST_DAY, le=LAST_DAY, description="Business (effective) date; today when omitted", examples=["2026-03-15"]
    ),
]
DecimalStr = Annotated[Decimal, PlainSerializer(str, return_type=str)]


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")

    @field_validator("*", mode="after")
    @classmethod
    def _input_policy(cls, value: Any, info: ValidationInfo) -> Any:
        """The domain's rule for a text of this field's name (no control characters, bounded
        length), so the client hears which field is wrong before anything runs."""
        _police(value, info.field_name or "")
        return value


def _police(value: Any, field: str) -> None:
    if isinstance(value, str):
        try:
            rule_for(field).check(value, field)
        except InvalidValue as exc:
            raise ValueError(str(exc)) from None
    elif isinstance(value, list | tuple):
        for item in value:
            _police(item, field)
    elif isinstance(value, dict):
        for key, item in value.items():
            _police(key, field)
            _police(item, field)


class Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


T = TypeVar("T")
C = TypeVar("C", bound=Command)
# What a body several commands share takes in ``to_command``: the command it is for (its class)
CommandOf = Callable[..., C]


class Page(Out, Generic[T]):
    """One page of a list. Pass ``next_cursor`` as ``cursor`` for the next; null on the last page."""

    items: list[T]
    next_cursor: str | None = Field(description="Opaque; pass it back as `cursor` to get the next page")


class Provenance(Out):
    """Where a report came from. With an explicit ``as_of`` and ``known_at``, the same request gives
    the same bytes later, and ``digest`` proves it."""

    position: int = Field(description="The log position the report reflects: pass it as known_at to reproduce it")
    parameters: dict[str, str] = Field(description="The query as asked (min_position left out)")
    projections: dict[str, int] = Field(description="Read model name -> version that answered")
    digest: str = Field(description="sha256 of the report without its provenance, as canonical JSON")


class Report(Out):
    provenance: Provenance | None = Field(None, description="Filled in by the server for every report")


class CommandAccepted(Out):
    id: UUID
    version: int = Field(description="The aggregate's version after the command")
    position: int = Field(description="Log position of the last event written; pass as min_position to read it back")
