"""The chart of accounts: starting the books from a template, accounts, roles (ADR 0032).

A store without chart events keeps the services-eu chart; its first change records that chart's
events first (``Chart.implicit``), dated the first business day the policy knows, as the chart it
always was.
"""

from __future__ import annotations

from datetime import date

from commands.finance import messages as m
from commands.unit_of_work import CommandResult, Handlers, UnitOfWork
from ledger.accounts import Account, AccountType
from ledger.books import BOOKS_ID, Books
from ledger.chart import CHART_ID, Chart
from ledger.chart_templates import template
from ledger.errors import InvalidTransition, InvalidValue, NotFound
from ledger.events import Meta
from ledger.expense_policy import (
    DEFAULT_CATEGORIES,
    DEFAULT_FALLBACK_APPROVER,
    DEFAULT_STEPS,
    POLICY_ID,
    ExpensePolicy,
)
from ledger.money import minor_units
from ledger.policy import FIRST_DAY


def _chart(uow: UnitOfWork, meta: Meta) -> Chart:
    try:
        return uow.load(Chart, CHART_ID, label="chart of accounts")
    except NotFound:
        return Chart.implicit(FIRST_DAY, meta)


def posted(uow: UnitOfWork) -> bool:
    """Anything posted to the books yet? Every posting opens the books first, so a store without
    them has posted nothing; one with them is read until its first journal."""
    if not uow.exists(BOOKS_ID):
        return False
    return any(getattr(event, "journal", None) for _, event in uow.postings())


def init_books(uow: UnitOfWork, c: m.InitBooks) -> CommandResult:
    on = c.on or uow.today()
    if uow.exists(CHART_ID):
        raise InvalidTransition("the chart of accounts was already started; `keel accounts` changes it")
    if posted(uow):
        raise InvalidTransition(
            "this store's books already have postings (on the services-eu chart): start a chart on an empty store"
        )
    currency = c.currency or uow.default_functional_currency
    minor_units(currency)
    new_books = None
    try:
        books = uow.load(Books, BOOKS_ID)
        if books.functional_currency != currency:
            raise InvalidTransition(f"the books were opened in {books.functional_currency}, not {currency}")
    except NotFound:
        new_books = Books.open(currency, on, c.meta)
    chart = Chart.start(c.template, on, c.meta)
    return uow.commit(chart, new_books, template_policy(uow, c.template, on, c.meta))


def template_policy(uow: UnitOfWork, name: str, on: date, meta: Meta) -> ExpensePolicy | None:
    """The default expense policy with the template's categories, when they are not the default
    ones (a minimal chart has no 6200 "Travel"), so a claim in a default category posts on these
    books; a policy configured already is left as it is."""
    categories = dict(template(name).categories)
    if categories == DEFAULT_CATEGORIES or uow.exists(POLICY_ID):
        return None
    accounts = template(name).chart()
    return ExpensePolicy.configure(list(DEFAULT_STEPS), DEFAULT_FALLBACK_APPROVER, categories, on, meta, accounts)


def add_account(uow: UnitOfWork, c: m.AddAccount) -> CommandResult:
    chart = _chart(uow, c.meta)
    try:
        kind = AccountType(c.type)
    except ValueError:
        types = ", ".join(t.value for t in AccountType)
        raise InvalidValue(f"type: an account's type is one of {types}; got {c.type[:20]!r}") from None
    account = Account(c.code, c.name, kind, c.subtype, c.parent, c.currency)
    chart.add_account(account, c.on or uow.today(), c.meta)
    return uow.commit(chart)


def rename_account(uow: UnitOfWork, c: m.RenameAccount) -> CommandResult:
    chart = _chart(uow, c.meta)
    chart.rename(c.code, c.name, c.on or uow.today(), c.meta)
    return uow.commit(chart)


def deactivate_account(uow: UnitOfWork, c: m.DeactivateAccount) -> CommandResult:
    chart = _chart(uow, c.meta)
    chart.deactivate(c.code, c.on or uow.today(), c.meta)
    return uow.commit(chart)


def move_account(uow: UnitOfWork, c: m.MoveAccount) -> CommandResult:
    chart = _chart(uow, c.meta)
    chart.move(c.code, c.parent, c.on or uow.today(), c.meta)
    return uow.commit(chart)


def reactivate_account(uow: UnitOfWork, c: m.ReactivateAccount) -> CommandResult:
    chart = _chart(uow, c.meta)
    chart.reactivate(c.code, c.on or uow.today(), c.meta)
    return uow.commit(chart)


def map_role(uow: UnitOfWork, c: m.MapRole) -> CommandResult:
    chart = _chart(uow, c.meta)
    chart.map_role(c.role, c.code, c.on or uow.today(), c.meta)
    return uow.commit(chart)


HANDLERS: Handlers = {
    m.InitBooks: init_books,
    m.AddAccount: add_account,
    m.RenameAccount: rename_account,
    m.DeactivateAccount: deactivate_account,
    m.ReactivateAccount: reactivate_account,
    m.MapRole: map_role,
    m.MoveAccount: move_account,
}
