"""Exchange rates by date into the functional currency, as events: one ``FxRates`` table per store.

A rate is units of the functional currency per unit of another currency (the convention every
document's ``rate`` follows, ADR 0006). The rate *in force* on a date is the latest one dated on or
before it. Rates are set one at a time (``RateSet``) or imported from a file (``RatesImported``,
all of them in one event, with the file's SHA-256 digest so the same file is not imported twice
by mistake). A later rate for the same currency and date replaces the earlier one from then on:
a correction is a new fact, never an edit.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING
from uuid import NAMESPACE_URL, uuid5

from ledger.errors import InvalidTransition, InvalidValue
from ledger.events import KeelAggregate, Meta
from ledger.money import minor_units, to_decimal
from ledger.policy import check_business_date

FX_RATES_ID = uuid5(NAMESPACE_URL, "keel:fx-rates")
MAX_RATE = Decimal(10) ** 9  # the HTTP pattern's bound: at most 9 digits before the point
RATE_DECIMALS = 12
MAX_IMPORT_ROWS = 100_000
_DIGEST_HEX = frozenset("0123456789abcdef")


@dataclass(frozen=True, slots=True)
class FxRate:
    """One rate: ``rate`` units of the functional currency per unit of ``currency``, from ``on``."""

    currency: str
    on: date
    rate: Decimal


def check_rate_value(text: str | Decimal, field: str = "rate") -> Decimal:
    """A positive decimal below 10^9 with at most 12 decimals (ASCII digits only)."""
    try:
        value = to_decimal(text)
    except InvalidValue as exc:
        raise InvalidValue(f"{field}: {exc}") from None
    if value <= 0:
        raise InvalidValue(f"{field}: an exchange rate is positive, got {text}")
    exponent = value.as_tuple().exponent
    if value >= MAX_RATE or (isinstance(exponent, int) and -exponent > RATE_DECIMALS):
        raise InvalidValue(f"{field}: at most 9 digits and {RATE_DECIMALS} decimals, got {text}")
    return value


def make_rate(currency: str, on: date, rate: str | Decimal, functional_currency: str) -> FxRate:
    """A rate checked: a known ISO 4217 currency other than the functional one, a business date,
    a positive rate. Errors name the field (``currency``, ``date``, ``rate``)."""
    if not (isinstance(currency, str) and len(currency) == 3 and currency.isascii() and currency.isupper()):
        raise InvalidValue(f"currency: an ISO 4217 code of three capital letters, got {str(currency)[:20]!r}")
    try:
        minor_units(currency)
    except InvalidValue:
        raise InvalidValue(f"currency: {currency} is not an ISO 4217 currency Keel knows") from None
    if currency == functional_currency:
        raise InvalidValue(f"currency: {currency} is the functional currency; its rate is always 1")
    check_business_date(on, "date")
    return FxRate(currency, on, check_rate_value(rate))


def check_digest(digest: str) -> str:
    if len(digest) != 64 or not set(digest) <= _DIGEST_HEX:
        raise InvalidValue("digest: the SHA-256 of the file, 64 lower-case hex digits")
    return digest


class FxRates(KeelAggregate):
    """The store's rate table: per currency, the rate by date (ISO date text, so the state is
    plain JSON in a snapshot), and the digests of the files imported."""

    TOPIC = "keel.FxRates"

    if TYPE_CHECKING:  # state set by the events; not constructor arguments
        into: str
        rates: dict[str, dict[str, Decimal]]
        digests: list[str]

    class Event(KeelAggregate.Event):
        pass

    class Created(Event, KeelAggregate.Created):
        TOPIC = "keel.fxrates.Created.v1"

    class Started(Created):
        TOPIC = "keel.fxrates.Started.v1"
        into: str  # the functional currency every rate is into

        def apply(self, table: FxRates) -> None:
            table.into = self.into
            table.rates = {}
            table.digests = []

    class RateSet(Event):
        TOPIC = "keel.fxrates.RateSet.v1"
        rate: FxRate

        def apply(self, table: FxRates) -> None:
            table._put([self.rate])

    class RatesImported(Event):
        TOPIC = "keel.fxrates.RatesImported.v1"
        rates: list[FxRate]
        digest: str
        forced: bool  # the same file was imported before, and the import was forced

        def apply(self, table: FxRates) -> None:
            table._put(self.rates)
            if self.digest not in table.digests:
                table.digests = [*table.digests, self.digest]

    def _put(self, rates: Iterable[FxRate]) -> None:
        changed = dict(self.rates)
        for r in rates:
            changed[r.currency] = {**changed.get(r.currency, {}), r.on.isoformat(): r.rate}
        self.rates = changed

    @classmethod
    def start(cls, into: str, on: date, meta: Meta) -> FxRates:
        minor_units(into)
        return cls._create(cls.Started, id=FX_RATES_ID, into=into, **meta.stamp(on))

    def _check_into(self, functional_currency: str) -> None:
        if functional_currency != self.into:
            raise InvalidTransition(
                f"the rate table is into {self.into}, but the books' functional currency is {functional_currency}"
            )

    def set_rate(self, rate: FxRate, functional_currency: str, on: date, meta: Meta) -> None:
        self._check_into(functional_currency)
        checked = make_rate(rate.currency, rate.on, rate.rate, functional_currency)
        if self.rates.get(checked.currency, {}).get(checked.on.isoformat()) == checked.rate:
            raise InvalidTransition(f"{checked.currency} is already {checked.rate} on {checked.on}")
        self.trigger_event(self.RateSet, rate=checked, **meta.stamp(on))

    def import_rates(
        self, rates: list[FxRate], digest: str, force: bool, functional_currency: str, on: date, meta: Meta
    ) -> None:
        """Every rate of one file in one event; the same file (by digest) again only when forced."""
        self._check_into(functional_currency)
        check_digest(digest)
        if not rates:
            raise InvalidValue("the file has no rates")
        if len(rates) > MAX_IMPORT_ROWS:
            raise InvalidValue(f"at most {MAX_IMPORT_ROWS} rates in one import, got {len(rates)}")
        seen: set[tuple[str, date]] = set()
        checked = []
        for n, r in enumerate(rates, 1):
            try:
                rate = make_rate(r.currency, r.on, r.rate, functional_currency)
            except InvalidValue as exc:
                raise InvalidValue(f"rate {n}: {exc}") from None
            if (rate.currency, rate.on) in seen:
                raise InvalidValue(f"rate {n}: {rate.currency} on {rate.on} is given twice")
            seen.add((rate.currency, rate.on))
            checked.append(rate)
        already = digest in self.digests
        if already and not force:
            raise InvalidTransition(
                f"this file (sha256 {digest[:12]}…) was imported before; import it again with --force (force=true)"
            )
        self.trigger_event(self.RatesImported, rates=checked, digest=digest, forced=already, **meta.stamp(on))

    def rate_on(self, currency: str, on: date) -> FxRate | None:
        """The rate in force on ``on``: the latest dated on or before it."""
        dates = self.rates.get(currency)
        if not dates:
            return None
        day = on.isoformat()
        found = max((d for d in dates if d <= day), default=None)
        return None if found is None else FxRate(currency, date.fromisoformat(found), dates[found])


def no_rate(currency: str, on: date | None, functional_currency: str) -> InvalidValue:
    """The error for a foreign currency without a rate given and none in the table."""
    if on is None:
        return InvalidValue(f"rate: {currency} is not the functional currency: give its rate to {functional_currency}")
    day = on.isoformat()
    return InvalidValue(
        f"rate: {currency} is not the functional currency and the rate table has no {currency} rate on or"
        f" before {day}: give its rate to {functional_currency},"
        f" or set one (keel fx rate set {currency} RATE --on {day})"
    )
