"""The main reports as SQL views over the analysts' datasets (DuckDB): ``keel export duckdb`` puts
them in its file, ``keel sql`` in its session."""

from __future__ import annotations

from projections.finance.general_ledger import YEAR_CLOSE_TOPIC

# The main reports as views: each reads its datasets as they are, so an analyst can read how a
# number is made and change it. ``trial_balance`` equals ``keel report trial-balance`` row for row
# (tested); ``profit_and_loss`` leaves out year-end closing entries as Keel's P&L does.
REPORT_VIEWS: dict[str, tuple[tuple[str, ...], str]] = {
    "trial_balance": (
        ("journal",),
        "SELECT account, account_name, account_type, currency,"
        " CASE WHEN balance > 0 THEN balance ELSE 0 END AS debit, CASE WHEN balance < 0 THEN -balance ELSE 0 END"
        " AS credit FROM (SELECT account, any_value(account_name) AS account_name,"
        " any_value(account_type) AS account_type, currency, SUM(debit) - SUM(credit) AS balance"
        " FROM journal GROUP BY account, currency) WHERE balance <> 0 ORDER BY account, currency",
    ),
    "profit_and_loss": (
        ("journal",),
        "SELECT date_trunc('month', effective_date)::DATE AS month, account, any_value(account_name) AS account_name,"
        " account_type, SUM(functional_credit) - SUM(functional_debit) AS amount,"
        " any_value(functional_currency) AS currency FROM journal"
        f" WHERE account_type IN ('income', 'expense') AND event_type <> '{YEAR_CLOSE_TOPIC}'"
        " GROUP BY month, account, account_type HAVING amount <> 0 ORDER BY month, account",
    ),
    "receivables": (
        ("open_items",),
        "SELECT party_id AS customer_id, currency,"
        " SUM(CASE WHEN role = 'receivable' THEN open_amount ELSE 0 END) AS receivable,"
        " -SUM(CASE WHEN role = 'customer_credit' THEN open_amount ELSE 0 END) AS credit,"
        " SUM(open_amount) AS net FROM open_items WHERE role IN ('receivable', 'customer_credit')"
        " GROUP BY party_id, currency HAVING receivable <> 0 OR credit <> 0 ORDER BY customer_id, currency",
    ),
    "pipeline": (
        ("deals",),
        "SELECT stage, currency, COUNT(*) AS deals, SUM(value) AS value, SUM(weighted) AS weighted"
        " FROM deals WHERE status = 'open' GROUP BY stage, currency ORDER BY stage, currency",
    ),
    "hours_by_person_month": (
        ("timesheets",),
        "SELECT person, date_trunc('month', day)::DATE AS month, SUM(hours) AS hours,"
        " SUM(CASE WHEN billable THEN hours ELSE 0 END) AS billable_hours FROM timesheets"
        " GROUP BY person, month ORDER BY person, month",
    ),
}
