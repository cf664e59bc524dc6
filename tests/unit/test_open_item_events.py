"""An open-items file's documents made together (``OpenItemEvents``) are the events made one by
one (``open_invoice``, ``open_bill``): the same types, fields in the same order and the same
stored bytes (the hash chain covers them), folding into the same invoice or bill."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from uuid import uuid4

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from commands.application import KeelApplication
from ledger.chart import IMPLICIT
from ledger.customer import Customer
from ledger.errors import InvalidValue
from ledger.events import KeelAggregate, Meta
from ledger.invoice import Invoice
from ledger.money import Money
from ledger.open_item_events import OpenItemEvents
from ledger.opening import OpenItem, open_bill, open_invoice, opening_account
from ledger.payables import Bill, Supplier

META = Meta("test:open-items")
DAY = date(2026, 1, 1)
AGAINST = opening_account(IMPLICIT, "3000").code
CUSTOMER = Customer.register(uuid4(), "Atlas GmbH", 30, "EUR", DAY, META)
SUPPLIER = Supplier.register(uuid4(), "Nordlicht — Büro & Co", 30, "EUR", DAY, META)
APP = KeelApplication("memory://")

numbers = st.text(st.characters(codec="utf-8", exclude_categories=("Cc", "Cs", "Zl", "Zp")), min_size=1, max_size=200)
cents = st.integers(1, 10**14)
places = st.sampled_from(["EUR", "JPY", "KWD", "USD"])


def _item(kind: str, number: str, units: int, currency: str, scale: int, value: Decimal | None, days: int) -> OpenItem:
    exponent = {"JPY": 0, "KWD": 3}.get(currency, 2)
    amount = Decimal(units).scaleb(-exponent)
    amount = amount.quantize(Decimal(1).scaleb(-exponent - scale)) if scale else amount  # "12.5" as "12.500"
    issued = DAY + timedelta(days=days)
    return OpenItem(
        7, kind, number.strip() or "N", issued, issued + timedelta(days=30), Money(amount, currency), value or amount
    )


def _same(together: list[KeelAggregate.Event], alone: list[KeelAggregate.Event]) -> None:
    assert [type(e) for e in together] == [type(e) for e in alone]
    for a, b in zip(together, alone, strict=True):
        object.__setattr__(b, "timestamp", a.timestamp)
        assert list(vars(a).items()) == list(vars(b).items())
        assert APP.mapper.to_stored_event(a) == APP.mapper.to_stored_event(b)


def _both_ways(made: OpenItemEvents, item: OpenItem) -> None:
    """The same events both ways, or the same refusal (a rate or a valued line beyond a bound)."""
    document = uuid4()
    party = CUSTOMER if item.kind == "invoice" else SUPPLIER
    maker = open_invoice if item.kind == "invoice" else open_bill
    try:
        alone = list(maker(document, party, item, AGAINST, "EUR", META, IMPLICIT).collect_events())  # type: ignore[operator, arg-type]
    except InvalidValue as refused:
        with pytest.raises(InvalidValue) as too:
            made.invoice(document, CUSTOMER, item) if item.kind == "invoice" else made.bill(document, SUPPLIER, item)
        assert str(too.value) == str(refused)
        return
    together = made.invoice(document, CUSTOMER, item) if item.kind == "invoice" else made.bill(document, SUPPLIER, item)
    _same(together, alone)


def _templates() -> OpenItemEvents:
    made = OpenItemEvents(AGAINST, "EUR", META, IMPLICIT)
    for currency in ("EUR", "JPY", "KWD", "USD"):  # the first of each kind and currency: the templates
        value = None if currency == "EUR" else Decimal("7.00")
        made.invoice(uuid4(), CUSTOMER, _item("invoice", "W-1", 700, currency, 0, value, 0))
        made.bill(uuid4(), SUPPLIER, _item("bill", "W-2", 700, currency, 0, value, 0))
    assert len(made.templates) == 8
    return made


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["invoice", "bill"]),
            numbers,
            cents,
            places,
            st.integers(0, 2),
            st.integers(1, 10**14),  # a foreign item's value in cents, drawn apart from its amount
            st.integers(0, 900),
        ),
        min_size=1,
        max_size=6,
    )
)
def test_documents_made_together_are_the_documents_made_one_by_one(
    rows: list[tuple[str, str, int, str, int, int, int]],
) -> None:
    made = _templates()
    for kind, number, units, currency, scale, worth, days in rows:
        value = None if currency == "EUR" else Decimal(worth).scaleb(-2)
        _both_ways(made, _item(kind, number, units, currency, scale, value, days))


@pytest.mark.parametrize(
    ("units", "currency", "value"),
    [
        (10**14, "EUR", None),  # the money bound itself
        (10**14, "JPY", Decimal("999999999999.99")),
        (1, "KWD", Decimal("1000000000000.00")),  # a rate of 10^15: beyond the policy, refused the domain's way
        (2, "KWD", Decimal("1000000000000.00")),
        (3, "USD", Decimal("0.01")),  # valued half-up to a cent
    ],
)
def test_documents_at_the_bounds_are_made_or_refused_as_the_domain_does(
    units: int, currency: str, value: Decimal | None
) -> None:
    for kind in ("invoice", "bill"):
        _both_ways(_templates(), _item(kind, "B-1", units, currency, 0, value, 0))


def test_the_events_made_together_fold_into_the_document() -> None:
    made = OpenItemEvents(AGAINST, "EUR", META, IMPLICIT)
    for number in ("A-1", "A-2"):
        item = _item("invoice", number, 12_350, "EUR", 1, None, 3)
        events = made.invoice(uuid4(), CUSTOMER, item)
        invoice = events[0].mutate(None)
        invoice = events[1].mutate(invoice)
        assert isinstance(invoice, Invoice)
        assert (invoice.number, invoice.outstanding, invoice.due_date) == (number, item.amount, item.due_on)
        (recorded,) = made.bill(uuid4(), SUPPLIER, item)
        bill = recorded.mutate(None)
        assert isinstance(bill, Bill) and bill.outstanding == Money(Decimal("123.50"), "EUR")
