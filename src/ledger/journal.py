"""Journal lines and entries: the double-entry record each financial event carries.

A line's ``amount`` is signed (debits positive, credits negative) in the transaction
currency; ``functional`` is the same line valued in the books' functional currency at the
rate recorded with the event. An entry is valid only if every line is rounded to its
currency's minor unit, and the lines sum to zero in every transaction currency and in the
functional currency. A realised FX difference is a line with a zero amount and a non-zero
functional value.

Dimensions: ``party_id`` (customer, supplier or employee), ``document_id`` (invoice, bill,
claim, credit note, entry), ``cost_center``, ``project_id`` and ``tax_code``.

A line says the role it was posted under (``role``: ``receivable``, ``revenue``, …; ``""`` for a
line on an account the poster chose, a manual entry's or a bill's expense line). Lines stored
before lines carried roles have ``None``: ``ledger.chart_templates.role_of`` derives theirs from
the only chart there was then. Whether the accounts exist, are active and may be posted to is the
chart's to say (``ledger.chart.ChartRules``), checked on the write side for every event that posts.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, replace
from decimal import Decimal

from ledger.errors import InvalidValue, Unbalanced
from ledger.money import Money, minor_units
from ledger.policy import MAX_MINOR_UNITS
from ledger.roles import Role, Roles


@dataclass(frozen=True, slots=True)
class JournalLine:
    account: str
    amount: Decimal
    currency: str
    functional: Decimal | None = None  # None only in lines recorded before v2 (functional == amount)
    party_id: str | None = None
    document_id: str | None = None
    cost_center: str | None = None
    project_id: str | None = None
    tax_code: str | None = None
    memo: str = ""
    role: str | None = None  # None only in lines recorded before lines carried roles

    @property
    def money(self) -> Money:
        return Money(self.amount, self.currency)

    @property
    def value(self) -> Decimal:
        """The functional-currency value (v1 lines carried none: they were at rate 1)."""
        return self.amount if self.functional is None else self.functional

    def reversed(self) -> JournalLine:
        return replace(self, amount=-self.amount, functional=None if self.functional is None else -self.functional)


def balanced(lines: Iterable[JournalLine], functional_currency: str | None = None) -> list[JournalLine]:
    """Validate and return the lines of one entry, dropping lines that are zero on both axes.

    Raises Unbalanced unless the lines sum to zero per currency and, in value, overall.
    """
    kept = [line for line in lines if line.amount != 0 or line.value != 0]
    if not kept:
        raise InvalidValue("a journal entry needs at least one non-zero line")
    totals: dict[str, Decimal] = defaultdict(Decimal)
    debits: dict[str, int] = defaultdict(int)  # minor units, per currency and in value ("")
    value = Decimal(0)
    for line in kept:
        if not line.money.is_rounded():
            raise InvalidValue(f"line {line.account} {line.money} is not rounded to the minor unit")
        debits[line.currency] += max(line.money.to_minor(), 0)  # refuses amounts beyond the input policy
        if functional_currency:
            valued = Money(line.value, functional_currency)
            if not valued.is_rounded():
                raise InvalidValue(f"line {line.account} value {line.value} is not rounded to the minor unit")
            debits[""] += max(valued.to_minor(), 0)
        totals[line.currency] += line.amount
        value += line.value
    # One entry moves at most MAX_MINOR_UNITS in any currency: the read models' monthly sums rely on it.
    for currency, total in debits.items():
        if total > MAX_MINOR_UNITS:
            what = f"in {currency}" if currency else f"in value ({functional_currency})"
            raise InvalidValue(f"the entry's debits {what} exceed what Keel accepts ({MAX_MINOR_UNITS} minor units)")
    off = {cur: total for cur, total in totals.items() if total != 0}
    if off:
        detail = ", ".join(f"{total} {cur}" for cur, total in sorted(off.items()))
        raise Unbalanced(f"journal entry does not balance: off by {detail}")
    if value != 0:
        raise Unbalanced(f"journal entry does not balance in the functional currency: off by {value}")
    return kept


class EntryBalance:
    """The balance of one entry too large for one event (ADR 0046), proven before any part is written.

    Lines are added as they are checked, without being kept: ``add`` takes a line's currency, amount
    and functional value, which the caller has already checked rounded to their minor units (as it
    parsed them). ``check`` then applies ``balanced``'s rules to the whole: at least one non-zero
    line, the debits within ``MAX_MINOR_UNITS`` per currency and in value, and zero per currency and
    in value; it raises what ``balanced`` raises, with the same words (a single line beyond the bound,
    which ``balanced`` names, is refused here by the entry's bound).
    """

    def __init__(self, functional_currency: str) -> None:
        self.functional_currency = functional_currency
        self.totals: dict[str, Decimal] = defaultdict(Decimal)
        self.debits: dict[str, Decimal] = defaultdict(Decimal)  # per currency, and in value ("")
        self.value = Decimal(0)
        self.lines = 0  # the non-zero ones

    def add(self, currency: str, amount: Decimal, value: Decimal) -> None:
        if amount == 0 and value == 0:
            return
        self.lines += 1
        self.totals[currency] += amount
        self.value += value
        if amount > 0:
            self.debits[currency] += amount
        if value > 0:
            self.debits[""] += value

    def check(self) -> None:
        if not self.lines:
            raise InvalidValue("a journal entry needs at least one non-zero line")
        for currency, total in self.debits.items():
            places = minor_units(currency or self.functional_currency)
            if total.scaleb(places) > MAX_MINOR_UNITS:
                what = f"in {currency}" if currency else f"in value ({self.functional_currency})"
                limit = f"({MAX_MINOR_UNITS} minor units)"
                raise InvalidValue(f"the entry's debits {what} exceed what Keel accepts {limit}")
        off = {cur: total for cur, total in self.totals.items() if total != 0}
        if off:
            detail = ", ".join(f"{total} {cur}" for cur, total in sorted(off.items()))
            raise Unbalanced(f"journal entry does not balance: off by {detail}")
        if self.value != 0:
            raise Unbalanced(f"journal entry does not balance in the functional currency: off by {self.value}")


def reverse(lines: Iterable[JournalLine], memo: str | None = None) -> list[JournalLine]:
    """The lines that undo ``lines``; ``memo``, when given, says on every line what undid them
    (a void must not read like the document it cancels)."""
    undone = [line.reversed() for line in lines]
    return undone if memo is None else [replace(line, memo=memo) for line in undone]


class Posting:
    """Builds the lines of one entry in a transaction currency valued at one rate.

    ``rate`` is functional currency per unit of transaction currency. Each line's value is
    rounded half-up; any rounding residual goes to the largest line, so the entry balances
    in value exactly (the residual is at most half a minor unit per line).
    """

    def __init__(
        self, currency: str, functional_currency: str, rate: Decimal = Decimal(1), roles: Roles | None = None
    ) -> None:
        if rate <= 0:
            raise InvalidValue(f"exchange rate must be positive, got {rate}")
        if currency == functional_currency and rate != 1:
            raise InvalidValue(f"the rate of {currency} to itself is 1, got {rate}")
        self.currency, self.functional_currency, self.rate = currency, functional_currency, rate
        self.roles = roles
        self.lines: list[JournalLine] = []

    def _roles(self) -> Roles:
        if self.roles is None:
            raise ValueError("this posting was built without the chart's roles")
        return self.roles

    def value_of(self, amount: Decimal) -> Decimal:
        return Money(amount * self.rate, self.functional_currency).rounded().amount

    def add(self, code: str, amount: Decimal, value: Decimal | None = None, **dims: str | None) -> Posting:
        """Add a signed line; ``value`` overrides the valuation (for amounts carried at another rate)."""
        line = JournalLine(code, amount, self.currency, self.value_of(amount) if value is None else value, role="")
        self.lines.append(replace(line, **dims))  # type: ignore[arg-type]
        return self

    def post(
        self, role: Role, amount: Decimal, value: Decimal | None = None, *, code: str | None = None, **dims: str | None
    ) -> Posting:
        """Add a signed line on the account the chart maps to ``role`` (or ``code``, an account
        chosen for that role, such as one bank account of several); output and input tax go to
        their rate's account when the chart maps one (``tax_code``)."""
        if code is None:
            taxed = role in (Role.OUTPUT_TAX, Role.INPUT_TAX)
            code = self.account(role, dims.get("tax_code") if taxed else None)
        return self.add(code, amount, value, role=role.value, **dims)

    def account(self, role: Role, key: str | None = None) -> str:
        """The account the chart maps to ``role``, or to ``role:key`` where it maps one (a tax rate,
        a service line's revenue)."""
        return self._roles().keyed(role, key)

    def fx_difference(self, **dims: str | None) -> Posting:
        """Balance the entry's value with a realised FX gain (credit) or loss (debit) line."""
        residual = sum((line.value for line in self.lines), Decimal(0))
        if residual:
            role = Role.FX_GAIN if residual > 0 else Role.FX_LOSS
            zero = Money.zero(self.currency).amount
            self.post(role, zero, -residual, **dims)
        return self

    def entry(self) -> list[JournalLine]:
        """The balanced lines, with rounding residuals of the valuation absorbed."""
        lines = [ln for ln in self.lines if ln.amount != 0 or ln.value != 0]
        off = sum((line.amount for line in lines), Decimal(0))
        if off:
            raise Unbalanced(f"journal entry does not balance: off by {off} {self.currency}")
        residual = sum((line.value for line in lines), Decimal(0))
        tolerance = Money.from_minor(1, self.functional_currency).amount * len(lines) / 2
        if abs(residual) > tolerance:
            raise Unbalanced(f"journal entry does not balance in value: off by {residual}")
        if residual and lines:
            i = max(range(len(lines)), key=lambda k: abs(lines[k].value))
            lines[i] = replace(lines[i], functional=lines[i].value - residual)
        return balanced(lines, self.functional_currency)
