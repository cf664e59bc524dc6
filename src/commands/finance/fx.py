"""Exchange rates and unrealised revaluation (ADR 0033): the rate table set by hand or imported
from a file, and the period-end revaluation of open foreign-currency balances."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal

from commands.finance import messages as m
from commands.posting import functional_currency, open_books, rate_table
from commands.unit_of_work import CommandResult, Handlers, UnitOfWork
from ledger.accounts import Subtype
from ledger.chart import ChartRules
from ledger.chart_templates import role_of
from ledger.errors import AlreadyExists, InvalidValue
from ledger.fx import FxRate, FxRates, make_rate
from ledger.fx_revaluation import MONETARY_ROLES, Exposure, FxRevaluation, revaluation_id, revaluation_lines
from ledger.roles import Role


def _table(uow: UnitOfWork, fc: str, on: date, c: m.SetFxRate | m.ImportFxRates) -> FxRates:
    return rate_table(uow) or FxRates.start(fc, on, c.meta)


def set_rate(uow: UnitOfWork, c: m.SetFxRate) -> CommandResult:
    on = c.on or uow.today()
    fc = functional_currency(uow)
    rate = make_rate(c.currency, on, c.rate, fc)
    table = _table(uow, fc, on, c)
    table.set_rate(rate, fc, on, c.meta)
    return uow.commit(table)


def import_rates(uow: UnitOfWork, c: m.ImportFxRates) -> CommandResult:
    on = c.on or uow.today()
    fc = functional_currency(uow)
    rates = []
    for n, r in enumerate(c.rates, 1):
        try:
            rates.append(make_rate(r.currency, r.rate_date, r.rate, fc))
        except InvalidValue as exc:
            raise InvalidValue(f"rates[{n - 1}].{exc}") from None
    table = _table(uow, fc, on, c)
    table.import_rates(rates, c.digest, c.force, fc, on, c.meta)
    return uow.commit(table)


# -- revaluation ------------------------------------------------------------------------------


def _monetary(chart: ChartRules, account: str, role: str | None) -> str | None:
    """The role a balance on this account is revalued under, or None for a non-monetary account."""
    if role in MONETARY_ROLES:
        return role
    acct = chart.accounts.get(account)
    if role == Role.BANK.value or (acct is not None and acct.subtype in (Subtype.BANK, Subtype.CASH)):
        return Role.BANK.value
    return None


def exposures(uow: UnitOfWork, as_of: date, fc: str, chart: ChartRules) -> list[Exposure]:
    """The open foreign-currency balances on the monetary accounts as of ``as_of``, from the
    posted facts (the write side's own log): receivables and payables per party and document,
    bank and cash accounts per account."""
    sums: dict[tuple[str, str, str, str | None, str | None], list[Decimal]] = defaultdict(
        lambda: [Decimal(0), Decimal(0)]
    )
    for _, event in uow.postings():
        journal = getattr(event, "journal", None)
        effective = getattr(event, "effective_date", None)
        if not journal or effective is None or effective > as_of:
            continue
        for line in journal:
            if line.currency == fc:
                continue
            role = _monetary(chart, line.account, role_of(line))
            if role is None:
                continue
            documented = role != Role.BANK.value
            party = line.party_id if documented else None
            document = line.document_id if documented else None
            acc = sums[(line.account, role, line.currency, party, document)]
            acc[0] += line.amount
            acc[1] += line.value
    return [
        Exposure(account, role, currency, amount, value, party, document)
        for (account, role, currency, party, document), (amount, value) in sums.items()
        if amount
    ]


def revalue(uow: UnitOfWork, c: m.RevalueFx) -> CommandResult:
    as_of = c.as_of
    if as_of > uow.today():
        raise InvalidValue(f"as_of: a revaluation is at a date that has come; {as_of} is after today ({uow.today()})")
    books, new_books = open_books(uow, as_of, c.meta, "this FX revaluation")
    found = revaluation_id(as_of)
    if uow.exists(found):
        raise AlreadyExists(f"the FX revaluation at {as_of} was already posted ({found}); nothing was changed")
    fc = books.functional_currency
    chart = uow.chart()
    open_balances = exposures(uow, as_of, fc, chart)
    table = rate_table(uow)
    closing: dict[str, Decimal] = {}
    used: list[FxRate] = []
    for currency in sorted({e.currency for e in open_balances}):
        rate = table.rate_on(currency, as_of) if table is not None and table.into == fc else None
        if rate is None:
            raise InvalidValue(
                f"as_of: no closing rate for {currency} on or before {as_of}: set one"
                f" (keel fx rate set {currency} RATE --on {as_of}) and revalue again"
            )
        closing[currency] = rate.rate
        used.append(rate)
    journal = revaluation_lines(open_balances, closing, fc, chart.roles, as_of)
    kept = sorted({ln.currency for ln in journal})
    revaluation = FxRevaluation.post(as_of, [r for r in used if r.currency in kept], journal, c.meta)
    return uow.commit(revaluation, new_books)


HANDLERS: Handlers = {
    m.SetFxRate: set_rate,
    m.ImportFxRates: import_rates,
    m.RevalueFx: revalue,
}
