"""Response models derived from the read side's frozen dataclasses, not declared a second time.

``derived(ReportScope)`` is a pydantic model with a field for each field of the dataclass and for
each of its public properties (``TrialBalance.balanced``), in the dataclass's order: a field added to
a projection type appears in the API without another declaration. What HTTP adds is said beside it:
``describe`` (the OpenAPI descriptions), ``narrow`` (a ``Literal`` where the read side keeps a
``str``), ``after`` (where a property stands in the document, so its bytes stay as they were) and
``exclude`` (what the read side keeps for itself, a sort key). Amounts become ``DecimalStr`` (a
decimal string, never a float); a nested dataclass becomes the model derived from it, so derive the
parts before the whole.
"""

from __future__ import annotations

import dataclasses
import operator
import sys
import types
from collections.abc import Mapping, Sequence
from decimal import Decimal
from functools import reduce
from typing import Any, Literal, Union, get_args, get_origin, get_type_hints

from pydantic import Field, SerializerFunctionWrapHandler, create_model, model_serializer

from api.schemas.base import DecimalStr, Out, Page

_MODELS: dict[type, type[Out]] = {}  # each dataclass and the model derived from it


def derived(
    source: type,
    *,
    name: str | None = None,
    base: type[Out] = Out,
    describe: Mapping[str, str] | None = None,
    narrow: Mapping[str, Any] | None = None,
    after: Mapping[str, str] | None = None,
    exclude: Sequence[str] = (),
    also: Sequence[type] = (),
) -> type[Out]:
    """The response model of the dataclass ``source`` (named ``name``, or as the dataclass is), and
    of the narrower dataclasses ``also`` (with ``base=Partial``, their documents leave out the rest)."""
    described, narrowed = describe or {}, narrow or {}
    members: dict[str, tuple[Any, Any]] = {}  # name -> (type, default)
    hints = get_type_hints(source)
    for f in dataclasses.fields(source):
        members[f.name] = (hints[f.name], ... if f.default is dataclasses.MISSING else f.default)
    for attribute, value in vars(source).items():
        if isinstance(value, property) and not attribute.startswith("_"):
            members[attribute] = (get_type_hints(value.fget)["return"], ...)
    order = [n for n in members if n not in exclude]
    for moved, anchor in (after or {}).items():
        order.remove(moved)
        order.insert(order.index(anchor) + 1, moved)
    unknown = (set(described) | set(narrowed) | set(exclude)) - set(members)
    if unknown:
        raise TypeError(f"{source.__name__} has no {', '.join(sorted(unknown))}")
    fields: dict[str, Any] = {
        n: (
            narrowed.get(n, _shaped(members[n][0])),
            Field(members[n][1], description=described.get(n)),
        )
        for n in order
    }
    module = sys._getframe(1).f_globals.get("__name__", __name__)
    model = create_model(name or source.__name__, __base__=base, __module__=module, **fields)
    _MODELS[source] = model
    for narrower in also:
        lacking = [n for n in order if not hasattr(narrower, n) and n not in _field_names(narrower)]
        if any(fields[n][1].is_required() for n in lacking):
            raise TypeError(f"{narrower.__name__} lacks required fields of {model.__name__}: {lacking}")
        _MODELS[narrower] = model
    return model


class Partial(Out):
    """A model that also answers for a narrower dataclass (``derived(..., also=…)``): a field its
    source does not have is left out of the document, not written as null."""

    # No return type: with one, the OpenAPI would show that type instead of the model's fields.
    @model_serializer(mode="wrap")
    def _given(self, handler: SerializerFunctionWrapHandler):  # type: ignore[no-untyped-def]
        return {k: v for k, v in handler(self).items() if k in self.model_fields_set}


def _field_names(source: type) -> set[str]:
    return {f.name for f in dataclasses.fields(source)}


def page_of(item: type[Out]) -> type[Page[Any]]:
    """``Page[item]`` of a derived model (a type to pydantic, a value to mypy)."""
    return Page[item]  # type: ignore[valid-type]


def list_of(item: type[Out]) -> Any:
    """``list[item]`` of a derived model, as a route's ``response_model``."""
    return list[item]  # type: ignore[valid-type]


def _shaped(hint: Any) -> Any:
    """The read side's type as the API writes it: Decimal as a string, a dataclass as its model."""
    if hint is Decimal:
        return DecimalStr
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        if hint not in _MODELS:
            raise TypeError(f"derive {hint.__name__} before what holds it")
        return _MODELS[hint]
    origin, args = get_origin(hint), get_args(hint)
    if origin is None or origin is Literal or not args:
        return hint
    shaped = tuple(_shaped(a) for a in args)
    if origin in (Union, types.UnionType):
        return reduce(operator.or_, shaped)
    return origin[shaped]
