"""The input policy: what Keel accepts in any text, code, amount, number or date.

One table of rules (documented in ``docs/input-policy.md``), enforced twice: at the edge (the
HTTP schemas build their field types from these constants, so a client learns which field is
wrong before anything runs) and here, in the domain, on every event an aggregate records
(``check_event``, called when the event is constructed). The second is the one that makes the
class of defect impossible: whatever way a value comes in (HTTP, CLI, an import, a future
automation), no event carries a NUL byte, a lone surrogate, an unbounded string, a float or an
amount too large for the read models' 64-bit sums, so no projection can be stopped by an event
the write side accepted. Events already stored are never re-checked (decoding bypasses
``__init__``): the rules bind what is written from now on, not what history holds.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from ledger.errors import InvalidValue


@dataclass(frozen=True)
class TextRule:
    """How long a text of one kind may be, and whether it may span lines."""

    kind: str
    max_length: int
    multiline: bool = False

    def check(self, value: str, field: str) -> str:
        return check_text(value, self, field)


NAME = TextRule("name", 200)  # people, companies, accounts, titles, actors, and identifiers made from them
TEXT = TextRule("text", 500)  # descriptions, reasons, references, memos: one line
NOTE = TextRule("note", 10_000, multiline=True)  # notes and activity bodies: may span lines
IMAGE = TextRule("image", 350_000)  # a logo's bytes in base64 (at most 256 KiB: ledger.company)

# Codes a client types (cost centers, tax codes, service codes, a journal line's party or project):
# a letter or digit first, then letters, digits, spaces and . _ : / @ # & + ' ( ) -, at most 100.
IDENTIFIER_MAX = 100
IDENTIFIER_PATTERN = r"^[^\W_][\w .:/@#&+'()-]*$"
_IDENTIFIER = re.compile(IDENTIFIER_PATTERN)

# Amounts: at most 10^14 minor units each (a trillion euros), and so is the total of one journal
# entry (its debits). A read model's monthly sum row covers at most 10,000 log positions, so it
# stays below 2 * 10^18, inside a signed 64-bit integer (9.2 * 10^18) on PostgreSQL and SQLite.
MAX_MINOR_UNITS = 10**14
# Any other decimal (a quantity, a rate, a percentage, hours) lies strictly within +-10^15.
MAX_DECIMAL = Decimal(10) ** 15
MAX_INTEGER = 2**53  # ids, versions, numbers and days: exact in JSON and in every database
FIRST_DAY, LAST_DAY = date(1900, 1, 1), date(2999, 12, 31)  # business dates
LAST_DERIVED_DAY = date(3099, 12, 31)  # due dates and other dates computed from a business date

# Control characters (C0, DEL, C1) and UTF-16 surrogates: PostgreSQL cannot store NUL or a lone
# surrogate in text, and no person means a control character in a name.
_FORBIDDEN = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
_LINE_BREAKS = re.compile(r"[\t\n\r]")

# Event fields by name: the longer kinds; every other text field is a NAME (at most 200
# characters, one line), which also keeps every indexed column far below PostgreSQL's btree limit.
_FIELD_RULES: dict[str, TextRule] = {
    **dict.fromkeys(
        (
            "description",
            "reason",
            "reference",
            "receipt_reference",
            "supplier_reference",
            "memo",
            "to",
            "email",
            "phone",
            "corrects",
            "subject",
            "outcome",
            "url",
        ),
        TEXT,
    ),
    **dict.fromkeys(("body", "notes", "note", "settings"), NOTE),
    "logo": IMAGE,
}


def rule_for(field: str) -> TextRule:
    """The rule for a text field of this name, wherever it appears (an event, a command, a body)."""
    return _FIELD_RULES.get(field, NAME)


def check_text(value: str, rule: TextRule, field: str) -> str:
    """The text itself if it obeys ``rule``; else InvalidValue naming ``field``."""
    if not (value.isascii() and value.isprintable()):  # the common case, decided in C
        bad = _FORBIDDEN.search(value) or (None if rule.multiline else _LINE_BREAKS.search(value))
        if bad is not None:
            where = "" if rule.multiline else " (one line, no tabs)"
            raise InvalidValue(f"{field}: control character U+{ord(bad.group()):04X} is not allowed{where}")
    if len(value) > rule.max_length:
        raise InvalidValue(f"{field}: at most {rule.max_length} characters, got {len(value)}")
    return value


def check_identifier(value: str, field: str) -> str:
    """A code a client types: see ``IDENTIFIER_PATTERN``."""
    check_text(value, NAME, field)
    if len(value) > IDENTIFIER_MAX or not _IDENTIFIER.match(value):
        raise InvalidValue(
            f"{field}: an identifier starts with a letter or digit and has at most {IDENTIFIER_MAX} letters,"
            f" digits, spaces and . _ : / @ # & + ' ( ) -; got {value[:40]!r}"
        )
    return value


def check_business_date(value: date, field: str = "date") -> date:
    if not FIRST_DAY <= value <= LAST_DAY:
        raise InvalidValue(f"{field}: {value.isoformat()} is outside {FIRST_DAY} to {LAST_DAY}")
    return value


def check_window(start: date | None, end: date | None) -> None:
    """A report's window runs forward: its start is on or before its end."""
    if start is not None and end is not None and start > end:
        raise InvalidValue(f"start {start.isoformat()} is after end {end.isoformat()}: a window runs forward")


_SKIPPED = frozenset({"originator_id", "originator_version", "timestamp", "originator_topic"})
# Values no rule bounds (ids, the recorder's time, flags): passed without a call.
_UNBOUNDED = frozenset({type(None), bool, UUID, datetime})


def check_event(event: Any) -> None:
    """Refuse an event carrying a value outside the policy, naming the field.

    Run for every event made (100,000 for a statement), so the common cases are decided inline:
    a one-line ASCII text within its length, a value no rule bounds; anything else goes through
    ``_check_value``, which applies the same rules and words the error."""
    for name, rule in _event_plan(type(event)):
        value = getattr(event, name)
        kind = type(value)
        if rule is None:  # the business date: within the business years, not the derived ones
            if isinstance(value, date):
                check_business_date(value, name)
            else:
                _check_value(value, name)
        elif kind is str:
            if not (value.isascii() and value.isprintable() and len(value) <= rule.max_length):
                check_text(value, rule, name)
        elif kind not in _UNBOUNDED:
            _check_value(value, name)


def _event_plan(cls: type) -> tuple[tuple[str, TextRule | None], ...]:
    """The fields of an event class that the policy checks, each with its text rule (None: the
    business date)."""
    plan = _EVENT_PLANS.get(cls)
    if plan is None:
        plan = _EVENT_PLANS[cls] = tuple(
            (n, None if n == "effective_date" else rule_for(n)) for n in _field_names(cls) if n not in _SKIPPED
        )
    return plan


_EVENT_PLANS: dict[type, tuple[tuple[str, TextRule | None], ...]] = {}


def _value_plan(cls: type) -> tuple[tuple[str, TextRule], ...]:
    """The fields of a value inside an event (a journal line), each with its text rule."""
    plan = _VALUE_PLANS.get(cls)
    if plan is None:
        plan = _VALUE_PLANS[cls] = tuple((n, rule_for(n)) for n in _field_names(cls))
    return plan


_VALUE_PLANS: dict[type, tuple[tuple[str, TextRule], ...]] = {}


def _field_names(cls: type) -> tuple[str, ...]:
    names = _FIELD_NAMES.get(cls)
    if names is None:
        names = _FIELD_NAMES[cls] = (
            tuple(f.name for f in dataclasses.fields(cls)) if dataclasses.is_dataclass(cls) else ()
        )
    return names


_FIELD_NAMES: dict[type, tuple[str, ...]] = {}


def _check_value(value: Any, name: str) -> None:
    """Check one value of the field ``name``; an error names the path to it (built only then)."""
    kind = type(value)
    if value is None or kind is bool or kind is UUID or kind is datetime:
        return
    if kind is str:
        check_text(value, rule_for(name), name)
    elif kind is Decimal:
        if not value.is_finite() or abs(value) >= MAX_DECIMAL:
            raise InvalidValue(f"{name}: {value} is outside the accepted range (less than 10^15 in size)")
    elif kind is int:
        if abs(value) > MAX_INTEGER:
            raise InvalidValue(f"{name}: {value} is outside the accepted range (at most 2^53 in size)")
    elif kind is date:
        if not FIRST_DAY <= value <= LAST_DERIVED_DAY:
            raise InvalidValue(f"{name}: {value.isoformat()} is outside {FIRST_DAY} to {LAST_DERIVED_DAY}")
    elif kind is float:
        raise InvalidValue(f"{name}: a float is not accepted; use a decimal string")
    elif kind is list or kind is tuple or kind is frozenset or kind is set:
        for i, item in enumerate(value):
            if not _passes(item):  # a journal's lines, a payment's allocations: decided inline (ADR 0050)
                _within(item, name, f"{name}[{i}]", name)
    elif kind is dict:
        for key, item in value.items():
            _within(key, name, f"{name} key", name)
            _within(item, name, f"{name}[{key!r}]", name)
    elif _field_names(kind):
        for field, rule in _value_plan(kind):  # the common values decided inline, as in ``check_event``
            item = getattr(value, field)
            of = type(item)
            if item is None or (of is str and item.isascii() and item.isprintable() and len(item) <= rule.max_length):
                continue
            if of is Decimal and item.is_finite() and -MAX_DECIMAL < item < MAX_DECIMAL:
                continue
            _within(item, field, f"{name}.{field}", field)
    elif isinstance(value, str | int | Decimal | date):  # a subclass (an enum member): checked as its base
        _check_value(_BASES[next(b for b in _BASES if isinstance(value, b))](value), name)
    else:
        raise InvalidValue(f"{name}: values of type {kind.__name__} are not accepted")


def _passes(value: Any) -> bool:
    """Whether a value inside a list (a journal line) passes as the dataclass branch of
    ``_check_value`` decides its common fields inline; False (checked the long way, which words
    the error) for anything else, or a kind not seen yet."""
    plan = _VALUE_PLANS.get(type(value))
    if plan is None:
        return False
    for field, rule in plan:
        item = getattr(value, field)
        of = type(item)
        if of in _UNBOUNDED or (of is str and item.isascii() and item.isprintable() and len(item) <= rule.max_length):
            continue
        if of is Decimal and item.is_finite() and -MAX_DECIMAL < item < MAX_DECIMAL:
            continue
        return False
    return True


_BASES: dict[type, Any] = {
    str: lambda s: "" + s,  # str() of a str enum member is its name, not its value
    bool: bool,
    int: int,
    Decimal: Decimal,
    datetime: lambda d: d,
    date: lambda d: date(d.year, d.month, d.day),
}


def _within(value: Any, name: str, path: str, shown: str) -> None:
    """``_check_value`` for a part of a value, its error re-named by the part's whole path."""
    try:
        _check_value(value, name)
    except InvalidValue as exc:
        message = str(exc)
        raise InvalidValue(path + message[len(shown) :] if message.startswith(shown) else message) from None
