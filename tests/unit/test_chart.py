"""The chart of accounts as data: templates, accounts, roles and what posting may do."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from ledger.accounts import Account, AccountType
from ledger.chart import IMPLICIT, Chart
from ledger.chart_templates import DEFAULT_ROLES, MINIMAL, SERVICES_EU
from ledger.errors import InvalidTransition, InvalidValue
from ledger.events import Meta
from ledger.journal import JournalLine, Posting
from ledger.roles import Role, Roles

META = Meta(actor="unit")
ON = date(2026, 1, 1)


def started(template: str = "minimal") -> Chart:
    return Chart.start(template, ON, META)


def test_the_services_template_is_the_chart_keel_always_had() -> None:
    posting = [a.code for a in SERVICES_EU.accounts if not a.is_group]
    assert len(posting) == 29 and posting[:3] == ["1000", "1100", "1200"]  # 27, and unrealised FX's 4910, 7910
    groups = {a.code for a in SERVICES_EU.accounts if a.is_group}
    assert len(groups) == 12 and all(a.parent in groups for a in SERVICES_EU.accounts if not a.is_group)
    assert all(a.parent is not None and a.parent < a.code for a in SERVICES_EU.accounts if not a.is_group)
    assert IMPLICIT.version == 0 and IMPLICIT.roles.code(Role.RECEIVABLE) == "1100"
    assert IMPLICIT.account("2400").name == "Accrued liabilities"


def test_every_template_maps_its_roles_to_accounts_of_the_right_type() -> None:
    for template in (SERVICES_EU, MINIMAL):
        chart = Chart.start(template.name, ON, META)
        assert chart.rules.accounts == template.chart()
        assert dict(chart.rules.roles) == dict(template.roles)


def test_an_account_is_added_under_a_parent_of_its_own_type() -> None:
    chart = started()
    chart.add_account(Account("1010", "Bank — second account", AccountType.ASSET, "bank", "10"), ON, META)
    assert chart.accounts["1010"].parent == "10"
    with pytest.raises(InvalidValue, match="parent: 4000 Revenue is income, not asset"):
        chart.add_account(Account("1020", "Other", AccountType.ASSET, "bank", "4000"), ON, META)
    with pytest.raises(InvalidValue, match="parent: the chart of accounts has no account '1999'"):
        chart.add_account(Account("1020", "Other", AccountType.ASSET, "bank", "1999"), ON, META)
    with pytest.raises(InvalidTransition, match="already exists"):
        chart.add_account(Account("1010", "Again", AccountType.ASSET, "bank"), ON, META)


@pytest.mark.parametrize(
    ("account", "message"),
    [
        (Account("10-10", "X", AccountType.ASSET), "code: an account code is 1 to 10"),
        (Account("12345678901", "X", AccountType.ASSET), "code: an account code is 1 to 10"),
        (Account("1010", "A\u0000B", AccountType.ASSET), "name: control character"),
        (Account("1010", "x" * 201, AccountType.ASSET), "name: at most 200"),
        (Account("1010", " ", AccountType.ASSET), "name: an account needs a name"),
        (Account("1010", "X", "cash"), "type: an account's type is one of"),  # type: ignore[arg-type]
        (Account("1010", "X", AccountType.ASSET, "piggy"), "subtype: an account's sub-type is one of"),
        (Account("1010", "X", AccountType.INCOME, "bank"), "subtype: an account of sub-type bank is asset"),
        (Account("1010", "X", AccountType.ASSET, "bank", currency="EURO"), "currency: expected an ISO 4217"),
    ],
)
def test_a_malformed_account_is_refused_naming_the_field(account: Account, message: str) -> None:
    with pytest.raises(InvalidValue, match=message):
        started().add_account(account, ON, META)


def test_a_mapped_account_is_locked_and_an_unmapped_one_may_be_deactivated_and_reactivated() -> None:
    chart = started()
    locked = "1100 Accounts receivable is locked: it is mapped to the role receivable"
    with pytest.raises(InvalidTransition, match=locked):
        chart.deactivate("1100", ON, META)
    chart.add_account(Account("1010", "Savings", AccountType.ASSET, "bank"), ON, META)
    chart.deactivate("1010", ON, META)
    assert not chart.accounts["1010"].active
    with pytest.raises(InvalidTransition, match="deactivated: it takes no new postings"):
        chart.rules.check_lines([JournalLine("1010", Decimal(1), "EUR")])
    chart.reactivate("1010", ON, META)
    chart.rules.check_lines([JournalLine("1010", Decimal(1), "EUR")])


def test_a_role_moves_to_another_account_of_its_type_and_unlocks_the_old_one() -> None:
    chart = started()
    chart.add_account(Account("1010", "Main bank", AccountType.ASSET, "bank"), ON, META)
    with pytest.raises(InvalidValue, match="the role receivable maps to an asset account; 4000 Revenue is income"):
        chart.map_role("receivable", "4000", ON, META)
    with pytest.raises(InvalidValue, match="role: one of"):
        chart.map_role("piggy_bank", "1010", ON, META)
    chart.map_role("bank", "1010", ON, META)
    chart.deactivate("1000", ON, META)
    assert chart.rules.roles.code(Role.BANK) == "1010"


def test_output_tax_per_rate_falls_back_to_the_output_tax_role() -> None:
    chart = started()
    chart.add_account(Account("2110", "Output tax 10%", AccountType.LIABILITY, "tax"), ON, META)
    chart.map_role("output_tax:10", "2110", ON, META)
    roles = chart.rules.roles
    assert (roles.keyed(Role.OUTPUT_TAX, "10"), roles.keyed(Role.OUTPUT_TAX, "24")) == ("2110", "2100")
    posting = Posting("EUR", "EUR", roles=roles)
    posting.post(Role.RECEIVABLE, Decimal("11.00")).post(Role.REVENUE, Decimal("-10.00"))
    posting.post(Role.OUTPUT_TAX, Decimal("-1.00"), tax_code="10")
    assert [(ln.account, ln.role) for ln in posting.entry()] == [
        ("1100", "receivable"),
        ("4000", "revenue"),
        ("2110", "output_tax"),
    ]


def test_manual_entries_may_not_post_to_control_accounts() -> None:
    lines = [JournalLine("1100", Decimal(1), "EUR"), JournalLine("2400", Decimal(-1), "EUR")]
    IMPLICIT.check_lines(lines)  # a document may
    with pytest.raises(InvalidTransition, match="1100 Accounts receivable is the receivable account"):
        IMPLICIT.check_lines(lines, manual=True)
    IMPLICIT.check_lines([JournalLine("6000", Decimal(1), "EUR"), JournalLine("2400", Decimal(-1), "EUR")], manual=True)


def test_an_account_restricted_to_a_currency_takes_postings_in_it_only() -> None:
    chart = started()
    chart.add_account(Account("1020", "USD bank", AccountType.ASSET, "bank", currency="USD"), ON, META)
    chart.rules.check_lines([JournalLine("1020", Decimal(1), "USD")])
    with pytest.raises(InvalidValue, match="takes postings in USD only, not EUR"):
        chart.rules.check_lines([JournalLine("1020", Decimal(1), "EUR")])


def test_a_payment_goes_to_a_bank_account_of_the_chart_only() -> None:
    chart = started()
    chart.add_account(Account("1010", "Second bank", AccountType.ASSET, "bank"), ON, META)
    assert chart.rules.bank_account("1010") == "1010" and chart.rules.bank_account(None) is None
    with pytest.raises(InvalidValue, match="bank_account: 1100 Accounts receivable is not a bank account"):
        chart.rules.bank_account("1100")


def test_a_role_the_chart_does_not_map_is_named() -> None:
    with pytest.raises(InvalidValue, match="maps no account to the role rounding"):
        DEFAULT_ROLES.code(Role.ROUNDING)
    assert Roles({}).bank_account("1010") == "1010"


def test_a_group_takes_no_postings_and_no_role() -> None:
    chart = started()
    assert chart.accounts["10"].is_group and chart.accounts["1000"].parent == "10"
    with pytest.raises(InvalidValue, match="10 Cash and bank is a group: it takes no postings"):
        chart.rules.check_lines([JournalLine("10", Decimal("1.00"), "EUR", Decimal("1.00"))])
    with pytest.raises(InvalidValue, match="is a group; a role maps to an account that takes postings"):
        chart.map_role("bank", "10", ON, META)
    with pytest.raises(InvalidValue, match="parent: 1000 Bank takes postings"):
        chart.add_account(Account("1010", "Second bank", AccountType.ASSET, "bank", "1000"), ON, META)


def test_an_account_moves_under_another_group_of_its_type_and_never_under_itself() -> None:
    chart = started()
    chart.add_account(Account("12", "Liquid assets", AccountType.ASSET, "group"), ON, META)
    chart.move("10", "12", ON, META)  # groups nest
    chart.move("1200", None, ON, META)
    assert (chart.accounts["10"].parent, chart.accounts["1200"].parent) == ("12", None)
    with pytest.raises(InvalidValue, match="parent: 10 Cash and bank is grouped under 12"):
        chart.move("12", "10", ON, META)  # a cycle
    with pytest.raises(InvalidValue, match="cannot be its own parent"):
        chart.move("12", "12", ON, META)
    with pytest.raises(InvalidValue, match="parent: 20 Payables and accruals is liability, not asset"):
        chart.move("1100", "20", ON, META)
    with pytest.raises(InvalidTransition, match="already under 12"):
        chart.move("10", "12", ON, META)
    moved = [e for e in chart.collect_events() if isinstance(e, Chart.AccountMoved)]
    assert [(e.code, e.parent) for e in moved] == [("10", "12"), ("1200", None)]


def test_every_template_names_accounts_that_take_postings_for_its_expense_categories() -> None:
    for template in (SERVICES_EU, MINIMAL):
        accounts = template.chart()
        assert set(template.categories) == set(SERVICES_EU.categories)
        for code in template.categories.values():
            assert accounts[code].type in (AccountType.EXPENSE, AccountType.ASSET) and not accounts[code].is_group
