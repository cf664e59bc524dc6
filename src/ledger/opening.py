"""Opening balances and open items: how books kept elsewhere start in Keel (ADR 0035).

*Opening balances* are one journal entry dated the cut-over date, a line per account of the old
system's trial balance. Receivable and payable control accounts are not among them: their
balances are the open documents (``open_items``), each posted against the *opening-balance
account* (an equity or suspense account the business names), where the opening balances put the
control accounts' totals instead. Once both are imported, that account is zero.

A line in a foreign currency carries its functional value (no rate is guessed); the entry
balances in the functional currency, and per currency through conversion lines on the
opening-balance account (as any multi-currency entry balances per currency).

*Open items* become documents every read model already knows: an open customer invoice is an
``Invoice`` drafted and issued on its own date with its own number and due date, for the open
amount, posted receivable against the opening-balance account; an open supplier bill a ``Bill``
of one line on that account. Ageing, the forecast and the payment commands treat them as any.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from uuid import UUID

from ledger.accounts import Account, AccountType, Subtype
from ledger.chart import ChartRules
from ledger.customer import Customer
from ledger.errors import DomainError, InvalidValue
from ledger.events import Meta
from ledger.imports import Problems
from ledger.invoice import Invoice
from ledger.invoice_lines import make_line
from ledger.journal import EntryBalance, JournalLine, Posting
from ledger.money import Money, minor_units, to_decimal
from ledger.payables import Bill, BillLine, Supplier
from ledger.policy import check_identifier
from ledger.roles import Role, role_key

# The control roles whose balances are documents: an opening balance may not name their accounts.
DOCUMENT_ROLES = frozenset({Role.RECEIVABLE, Role.PAYABLE, Role.CUSTOMER_CREDIT, Role.EMPLOYEE_PAYABLE})
OPENING_MEMO = "Opening balance"


def grouped(amount: Decimal) -> str:
    """An amount as a reader of a trial balance reads it: 120,000.00."""
    return f"{amount:,}"


@dataclass(frozen=True, slots=True)
class Amounts:
    """One line's amounts, parsed: the signed amount and its signed functional value."""

    amount: Decimal
    value: Decimal


def posted_role(rules: ChartRules, code: str) -> str:
    """The role a line chosen by account posts under: the account's first non-control role (so the
    bank's lines count as the bank's), else none."""
    for key in rules.roles.roles_of(code):
        role = role_key(key)[0]
        if not role.control:
            return role.value
    return ""


def opening_account(rules: ChartRules, code: str | None) -> Account:
    """The opening-balance account: the one named, else the suspense role's; equity, or suspense."""
    if code is None:
        if Role.SUSPENSE.value not in rules.roles:
            raise InvalidValue(
                "against: name the opening-balance account (an equity account such as 3900 'Opening balances',"
                " added with `keel accounts add`), or map the suspense role"
            )
        code = rules.roles.code(Role.SUSPENSE)
    acct = rules.account(code)
    if not acct.active:
        raise InvalidValue(f"against: account {acct.code} {acct.name} is deactivated")
    if acct.type is not AccountType.EQUITY and acct.subtype != Subtype.SUSPENSE:
        raise InvalidValue(f"against: {acct.code} {acct.name} is neither an equity account nor a suspense account")
    if rules.control_role(acct.code) is not None:
        raise InvalidValue(f"against: {acct.code} {acct.name} is a control account")
    return acct


def account_problem(rules: ChartRules, code: str, currency: str | None) -> str | None:
    """Why a line may not post to ``code`` from an import, if it may not."""
    acct = rules.accounts.get(code)
    if acct is None:
        return f"unknown account code {code[:20]!r}: the chart of accounts has no such account (keel accounts add)"
    if not acct.active:
        return f"account {acct.code} {acct.name} is deactivated"
    if acct.is_group:
        return f"account {acct.code} {acct.name} is a group: it takes no postings"
    if currency and acct.currency is not None and currency != acct.currency:
        return f"account {acct.code} {acct.name} takes {acct.currency} only, not {currency}"
    return None


def parse_amounts(
    problems: Problems, line: int, debit: str, credit: str, currency: str, value: str | None, functional: str
) -> Amounts | None:
    """A line's debit or credit and, in a foreign currency, its functional value (positive), checked."""
    try:
        minor_units(currency)
    except DomainError as exc:
        problems.add(line, "currency", str(exc))
        return None
    parsed: dict[str, Decimal] = {}
    for name, text in (("debit", debit), ("credit", credit)):
        if text in _NOTHING:  # the side a line leaves empty: most files' every other cell
            parsed[name] = _ZERO
            continue
        try:
            amount = to_decimal(text.strip() or "0")
        except DomainError:
            problems.add(line, name, f"{text[:40]!r} is not an amount (digits, one '.' for decimals, no grouping)")
            continue
        if amount < 0:
            problems.add(line, name, f"must not be negative, got {amount}")
        elif not _rounded(amount, currency):
            problems.add(line, name, f"{amount} has more decimals than {currency} has")
        parsed[name] = amount
    if len(parsed) < 2:
        return None
    signed = parsed["debit"] - parsed["credit"]
    if (parsed["debit"] == 0) == (parsed["credit"] == 0):
        problems.add(line, "debit", "give either a debit or a credit, not both nor neither")
        return None
    if currency == functional:
        if value and value.strip() and to_decimal_or_none(value) != abs(signed):
            problems.add(line, "value", f"a {functional} line's value is its amount, {abs(signed)}")
        return Amounts(signed, signed)
    if value is None or not value.strip():
        problems.add(line, "value", f"a {currency} line needs its value in {functional} (the value column)")
        return None
    worth = to_decimal_or_none(value)
    if worth is None or worth < 0 or not _rounded(worth, functional):
        problems.add(line, "value", f"{value[:40]!r} is not a positive {functional} amount in minor units")
        return None
    return Amounts(signed, worth if signed > 0 else -worth)


_NOTHING = frozenset({"", "0"})
_ZERO = Decimal(0)


def _rounded(amount: Decimal, currency: str) -> bool:
    """``Money(amount, currency).is_rounded()``, decided from the exponent when it has no more
    places than the currency (an amount as a file writes it: 1234.56)."""
    exponent = amount.as_tuple().exponent
    if isinstance(exponent, int) and -exponent <= minor_units(currency):
        return True
    return Money(amount, currency).is_rounded()


def to_decimal_or_none(text: str) -> Decimal | None:
    try:
        return to_decimal(text.strip())
    except DomainError:
        return None


@dataclass(frozen=True, slots=True)
class OpeningLine:
    """One checked line of opening balances."""

    account: str
    currency: str
    amounts: Amounts
    party: str | None = None
    document: str | None = None
    role: str = ""  # the role it posts under (``posted_role``)


def check_dimension(problems: Problems, line: int, field: str, text: str | None) -> str | None:
    if text is None or not text.strip():
        return None
    try:
        return check_identifier(text.strip(), field)
    except DomainError as exc:
        problems.add(line, field, str(exc).removeprefix(f"{field}: "))
        return None


def opening_line(ln: OpeningLine) -> JournalLine:
    """The journal line of one checked line of opening balances."""
    a = ln.amounts
    dims = {"party_id": ln.party, "document_id": ln.document, "memo": OPENING_MEMO, "role": ln.role}
    return JournalLine(ln.account, a.amount, ln.currency, a.value, **dims)  # type: ignore[arg-type]


class OpeningTotals:
    """What checking opening balances keeps of their lines: totals, never the lines (ADR 0046).

    Each checked line is added; ``conversions`` are then the lines on the opening-balance account
    that balance each foreign currency, and ``balance`` (``journal.EntryBalance``) has seen every
    line the entry will have, so ``balance.check()`` proves the whole entry before any part of it
    is written.
    """

    def __init__(self, functional: str) -> None:
        self.functional = functional
        self.debits = self.credits = Decimal(0)  # in value
        self.foreign: dict[str, list[Decimal]] = defaultdict(lambda: [Decimal(0), Decimal(0)])
        self.balance = EntryBalance(functional)

    def add(self, ln: OpeningLine) -> None:
        a = ln.amounts
        if a.value > 0:
            self.debits += a.value
        else:
            self.credits -= a.value
        if ln.currency != self.functional:
            totals = self.foreign[ln.currency]
            totals[0] += a.amount
            totals[1] += a.value
        self.balance.add(ln.currency, a.amount, a.value)

    def conversions(self, against: Account | None) -> list[JournalLine]:
        """The conversion lines (none zero on both axes), each added to ``balance`` the first time."""
        lines: list[JournalLine] = []
        for currency, (amount, value) in sorted(self.foreign.items()):
            if (amount or value) and against is not None:
                memo = f"{OPENING_MEMO}: {currency} at its opening value"
                lines.append(JournalLine(against.code, -amount, currency, -value, memo=memo, role=""))
                lines.append(JournalLine(against.code, value, self.functional, value, memo=memo, role=""))
        return [ln for ln in lines if ln.amount != 0 or ln.value != 0]

    def close(self, against: Account | None) -> None:
        """Add the conversion lines to the balance: it has then seen the whole entry."""
        for ln in self.conversions(against):
            self.balance.add(ln.currency, ln.amount, ln.value)


def unbalanced_message(debits: Decimal, credits: Decimal, functional: str) -> str:
    zero = Money.zero(functional).amount
    d, c = debits + zero, credits + zero
    return (
        f"opening balances do not balance: debits {grouped(d)} {functional}, credits {grouped(c)} {functional},"
        f" difference {grouped(d - c)} {functional}"
    )


# -- open items ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class OpenItem:
    """One checked open document of the old system."""

    line: int
    kind: str  # invoice | bill
    number: str
    issued_on: date
    due_on: date
    amount: Money
    value: Decimal  # in the functional currency


def rate_of_item(item: OpenItem) -> Decimal:
    """The item's rate, exact enough that the open amount at it is worth the value given."""
    return Decimal(1) if item.value == item.amount.amount else item.value / item.amount.amount


def open_invoice(
    invoice_id: UUID, customer: Customer, item: OpenItem, against: str, functional: str, meta: Meta, rules: ChartRules
) -> Invoice:
    """An open customer invoice of the old system as an issued Keel invoice of its open amount."""
    amount = item.amount
    line = make_line(f"Open item {item.number} (imported)", "1", str(amount.amount), "0")
    invoice = Invoice.draft(invoice_id, customer.id, amount.currency, [line], item.issued_on, meta)
    rate = rate_of_item(item)
    posting = Posting(amount.currency, functional, rate, rules.roles)
    memo = f"Invoice {item.number} (opening)"
    dims = {"party_id": str(customer.id), "document_id": str(invoice_id), "memo": memo}
    posting.post(Role.RECEIVABLE, amount.amount, value=item.value, **dims)
    posting.add(against, -amount.amount, value=-item.value, **dims)
    invoice.trigger_event(
        Invoice.Issued,
        number=item.number,
        due_date=item.due_on,
        net=amount.amount,
        tax=Money.zero(amount.currency).amount,
        rate=rate,
        journal=posting.entry(),
        **meta.stamp(item.issued_on),
    )
    return invoice


def open_bill(
    bill_id: UUID, supplier: Supplier, item: OpenItem, against: str, functional: str, meta: Meta, rules: ChartRules
) -> Bill:
    """An open supplier bill of the old system as a Keel bill of its open amount on one line."""
    line = BillLine(f"Open item {item.number} (imported)", against, item.amount.amount)
    return Bill.record(
        bill_id,
        supplier,
        item.number,
        item.amount.currency,
        rate_of_item(item),
        [line],
        item.due_on,
        functional,
        item.issued_on,
        meta,
        rules.roles,
    )
