"""Finding a record by what a person knows of it (a name, or part of it), so nobody pastes a UUID."""

from __future__ import annotations

from uuid import UUID

from api.system import Keel
from ledger.errors import InvalidValue, NotFound
from projections.lists import get_customer, list_customers


def customer_id(keel: Keel, text: str) -> str:
    """A customer id from its id, its exact name (any case) or the one name that contains ``text``."""
    try:
        exact_id = str(UUID(text))
    except ValueError:
        exact_id = None
    if exact_id is not None:
        if get_customer(keel.views, exact_id) is None:
            raise NotFound(f"no customer has the id {exact_id}")
        return exact_id
    found = list_customers(keel.views, text.strip(), None, 6).items
    exact = [c for c in found if c.name.casefold() == text.strip().casefold()]
    if len(exact) == 1 or len(found) == 1:
        return (exact or found)[0].id
    if not found:
        raise NotFound(f"no customer's name contains {text!r}; `keel customers list` shows them")
    names = ", ".join(repr(c.name) for c in found[:5])
    raise InvalidValue(f"{text!r} matches several customers ({names}); give more of the name")
