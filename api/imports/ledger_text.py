"""A ledger journal (the ledger-cli / hledger shape ``keel export ledger`` writes), read at the
edge into an import command (ADR 0035).

A transaction is a line ``YYYY-MM-DD [*|!] [(code)] description`` followed by indented postings
``ACCOUNT  AMOUNT CUR [@@ VALUE FUNCTIONAL]``; ``;`` starts a comment. An account is named by its
code: the first word of its last ``:`` part (``Assets:1100 Accounts receivable`` is 1100). Every
posting states its amount (none is left to be inferred); a foreign amount states its total value
in the functional currency with ``@@``. The header's ``functional currency XXX`` is checked
against the books'. Directives (``account``, ``commodity``, ``P``, ``include`` …) are refused.
"""

from __future__ import annotations

import re

from api.imports.files import ImportFile, amount_text, date_of
from commands.messages import ImportJournal, PostingRow, TransactionRow
from ledger.events import Meta
from ledger.imports import Problems

_HEADER = re.compile(r"(\S+)\s*(?:[*!]\s+)?(?:\([^)]*\)\s+)?(.*)")
_POSTING = re.compile(r"(\S(?:.*?\S)?)(?:\s{2,}|\t)\s*(\S.*)")
_AMOUNT = re.compile(r"(\S+) ([A-Z]{3})(?: @@ (\S+) ([A-Z]{3}))?")
_FUNCTIONAL = re.compile(r"functional currency ([A-Z]{3})")
MEMO_MAX = 500


def _code(account: str) -> str:
    last = account.rsplit(":", 1)[-1].strip()
    return last.split()[0] if last else ""


def journal(file: ImportFile, meta: Meta, force: bool = False) -> ImportJournal:
    problems = Problems()
    functional: str | None = None
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
            found = _FUNCTIONAL.search(stripped) if number <= 3 else None
            if found and functional is None:
                functional = found.group(1)
            continue
        if text[0] in " \t":
            if current is None and not problems.found:
                problems.add(number, "", "a posting outside a transaction")
            if current is not None:
                posting = _posting(problems, number, stripped.split(";", 1)[0].rstrip(), functional)
                if posting is not None:
                    postings.append(posting)
                else:
                    broken = True
            continue
        close()
        postings, broken = [], False
        match = _HEADER.fullmatch(stripped)
        head = match.group(1) if match else stripped.split()[0]
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
    return ImportJournal(meta=meta, source=source, transactions=tuple(transactions), functional_currency=functional)


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
