"""Bank statements as values: what a bank says happened on one of the business's accounts.

A ``Statement`` is an account's booked lines between two dates, with the opening and closing
balances the bank printed when it printed them. A ``StatementLine`` is one booked movement, signed
(money in is positive), with what reconciliation matches on: the remittance text, the end-to-end
or creditor reference, the counterparty's name and IBAN, the bank's own reference, the fee the
bank took. Each line has a ``line_key`` that names it across overlapping statements of the same
account, so importing the same movement twice can be recognised (issue 18).

Values only: the readers that build them from CAMT.053, OFX and CSV bytes live at the edge
(``api/statements``). Every text is bounded by the input policy (ADR 0025) when a value is built.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache

from ledger.errors import InvalidValue
from ledger.money import Money, minor_units
from ledger.policy import NAME, TEXT, check_business_date, check_identifier, check_text, check_window

# IBAN lengths by country (ISO 13616 registry); a country not listed is checked by mod-97 only.
_IBAN_LENGTH_TABLE = (
    "AD24 AE23 AL28 AT20 AZ28 BA20 BE16 BG22 BH22 BR29 BY28 CH21 CR22 CY28 CZ24 DE22 DK18 DO28 EE20 EG29"
    " ES24 FI18 FO18 FR27 GB22 GE22 GI23 GL18 GR27 GT28 HR21 HU28 IE22 IL23 IQ23 IS26 IT27 JO30 KW30 KZ20"
    " LB28 LC32 LI21 LT20 LU20 LV21 MC27 MD24 ME22 MK19 MR27 MT31 MU30 NL18 NO15 PK24 PL28 PS29 PT25 QA29"
    " RO24 RS22 SA24 SC31 SE24 SI19 SK24 SM27 TL23 TN24 TR26 UA29 VA22 VG24 XK20"
)
_IBAN_LENGTHS = {entry[:2]: int(entry[2:]) for entry in _IBAN_LENGTH_TABLE.split(" ")}
_IBAN_SHAPE = re.compile(r"[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}")


def normalise_iban(value: str) -> str:
    """An IBAN as written on paper (``GR16 0110 1250 …``) in its electronic form: no spaces, upper case."""
    return value.replace(" ", "").upper()


def looks_like_iban(value: str) -> bool:
    return _IBAN_SHAPE.fullmatch(normalise_iban(value)) is not None


def check_iban(value: str, field: str = "iban") -> str:
    """The IBAN in electronic form if its country length and mod-97 check digits hold; else InvalidValue."""
    return _checked_iban(value, field)


@lru_cache(maxsize=4096)  # a statement names its own account on every line, and the same payers often
def _checked_iban(value: str, field: str) -> str:
    check_text(value, NAME, field)
    iban = normalise_iban(value)
    if not _IBAN_SHAPE.fullmatch(iban):
        raise InvalidValue(
            f"{field}: {value[:40]!r} is not an IBAN (two letters, two check digits, 11 to 30 letters or digits)"
        )
    expected = _IBAN_LENGTHS.get(iban[:2])
    if expected is not None and len(iban) != expected:
        raise InvalidValue(f"{field}: an IBAN of {iban[:2]} has {expected} characters, {iban} has {len(iban)}")
    digits = "".join(str(int(ch, 36)) for ch in iban[4:] + iban[:4])
    if int(digits) % 97 != 1:
        raise InvalidValue(f"{field}: {iban} is not a valid IBAN: its check digits do not match (mod 97)")
    return iban


@lru_cache(maxsize=256)  # a statement names its account on every line
def check_account(value: str, field: str = "account") -> str:
    """A bank account as a statement names it: an IBAN (checked) or the bank's own identifier."""
    if looks_like_iban(value):
        return check_iban(value, field)
    return check_identifier(value, field)


def _check_money(value: Money, currency: str, field: str) -> int:
    """The amount in minor units, if it is Money in ``currency`` within the input policy."""
    if not isinstance(value, Money):
        raise InvalidValue(f"{field}: expected Money, got {type(value).__name__}")
    if value.currency != currency:
        raise InvalidValue(f"{field}: {value} is not in the statement's currency {currency}")
    try:
        return value.to_minor()  # rounded to the currency's minor unit, within the input policy's bound
    except InvalidValue as exc:
        raise InvalidValue(f"{field}: {exc}") from None


def _digest(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:32]


@dataclass(frozen=True, slots=True)
class StatementLine:
    """One booked movement on a bank account; ``amount`` is positive for money in, negative for money out.

    ``reference`` is the payer's reference (the creditor reference, else the end-to-end id);
    ``bank_reference`` is the bank's own id for the movement (CAMT ``AcctSvcrRef``, OFX ``FITID``);
    ``charges`` is the fee the bank took for it, as a positive amount, when the bank says so;
    ``occurrence`` tells apart identical lines without a bank reference on one day (0, 1, …: see
    ``Occurrences``). ``line_key`` is derived, never given.
    """

    account: str
    booking_date: date
    amount: Money
    description: str = ""
    value_date: date | None = None
    reference: str | None = None
    counterparty_name: str | None = None
    counterparty_iban: str | None = None
    bank_reference: str | None = None
    charges: Money | None = None
    occurrence: int = 0
    line_key: str = field(init=False, default="")

    def __post_init__(self) -> None:
        object.__setattr__(self, "account", check_account(self.account))
        check_business_date(self.booking_date, "booking_date")
        if self.value_date is not None:
            check_business_date(self.value_date, "value_date")
        minor = _check_money(self.amount, self.amount.currency if isinstance(self.amount, Money) else "", "amount")
        if self.charges is not None:
            _check_money(self.charges, self.amount.currency, "charges")
            if self.charges.amount < 0:
                raise InvalidValue(f"charges: {self.charges} is negative; a fee is given as a positive amount")
        check_text(self.description, TEXT, "description")
        for name, rule in (("reference", TEXT), ("counterparty_name", NAME), ("bank_reference", NAME)):
            value = getattr(self, name)
            if value is not None:
                check_text(value, rule, name)
                if not value.strip():
                    raise InvalidValue(f"{name}: empty; leave it out (None) instead")
        if self.counterparty_iban is not None:
            object.__setattr__(self, "counterparty_iban", check_iban(self.counterparty_iban, "counterparty_iban"))
        if isinstance(self.occurrence, bool) or not isinstance(self.occurrence, int) or self.occurrence < 0:
            raise InvalidValue(f"occurrence: a count from 0, got {self.occurrence!r}")
        object.__setattr__(self, "line_key", line_key(self, minor))

    @property
    def identity(self) -> tuple[str, str, int, str, str]:
        """What makes a line without a bank reference itself, before its occurrence on the day."""
        return (
            self.booking_date.isoformat(),
            self.amount.currency,
            self.amount.to_minor(),
            self.reference or "",
            self.description,
        )


def line_key(line: StatementLine, minor: int | None = None) -> str:
    """A stable name for a line across overlapping statements of one account.

    The bank's reference when it gives one (banks keep it unique per account); otherwise the
    account, booking date, amount, reference, description and the line's occurrence among the
    day's identical lines. Two statements that both cover a day give its lines the same keys.
    """
    if line.bank_reference is not None:
        return _digest("bank", line.account, line.bank_reference)
    return _identity_key(line, line.occurrence, minor)


def _identity_key(line: StatementLine, occurrence: int, minor: int | None = None) -> str:
    booked, currency = line.booking_date.isoformat(), line.amount.currency
    units = line.amount.to_minor() if minor is None else minor  # known when the line is being built
    reference, description = line.reference or "", line.description
    return _digest("line", line.account, booked, currency, str(units), reference, description, str(occurrence))


class Occurrences:
    """Counts identical lines without a bank reference, so each gets its own ``occurrence``.

    A reader passes each line through ``number`` in the statement's order; the first of a kind
    is 0. Lines with a bank reference are not counted (their key is the reference). What it keeps
    is 64 bits of a digest per distinct line (about 70 bytes each), not the lines.
    """

    def __init__(self) -> None:
        self._seen: dict[int, int] = {}

    def number(self, line: StatementLine) -> StatementLine:
        """The line with its occurrence set (the same line when it has a bank reference)."""
        if line.bank_reference is not None:
            return line
        # The key of the day's first such line is a digest of the account and the identity: what
        # tells lines apart here. A reader's fresh line (occurrence 0) has it already.
        first = line.line_key if line.occurrence == 0 else _identity_key(line, 0)
        identity = int(first[:16], 16)
        count = self._seen.get(identity, 0)
        self._seen[identity] = count + 1
        if count == line.occurrence:
            return line
        return StatementLine(
            account=line.account,
            booking_date=line.booking_date,
            amount=line.amount,
            description=line.description,
            value_date=line.value_date,
            reference=line.reference,
            counterparty_name=line.counterparty_name,
            counterparty_iban=line.counterparty_iban,
            bank_reference=line.bank_reference,
            charges=line.charges,
            occurrence=count,
        )


def balance_difference(opening: Money | None, lines_total: Money, closing: Money | None) -> Money | None:
    """``opening + lines - closing`` when the statement gives both balances (zero when they agree); else None."""
    if opening is None or closing is None:
        return None
    return opening + lines_total - closing


@dataclass(frozen=True, slots=True)
class Statement:
    """An account's booked lines over a period, with the balances the bank printed (either may be absent).

    ``account`` is the account's IBAN when the statement gives one, else the bank's identifier;
    ``source_format`` names what it was read from (``camt.053.001.02``, ``ofx-1``, ``csv``).
    """

    account: str
    currency: str
    lines: tuple[StatementLine, ...] = ()
    statement_id: str | None = None
    from_date: date | None = None
    to_date: date | None = None
    opening_balance: Money | None = None
    closing_balance: Money | None = None
    source_format: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "account", check_account(self.account))
        minor_units(self.currency)
        object.__setattr__(self, "lines", tuple(self.lines))
        if self.statement_id is not None:
            check_text(self.statement_id, NAME, "statement_id")
        check_text(self.source_format, NAME, "source_format")
        for name in ("from_date", "to_date"):
            value = getattr(self, name)
            if value is not None:
                check_business_date(value, name)
        check_window(self.from_date, self.to_date)
        for name in ("opening_balance", "closing_balance"):
            value = getattr(self, name)
            if value is not None:
                _check_money(value, self.currency, name)
        for i, line in enumerate(self.lines):
            if not isinstance(line, StatementLine):
                raise InvalidValue(f"lines[{i}]: expected a StatementLine, got {type(line).__name__}")
            if line.account != self.account:
                raise InvalidValue(f"lines[{i}]: the line is for account {line.account}, not {self.account}")
            if line.amount.currency != self.currency:
                raise InvalidValue(f"lines[{i}]: {line.amount} is not in the statement's currency {self.currency}")

    def total(self) -> Money:
        """The sum of the lines' amounts (money in less money out)."""
        total = Money.zero(self.currency)
        for line in self.lines:
            total = total + line.amount
        return total

    def balance_difference(self) -> Money | None:
        """``opening + lines - closing``: zero when the statement adds up, None when a balance is missing."""
        return balance_difference(self.opening_balance, self.total(), self.closing_balance)
