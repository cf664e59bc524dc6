"""The stored topics of the domain's event classes, so a reader can ask the log for only the
events it folds instead of decoding every one.

Every event class names its topic explicitly (``TOPIC``); a class stands for itself and its
subclasses, so a projection can say "every Customer event" as ``Customer.Event``.
"""

from __future__ import annotations

import dataclasses
import importlib
import pkgutil
from functools import cache

from ledger.events import KeelAggregate


@cache
def event_classes() -> tuple[type[KeelAggregate.Event], ...]:
    """Every event class the domain stores: each ``ledger`` module imported, subclasses walked."""
    import ledger

    for module in pkgutil.iter_modules(ledger.__path__):
        importlib.import_module(f"ledger.{module.name}")
    found: list[type[KeelAggregate.Event]] = []
    todo: list[type[KeelAggregate.Event]] = list(KeelAggregate.Event.__subclasses__())
    while todo:
        cls = todo.pop()
        todo += cls.__subclasses__()
        if "TOPIC" in vars(cls) and cls not in found:
            found.append(cls)
    return tuple(sorted(found, key=lambda c: str(vars(c)["TOPIC"])))


@cache
def topics_of(bases: tuple[type, ...]) -> tuple[str, ...]:
    """The stored topics of the given classes and of every event class derived from them."""
    return tuple(str(vars(c)["TOPIC"]) for c in event_classes() if issubclass(c, bases))


@cache
def events_with_field(name: str) -> tuple[type[KeelAggregate.Event], ...]:
    """The event classes that carry a field of this name (``journal``: the events that post)."""
    return tuple(c for c in event_classes() if name in {f.name for f in dataclasses.fields(c)})
