from decimal import Decimal

import pytest

from ledger.accounts import BANK, RECEIVABLES, SERVICE_REVENUE
from ledger.chart import IMPLICIT
from ledger.errors import InvalidValue, Unbalanced
from ledger.journal import JournalLine, balanced


def line(account: str, amount: str, currency: str = "EUR") -> JournalLine:
    return JournalLine(account, Decimal(amount), currency)


def test_an_entry_must_balance_in_each_currency() -> None:
    with pytest.raises(Unbalanced, match=r"off by 1.00 USD"):
        balanced([line(BANK, "10.00"), line(SERVICE_REVENUE, "-10.00"), line(BANK, "1.00", "USD")])


def test_a_balanced_entry_drops_zero_lines() -> None:
    lines = balanced([line(RECEIVABLES, "12.40"), line(SERVICE_REVENUE, "-12.40"), line(BANK, "0.00")])
    assert [ln.account for ln in lines] == [RECEIVABLES, SERVICE_REVENUE]


def test_lines_must_be_rounded_to_the_minor_unit() -> None:
    with pytest.raises(InvalidValue, match="not rounded"):
        balanced([line(BANK, "0.005"), line(SERVICE_REVENUE, "-0.005")])


def test_lines_must_use_accounts_of_the_chart() -> None:
    with pytest.raises(InvalidValue, match="no account '9999'"):
        IMPLICIT.check_lines(balanced([line("9999", "1.00"), line(BANK, "-1.00")]))
