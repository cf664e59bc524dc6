"""A ledger journal (the ledger-cli / hledger shape ``keel export ledger`` writes), read at the
edge into an import command (ADR 0035).

A transaction is a line ``YYYY-MM-DD [*|!] [(code)] description`` followed by indented postings
``ACCOUNT  AMOUNT CUR [@@ VALUE FUNCTIONAL]``; ``;`` starts a comment. An account is named by its
code: the first word of its last ``:`` part (``Assets:1100 Accounts receivable`` is 1100). Every
posting states its amount (none is left to be inferred); a foreign amount states its total value
in the functional currency with ``@@``. The header's ``functional currency XXX`` is checked
against the books'; its ``chart TEMPLATE`` says which template an empty store starts from.

``account NAME  ; type:Asset, subtype:bank, parent:10, currency:USD`` declares an account (ADR
0038): its type is an hledger type word (Asset, Liability, Equity, Revenue, Expense, or their
letters) or Keel's (income, …), else the name's root (``Assets:``, ``Income:`` …). The import
creates the declared accounts the chart lacks. Other directives (``commodity``, ``P``,
``include`` …) are refused.
"""

from __future__ import annotations

import re

from api.imports.files import ImportFile, amount_text, date_of
from commands.messages import AccountRow, ImportJournal, PostingRow, TransactionRow
from ledger.events import Meta
from ledger.imports import Problems

_HEADER = re.compile(r"(\S+)\s*(?:[*!]\s+)?(?:\([^)]*\)\s+)?(.*)")
_POSTING = re.compile(r"(\S(?:.*?\S)?)(?:\s{2,}|\t)\s*(\S.*)")
_AMOUNT = re.compile(r"(\S+) ([A-Z]{3})(?: @@ (\S+) ([A-Z]{3}))?")
_FUNCTIONAL = re.compile(r"functional currency ([A-Z]{3})")
_TEMPLATE = re.compile(r"; chart ([a-z0-9-]{1,40})\b")
_TAG = re.compile(r"([A-Za-z_-]+):\s*([^,]*)")
_TYPES = {
    **{t: t for t in ("asset", "liability", "equity", "income", "expense")},
    **{"a": "asset", "l": "liability", "e": "equity", "r": "income", "x": "expense", "c": "asset"},
    **{"revenue": "income", "cash": "asset", "assets": "asset", "liabilities": "liability"},
    **{"expenses": "expense", "revenues": "income"},
}
MEMO_MAX = 500


def _code(account: str) -> str:
    last = account.rsplit(":", 1)[-1].strip()
    return last.split()[0] if last else ""


def journal(file: ImportFile, meta: Meta, force: bool = False) -> ImportJournal:
    problems = Problems()
    functional: str | None = None
    template: str | None = None
    accounts: list[AccountRow] = []
    transactions: list[TransactionRow] = []
    current: TransactionRow | None = None
    postings: list[PostingRow] = []
    lines = file.text().splitlines()

    broken = False  # a posting of the current transaction had a problem: the transaction is left out

    def close() -> None:
        nonlocal current
        if current is not None and not broken:
            done = TransactionRow(line=current.line, on=current.on, memo=current.memo, postings=tuple(postings))
            transactions.append(done)
        current = None

    for number, raw in enumerate(lines, start=1):
        text = raw.rstrip()
        stripped = text.strip()
        if not stripped:
            continue
        if stripped[0] in ";#*%|":
            if number <= 3 and functional is None:
                functional, template = _header(stripped)
            continue
        if text[0] in " \t":
            if current is None and not problems.found:
                problems.add(number, "", "a posting outside a transaction")
            if current is not None:
                if (posting := _posting(problems, number, stripped.split(";", 1)[0].rstrip(), functional)) is None:
                    broken = True
                else:
                    postings.append(posting)
            continue
        close()
        postings, broken = [], False
        match = _HEADER.fullmatch(stripped)
        head = match.group(1) if match else stripped.split()[0]
        if head == "account":
            accounts += _account(problems, number, stripped[len(head) :])
            continue
        if not head[:1].isdigit():
            problems.add(number, "", f"{head[:20]!r}: directives are not imported; only transactions")
            continue
        day = date_of(problems, number, "date", head.split("=", 1)[0])
        if day is None:
            continue
        memo = (match.group(2) if match else "").strip()
        current = TransactionRow(line=number, on=day, memo=memo[:MEMO_MAX], postings=())
    close()
    source = file.source(force, len(lines), problems)
    return ImportJournal(
        meta=meta,
        source=source,
        transactions=tuple(transactions),
        functional_currency=functional,
        accounts=tuple(accounts),
        template=template,
    )


def _header(comment: str) -> tuple[str | None, str | None]:
    """The functional currency and chart template a header comment names, if it names them."""
    found, chart = _FUNCTIONAL.search(comment), _TEMPLATE.search(comment)
    return (found.group(1) if found else None), (chart.group(1) if chart and found else None)


def _account(problems: Problems, line: int, text: str) -> tuple[AccountRow, ...]:
    """``account NAME  ; tags``: the code and name from NAME, the type from ``type:`` or NAME's root."""
    name, _, comment = text.partition(";")
    name = name.strip()
    code = _code(name)
    if not code:
        problems.add(line, "account", "an account directive names an account")
        return ()
    tags = {k.lower(): v.strip() for k, v in _TAG.findall(comment)}
    kind = _TYPES.get(tags.get("type", "").lower()) or _TYPES.get(name.split(":", 1)[0].strip().lower())
    if kind is None:
        problems.add(
            line,
            "type",
            f"declare the type of account {code[:20]!r} (; type:Asset, Liability, Equity, Revenue or Expense)",
        )
        return ()
    label = name.rsplit(":", 1)[-1].strip()[len(code) :].strip() or code
    subtype, parent, currency = tags.get("subtype") or "other", tags.get("parent"), tags.get("currency")
    return (AccountRow(line=line, code=code, name=label, type=kind, subtype=subtype, parent=parent, currency=currency),)


def _posting(problems: Problems, line: int, text: str, functional: str | None) -> PostingRow | None:
    match = _POSTING.fullmatch(text)
    if match is None:
        problems.add(line, "amount", "every posting states its amount (two spaces after the account)")
        return None
    account, written = match.group(1), match.group(2).strip()
    amount = _AMOUNT.fullmatch(written)
    if amount is None:
        problems.add(line, "amount", f"{written[:40]!r} is not AMOUNT CUR or AMOUNT CUR @@ VALUE CUR")
        return None
    quantity = amount_text(problems, line, "amount", amount.group(1), signed=True)
    value: str | None = None
    if amount.group(3) is not None:
        if functional is not None and amount.group(4) != functional:
            said = f"the value is in {amount.group(4)}, the file's functional currency {functional}"
            problems.add(line, "value", said)
            return None
        total = amount_text(problems, line, "value", amount.group(3))
        if total is None or quantity is None:
            return None
        value = f"-{total}" if quantity.startswith("-") else total
    if quantity is None:
        return None
    return PostingRow(line=line, account=_code(account), amount=quantity, currency=amount.group(2), value=value)
