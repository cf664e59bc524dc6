"""The accounts a journal declares, added to the chart in the same commit as its entries (ADR 0038).

``keel export ledger`` declares every account of its chart (``account Assets:1010 Bank 2  ;
type:Asset, subtype:bank, parent:10``) and names the template the chart started from. Importing
it, the accounts this store's chart lacks are added, groups before the accounts they hold; a
declared account this chart has with another type is a problem on the directive's line. A store
that has neither a chart nor postings yet starts its chart from the file's template first (as
``keel books init`` would), so the books come back with the names they had. Everything is dated
the first business day: the file's accounts were there for all of its history.
"""

from __future__ import annotations

from commands.finance.chart import posted, template_policy
from commands.finance.import_messages import AccountRow, ImportJournal
from commands.unit_of_work import UnitOfWork
from ledger.accounts import Account, AccountType
from ledger.chart import CHART_ID, Chart
from ledger.chart_templates import DEFAULT_TEMPLATE, TEMPLATES
from ledger.errors import DomainError, NotFound
from ledger.expense_policy import ExpensePolicy
from ledger.imports import Problems
from ledger.policy import FIRST_DAY


def _chart(uow: UnitOfWork, c: ImportJournal, problems: Problems) -> tuple[Chart, ExpensePolicy | None, bool]:
    """The store's chart (the implicit one recorded, if need be); for a store with neither chart
    nor postings, one started from the file's template (then True)."""
    try:
        return uow.load(Chart, CHART_ID, label="chart of accounts"), None, False
    except NotFound:
        pass
    name = c.template or DEFAULT_TEMPLATE
    if name == DEFAULT_TEMPLATE or posted(uow):  # a store with postings keeps its chart
        return Chart.implicit(FIRST_DAY, c.meta), None, False
    if name not in TEMPLATES:
        problems.add(
            1, "chart", f"the file's chart template {name[:40]!r} is not one of {', '.join(sorted(TEMPLATES))}"
        )
        return Chart.implicit(FIRST_DAY, c.meta), None, False
    return Chart.start(name, FIRST_DAY, c.meta), template_policy(uow, name, FIRST_DAY, c.meta), True


def declare_accounts(
    uow: UnitOfWork, c: ImportJournal, problems: Problems
) -> tuple[Chart | None, ExpensePolicy | None]:
    """The chart with the file's missing accounts added (None: nothing to record), and the expense
    policy of a chart started from a template; problems are added, not raised."""
    if not c.accounts:
        return None, None
    chart, policy, fresh = _chart(uow, c, problems)
    pending = [a for a in c.accounts if not _known(chart, a, problems)]
    if not pending and not fresh:
        return None, None
    while pending:  # groups first: an account whose parent is declared later waits for it
        ready = [a for a in pending if a.parent is None or a.parent in chart.accounts] or pending
        for row in ready:
            try:
                account = Account(row.code, row.name, AccountType(row.type), row.subtype, row.parent, row.currency)
                chart.add_account(account, FIRST_DAY, c.meta)
            except DomainError as exc:
                field = str(exc).split(":", 1)[0]
                problems.add(row.line, field if field in FIELDS else "account", str(exc))
        pending = [a for a in pending if a not in ready]
    return chart, policy


FIELDS = ("code", "name", "subtype", "parent", "currency")


def _known(chart: Chart, row: AccountRow, problems: Problems) -> bool:
    """The chart has the account (a problem if with another type); or it is to be added."""
    have = chart.accounts.get(row.code)
    if have is None:
        return False
    if have.type.value != row.type:
        said = f"account {row.code} is {have.type.value} in this chart ({have.name}); the file declares it {row.type}"
        problems.add(row.line, "type", said)
    return True
