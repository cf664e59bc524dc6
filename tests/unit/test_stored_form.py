"""The bulk path's encoder (``commands.adapters.stored_form``, ADR 0042) writes exactly the bytes
the library's mapper writes: stored events are contracts, and the hash chain covers those bytes."""

from __future__ import annotations

from datetime import date
from uuid import uuid4

from api.demo import load_demo
from commands.adapters.stored_form import stored_form
from commands.application import KeelApplication
from ledger.bank_lines import BankLine
from ledger.bank_statements import StatementLine
from ledger.events import Meta
from ledger.money import Money


def test_every_event_of_the_demo_is_stored_as_the_library_mapper_stores_it() -> None:
    app = KeelApplication("memory://")
    load_demo(app)
    fast = stored_form(app.mapper)
    page = app.read_log(0, 100_000, ())
    assert len({type(event) for _, event in page}) > 50  # the demo's many kinds, nested values too
    for _, event in page:
        expected = app.mapper.to_stored_event(event)
        assert fast(event) == expected, type(event).__qualname__


def test_a_new_statement_line_event_is_stored_as_the_library_mapper_stores_it() -> None:
    app = KeelApplication("memory://")
    line = StatementLine("DE-1", date(2026, 3, 1), Money.of("-12.50", "EUR"), "Fee", value_date=date(2026, 3, 2))
    event = BankLine.imported_event(uuid4(), uuid4(), line, Meta("test"))
    assert stored_form(app.mapper)(event) == app.mapper.to_stored_event(event)
