"""What every command that posts to the books shares, whatever its context: the books checked
open on its date, the functional currency, the rate of a currency to it (given, or the rate
table's in force on the command's date).

Every command that posts to the books is checked against the lock date first.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from commands.unit_of_work import UnitOfWork
from ledger.books import BOOKS_ID, Books
from ledger.errors import InvalidValue, NotFound
from ledger.events import Meta
from ledger.fx import FX_RATES_ID, FxRates, no_rate
from ledger.money import to_decimal


def open_books(uow: UnitOfWork, on: date, meta: Meta, what: str) -> tuple[Books, Books | None]:
    """The books checked open on ``on``; the second item is a new Books to save, if any."""
    try:
        books = uow.load(Books, BOOKS_ID)
        new = None
    except NotFound:
        books = new = Books.open(uow.default_functional_currency, on, meta)
    books.check_open(on, what)
    return books, new


def rate_table(uow: UnitOfWork) -> FxRates | None:
    """The store's exchange rate table, if one was started."""
    try:
        return uow.load(FxRates, FX_RATES_ID, label="rate table")
    except NotFound:
        return None


def rate_on(uow: UnitOfWork, currency: str, rate: str | None, books: Books, on: date) -> Decimal:
    """``rate_of`` with the store's rate table as the default for a foreign currency given no rate
    (the table is read only then)."""
    if rate is not None or currency == books.functional_currency:
        return rate_of(currency, rate, books)
    return rate_of(currency, rate, books, rate_table(uow), on)


def functional_currency(uow: UnitOfWork) -> str:
    """The books' currency: fixed when they were opened, else the configured default."""
    try:
        return uow.load(Books, BOOKS_ID).functional_currency
    except NotFound:
        return uow.default_functional_currency


def rate_of(
    currency: str, rate: str | None, books: Books, table: FxRates | None = None, on: date | None = None
) -> Decimal:
    """Units of the functional currency per unit of ``currency``: 1 for the functional currency
    itself, else the rate given (positive), else the rate ``table`` has in force on ``on``."""
    if currency == books.functional_currency:
        if rate is not None and to_decimal(rate) != 1:
            raise InvalidValue(f"{currency} is the functional currency; its rate is 1, not {rate}")
        return Decimal(1)
    if rate is None:
        found = None
        if table is not None and on is not None and table.into == books.functional_currency:
            found = table.rate_on(currency, on)
        if found is None:
            raise no_rate(currency, on, books.functional_currency)
        return found.rate
    value = to_decimal(rate)
    if value <= 0:
        raise InvalidValue(f"an exchange rate must be positive, got {rate}")
    return value
