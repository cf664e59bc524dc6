"""No event an import accepts stops a read model (ADR 0035, ADR 0025).

Files of opening balances, open items and journals are drawn with hostile values in every field a
file carries (control characters, lone surrogates, texts past every limit, amounts of every
spelling and size, odd currencies and dates). Each import is either refused whole — nothing
written — or accepted; after every accepted one, every projection on SQLite and PostgreSQL has
folded all of it, and the trial balance balances.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import date

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from api.imports.csv_files import open_items, opening_balances
from api.imports.files import ImportFile
from api.imports.ledger_text import journal
from api.system import Keel
from commands import messages as m
from commands.finance import imports as finance_imports
from commands.messages import Command
from ledger.errors import DomainError
from ledger.events import Meta
from projections.finance.reports import trial_balance

META = Meta("test:hostile-import")
NASTY = ["", " ", "A\u0000B", "\ud800", "line\nbreak", "tab\there", "\u202eevil", "'; DROP TABLE x; --", "é" * 201]
texts = st.one_of(st.sampled_from(NASTY), st.text(max_size=12), st.sampled_from(["Globex GmbH", "RE-1", "P-7"]))
amounts = st.one_of(
    st.sampled_from(["0", "0.00", "-1", "1e5", "NaN", "1,00", "1.234,56", "0.001", "\u0661", "999999999999999.99"]),
    st.decimals(min_value=0, max_value=10**9, places=2, allow_nan=False).map(str),
)
currencies = st.sampled_from(["EUR", "EUR", "USD", "JPY", "KWD", "XXX", "eur", ""])
days = st.sampled_from(["2025-11-15", "2025-12-31", "2026-01-01", "2026-02-30", "15.12.2025", "1899-12-31", ""])
accounts = st.sampled_from(["1000", "1100", "2000", "3000", "3900", "4000", "9999", "", "1000 "])


def _csv(header: list[str], rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8", "surrogatepass")


opening_rows = st.lists(
    st.tuples(accounts, amounts, amounts, currencies, st.one_of(st.just(""), amounts), texts, texts).map(
        lambda r: [r[0], r[1], "" if r[1] != "0" else r[2], r[3], r[4], r[5], r[6]]
    ),
    min_size=1,
    max_size=6,
)
item_rows = st.lists(
    st.tuples(st.sampled_from(["invoice", "bill", "credit"]), texts, texts, days, days, currencies, amounts, amounts),
    min_size=1,
    max_size=5,
)
postings = st.lists(st.tuples(accounts, amounts, currencies, st.booleans()), min_size=1, max_size=4)
transactions = st.lists(st.tuples(days, texts, postings), min_size=1, max_size=4)


def _ledger(drawn: list[tuple[str, str, list[tuple[str, str, str, bool]]]]) -> bytes:
    lines = ["; functional currency EUR", ""]
    for day, memo, posts in drawn:
        lines.append(f"{day} * {memo.splitlines()[0] if memo.strip() else 'x'}")
        for account, amount, currency, negative in posts:
            sign = "-" if negative else ""
            lines.append(f"    Assets:{account} Somewhere  {sign}{amount} {currency or 'EUR'}")
        lines.append("")
    return "\n".join(lines).encode("utf-8", "surrogatepass")


def _attempt(keel: Keel, build: Callable[[], Command]) -> bool:
    """Import what ``build`` reads; True when it was accepted (and every read model folded it)."""
    before = keel.app.head_position()
    try:
        keel.app.handle(build())
    except DomainError:
        assert keel.app.head_position() == before  # refused whole: nothing written
        return False
    keel.engine.catch_up()  # raises ProjectionFailed if any projection stopped on an event
    assert [(s.name, s.lag) for s in keel.engine.status() if s.lag] == []
    assert trial_balance(keel.views, date(2999, 12, 31)).balanced
    return True


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(opening=opening_rows, items=item_rows, ledger=transactions)
def test_hostile_import_files_are_refused_whole_or_folded_by_every_read_model(
    keel: Keel,
    opening: list[list[str]],
    items: list[tuple[str, ...]],
    ledger: list[tuple[str, str, list[tuple[str, str, str, bool]]]],
) -> None:
    if keel.app.head_position() == 0:
        add = m.AddAccount(meta=META, code="3900", name="Opening balances", type="equity", on=date(2000, 1, 1))
        keel.app.handle(add)
    header = ["account", "debit", "credit", "currency", "value", "party", "document"]
    file = ImportFile("opening.csv", _csv(header, opening))
    _attempt(keel, lambda: opening_balances(file, date(2026, 1, 1), META, "3900", force=True))
    # The same file as an entry in parts of two lines (ADR 0046): refused whole or folded the same way.
    whole, finance_imports.PART_LINES = finance_imports.PART_LINES, 2
    try:
        _attempt(keel, lambda: opening_balances(file, date(2026, 1, 1), META, "3900", force=True))
    finally:
        finance_imports.PART_LINES = whole
    header = ["kind", "party", "number", "issue_date", "due_date", "currency", "amount", "value"]
    items_file = ImportFile("items.csv", _csv(header, [list(r) for r in items]))
    _attempt(keel, lambda: open_items(items_file, META, "3900", force=True))
    ledger_file = ImportFile("old.ledger", _ledger(ledger))
    _attempt(keel, lambda: journal(ledger_file, META, force=True))


def test_a_plain_story_of_imports_is_accepted_and_folded(keel: Keel) -> None:
    keel.app.handle(m.AddAccount(meta=META, code="3900", name="Opening balances", type="equity", on=date(2000, 1, 1)))
    opening = _csv(
        ["account", "debit", "credit", "currency"], [["1000", "10.00", "", "EUR"], ["3000", "", "10.00", ""]]
    )
    assert _attempt(keel, lambda: opening_balances(ImportFile("o.csv", opening), date(2026, 1, 1), META))
    row = ["invoice", "Globex", "RE-1", "2025-12-01", "2025-12-31", "JPY", "1000", "7.00"]
    items = _csv(["kind", "party", "number", "issue_date", "due_date", "currency", "amount", "value"], [row])
    assert _attempt(keel, lambda: open_items(ImportFile("i.csv", items), META, "3900"))
