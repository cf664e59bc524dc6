from __future__ import annotations

from datetime import date

import pytest
from support import invoice, register

from api.system import Keel


@pytest.fixture
def books(keel: Keel) -> Keel:
    """A customer and three issued invoices: a short log to verify and tamper with."""
    acme = register(keel)
    for n in range(3):
        invoice(keel, acme, f"{100 + n}.00", date(2026, 1, 5 + n))
    return keel
