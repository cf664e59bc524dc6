"""A customer's contacts: the people we deal with there (``Customer.ContactAdded``)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from uuid import UUID

from ledger.errors import InvalidValue


@dataclass(frozen=True, slots=True)
class Contact:
    contact_id: UUID
    name: str
    email: str = ""
    phone: str = ""
    role: str = ""


def make_contact(contact_id: UUID, name: str, email: str = "", phone: str = "", role: str = "") -> Contact:
    name, email = name.strip(), email.strip()
    if not name:
        raise InvalidValue("a contact needs a name")
    if email and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", email):
        raise InvalidValue(f"email: not an email address: {email!r}")
    return Contact(contact_id, name[:200], email[:200], phone.strip()[:40], role.strip()[:80])
