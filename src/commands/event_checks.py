"""What an imported event must be besides passing the input policy (ADR 0057): every value of the
type its class declares (a journal line a ``JournalLine``, not a mapping that stops the ledger's
projection on ``.account``), a journal that balances, the aggregate topic of a creation its own
class's (loading would resolve any other), a class version the upcasters know.

A command's event is made by its constructor from typed values; an imported one is decoded from
JSON, so nothing else would hold these.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections import abc
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal, Union

from eventsourcing.domain import Aggregate
from eventsourcing.utils import get_topic

from ledger.journal import balanced

_HINTS: dict[type, dict[str, Any]] = {}
_SKIPPED = frozenset({"originator_id", "originator_version", "originator_id_type"})


def problem_of(event: Any, owner: type) -> str | None:
    """Why ``event`` (of an aggregate of class ``owner``) is not one a command could make; None if it is."""
    values = vars(event)
    for name, exact, hint in _plan(type(event)):
        value = values.get(name)
        if type(value) is not exact and not _conforms(value, hint):  # the common case decided inline
            return f"{name}: not a {_shown(hint)}"
    if isinstance(event, Aggregate.Created) and getattr(event, "originator_topic", None) != get_topic(owner):
        return f"originator_topic: {get_topic(owner)} for this event"
    journal = getattr(event, "journal", None)
    if journal:
        try:
            balanced(journal)
        except Exception as exc:  # Unbalanced, or a line that cannot be summed
            return f"journal: {exc}"
    return None


def class_version_problem(cls: type, version: object) -> str | None:
    current = getattr(cls, "class_version", 1)
    if type(version) is not int or not 1 <= version <= current:
        return f"class_version: an integer from 1 to {current}"
    return None


_PLANS: dict[type, list[tuple[str, type | None, Any]]] = {}
_EXACT = (str, int, bool, date, datetime, Decimal)


def _plan(cls: type) -> list[tuple[str, type | None, Any]]:
    """Each checked field with its hint, and the one type that passes at once (a plain hint)."""
    plan = _PLANS.get(cls)
    if plan is None:
        plan = _PLANS[cls] = [
            (name, hint if hint in _EXACT else None, hint)
            for name, hint in _hints(cls).items()
            if name not in _SKIPPED and typing.get_origin(hint) is not typing.ClassVar
        ]
    return plan


def _hints(cls: type) -> dict[str, Any]:
    found = _HINTS.get(cls)
    if found is None:
        try:
            found = typing.get_type_hints(cls)
        except Exception:  # a name only imported for type checking: its fields are checked by name alone
            found = {}
        _HINTS[cls] = found
    return found


def _conforms(value: Any, hint: Any) -> bool:
    return _checker(hint)(value)


_CHECKERS: dict[Any, Callable[[Any], bool]] = {}


def _checker(hint: Any) -> Callable[[Any], bool]:
    """A function that tells whether a value is of ``hint``, made once per hint (a journal line's
    fields are checked for every line of every entry)."""
    try:
        found = _CHECKERS.get(hint)
    except TypeError:  # an unhashable hint: made each time
        return _make(hint)
    if found is None:
        found = _CHECKERS[hint] = _make(hint)
    return found


def _make(hint: Any) -> Callable[[Any], bool]:
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if hint is Any or isinstance(hint, typing.TypeVar):
        return lambda value: True
    if origin in (Union, types.UnionType):
        options = [_checker(a) for a in args]
        return lambda value: any(check(value) for check in options)
    if origin is Literal:
        return lambda value: value in args
    if origin in (list, tuple, set, frozenset, abc.Sequence, abc.Set):
        if origin is tuple and args and args[-1] is not Ellipsis:
            each = [_checker(a) for a in args]
            return lambda value: (
                isinstance(value, list | tuple)
                and len(value) == len(each)
                and all(check(v) for check, v in zip(each, value, strict=True))
            )
        item = _checker(args[0]) if args else _checker(Any)
        return lambda value: isinstance(value, list | tuple | set | frozenset) and all(item(v) for v in value)
    if origin in (dict, abc.Mapping):
        key, item = (_checker(args[0]), _checker(args[1])) if len(args) == 2 else (_checker(Any), _checker(Any))
        return lambda value: isinstance(value, dict) and all(key(k) and item(v) for k, v in value.items())
    if origin is not None:  # another generic: its class alone
        return lambda value: isinstance(value, origin)
    if hint is None or hint is type(None):
        return lambda value: value is None
    if hasattr(hint, "__supertype__"):  # a NewType
        return _checker(hint.__supertype__)
    if not isinstance(hint, type):
        return lambda value: True  # a form this check does not know: the policy still bounds the value
    if hint is float:
        return lambda value: False  # no event carries a float (money is Decimal)
    if hint in _EXACT:  # int not bool, date not datetime: the type itself
        return lambda value: type(value) is hint
    if dataclasses.is_dataclass(hint):
        fields = [(name, _checker(h)) for name, h in _hints(hint).items()]
        return lambda value: isinstance(value, hint) and all(check(getattr(value, n)) for n, check in fields)
    return lambda value: isinstance(value, hint)


def _shown(hint: Any) -> str:
    return getattr(hint, "__name__", None) or str(hint).replace("typing.", "")
