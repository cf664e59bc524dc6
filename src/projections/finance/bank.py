"""The bank read model: bank accounts, saved CSV mappings, reconciliation rules, imported statements,
their lines and what each line was matched to, on both time axes (issue 18, ADR 0034).

A line is known from when it was imported (``recorded_at``) and is about the day it was booked; a
match is known from when it was recorded until, if ever, it was taken back (``unmatched_at``), so
"what was unreconciled on 31 March as known on 3 April" is one query: the lines booked by 31 March,
imported by 3 April, without a match known then.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from ledger.bank import BankAccount, BankRules, CsvMapping
from ledger.bank_lines import BankLine, BankStatement
from ledger.money import to_minor
from projections.engine.projection import Fact
from projections.engine.sql import Cursor

LINE_COLUMNS = (
    "id",
    "bank_account_id",
    "statement_id",
    "line_key",
    "booking_date",
    "value_date",
    "amount_minor",
    "currency",
    "description",
    "reference",
    "counterparty_name",
    "counterparty_iban",
    "bank_reference",
    "charges_minor",
    "position",
    "recorded_at",
)


def _minor(value: Any, currency: str) -> int | None:
    return None if value is None else to_minor(value, currency)


class BankProjection:
    name = "bank"
    schema_version = 2  # 2: bank accounts renamed (names on both axes) and closed
    tables = (
        "bank_accounts",
        "bank_account_names",
        "bank_mappings",
        "bank_rules",
        "bank_statements",
        "bank_lines",
        "bank_matches",
    )
    query_indexes = ("bank_lines_booked", "bank_matches_known")
    folds = (BankAccount.Event, CsvMapping.Event, BankRules.Event, BankStatement.Event, BankLine.Event)

    def create(self, cur: Cursor) -> None:
        cur.execute(
            "CREATE TABLE bank_accounts (id TEXT PRIMARY KEY, name TEXT NOT NULL, account TEXT NOT NULL, iban TEXT,"
            " currency TEXT NOT NULL, opened_on DATE NOT NULL, position BIGINT NOT NULL,"
            " recorded_at TIMESTAMPTZ NOT NULL, closed_on DATE, closed_at TIMESTAMPTZ)"
        )
        # Every name an account had, from its day, known from when it was recorded: the list as of
        # a date as known at a moment takes the latest of each account's names it knew then.
        cur.execute(
            "CREATE TABLE bank_account_names (id TEXT NOT NULL, name TEXT NOT NULL, valid_from DATE NOT NULL,"
            " position BIGINT NOT NULL, recorded_at TIMESTAMPTZ NOT NULL, PRIMARY KEY (id, position))"
        )
        cur.execute(
            "CREATE TABLE bank_mappings (id TEXT PRIMARY KEY, name TEXT NOT NULL, settings TEXT NOT NULL,"
            " position BIGINT NOT NULL)"
        )
        cur.execute(
            "CREATE TABLE bank_rules (name TEXT NOT NULL, contains TEXT NOT NULL, account TEXT NOT NULL,"
            " direction TEXT NOT NULL, position BIGINT NOT NULL, recorded_at TIMESTAMPTZ NOT NULL,"
            " removed_at TIMESTAMPTZ, PRIMARY KEY (name, position))"
        )
        cur.execute(
            "CREATE TABLE bank_statements (id TEXT PRIMARY KEY, bank_account_id TEXT NOT NULL, digest TEXT NOT NULL,"
            " filename TEXT, source_format TEXT NOT NULL, statement_ref TEXT, from_date DATE, to_date DATE,"
            " currency TEXT NOT NULL, opening_minor BIGINT, closing_minor BIGINT, lines BIGINT NOT NULL,"
            " new_lines BIGINT NOT NULL, known_lines BIGINT NOT NULL, total_minor BIGINT NOT NULL,"
            " difference_minor BIGINT, continuity_minor BIGINT, accepted_mismatch INTEGER NOT NULL,"
            " effective_date DATE NOT NULL, position BIGINT NOT NULL, recorded_at TIMESTAMPTZ NOT NULL)"
        )
        cur.execute(
            "CREATE TABLE bank_lines (id TEXT PRIMARY KEY, bank_account_id TEXT NOT NULL, statement_id TEXT NOT NULL,"
            " line_key TEXT NOT NULL, booking_date DATE NOT NULL, value_date DATE, amount_minor BIGINT NOT NULL,"
            " currency TEXT NOT NULL, description TEXT NOT NULL, reference TEXT, counterparty_name TEXT,"
            " counterparty_iban TEXT, bank_reference TEXT, charges_minor BIGINT, position BIGINT NOT NULL,"
            " recorded_at TIMESTAMPTZ NOT NULL)"
        )
        cur.execute("CREATE INDEX bank_lines_booked ON bank_lines (bank_account_id, booking_date, id)")
        cur.execute(
            "CREATE TABLE bank_matches (line_id TEXT NOT NULL, match_no INTEGER NOT NULL,"
            " effective_date DATE NOT NULL, items TEXT NOT NULL, rule TEXT, score INTEGER NOT NULL,"
            " auto INTEGER NOT NULL, position BIGINT NOT NULL, recorded_at TIMESTAMPTZ NOT NULL,"
            " unmatched_at TIMESTAMPTZ, PRIMARY KEY (line_id, match_no))"
        )
        cur.execute("CREATE INDEX bank_matches_known ON bank_matches (line_id, recorded_at)")

    def apply(self, cur: Cursor, facts: Sequence[Fact]) -> None:
        lines: list[tuple[Any, ...]] = []
        for fact in facts:
            e, known = fact.event, (fact.position, fact.recorded_at)
            oid = str(e.originator_id)
            if isinstance(e, BankLine.Imported):
                c = e.currency
                lines.append(
                    (
                        oid,
                        str(e.bank_account_id),
                        str(e.statement_id),
                        e.line_key,
                        e.effective_date,
                        e.value_date,
                        to_minor(e.amount, c),
                        c,
                        e.description,
                        e.reference,
                        e.counterparty_name,
                        e.counterparty_iban,
                        e.bank_reference,
                        _minor(e.charges, c),
                        *known,
                    )
                )
                continue
            if lines:  # in log order: a page's lines go in before what follows them
                cur.copy_rows("bank_lines", LINE_COLUMNS, lines)
                lines = []
            self._apply(cur, e, oid, known)
        if lines:
            cur.copy_rows("bank_lines", LINE_COLUMNS, lines)

    @staticmethod
    def _name(cur: Cursor, oid: str, name: str, valid_from: Any, known: tuple[Any, ...]) -> None:
        cur.execute(
            "INSERT INTO bank_account_names (id, name, valid_from, position, recorded_at) VALUES (%s, %s, %s, %s, %s)",
            (oid, name, valid_from, *known),
        )

    def _apply(self, cur: Cursor, e: Any, oid: str, known: tuple[Any, ...]) -> None:
        if isinstance(e, BankLine.Matched):
            items = [
                {
                    "kind": i.kind,
                    "target": i.target,
                    "amount": str(i.amount),
                    "fee": str(i.fee),
                    "record_id": i.record_id,
                    "label": i.label,
                }
                for i in e.items
            ]
            cur.execute(
                "INSERT INTO bank_matches (line_id, match_no, effective_date, items, rule, score, auto, position,"
                " recorded_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
                (oid, e.originator_version, e.effective_date, json.dumps(items), e.rule, e.score, int(e.auto), *known),
            )
        elif isinstance(e, BankLine.Unmatched):
            cur.execute(
                "UPDATE bank_matches SET unmatched_at = %s WHERE line_id = %s AND unmatched_at IS NULL",
                (known[1], oid),
            )
        elif isinstance(e, BankStatement.Imported):
            c = e.currency
            cur.execute(
                "INSERT INTO bank_statements (id, bank_account_id, digest, filename, source_format, statement_ref,"
                " from_date, to_date, currency, opening_minor, closing_minor, lines, new_lines, known_lines,"
                " total_minor, difference_minor, continuity_minor, accepted_mismatch, effective_date, position,"
                " recorded_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s,"
                " %s, %s)",
                (
                    oid,
                    str(e.bank_account_id),
                    e.digest,
                    e.filename,
                    e.source_format,
                    e.statement_ref,
                    e.from_date,
                    e.to_date,
                    c,
                    _minor(e.opening, c),
                    _minor(e.closing, c),
                    e.lines,
                    e.new_lines,
                    e.known_lines,
                    to_minor(e.total, c),
                    _minor(e.difference, c),
                    _minor(e.continuity, c),
                    int(e.accepted_mismatch),
                    e.effective_date,
                    *known,
                ),
            )
        elif isinstance(e, BankAccount.Opened):
            cur.execute(
                "INSERT INTO bank_accounts (id, name, account, iban, currency, opened_on, position, recorded_at)"
                " VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
                (oid, e.name, e.account, e.iban, e.currency, e.effective_date, *known),
            )
            self._name(cur, oid, e.name, e.effective_date, known)
        elif isinstance(e, BankAccount.Renamed):
            cur.execute("UPDATE bank_accounts SET name = %s WHERE id = %s", (e.name, oid))
            self._name(cur, oid, e.name, e.effective_date, known)
        elif isinstance(e, BankAccount.Closed):
            cur.execute(
                "UPDATE bank_accounts SET closed_on = %s, closed_at = %s WHERE id = %s",
                (e.effective_date, known[1], oid),
            )
        elif isinstance(e, CsvMapping.Saved):
            cur.execute(
                "INSERT INTO bank_mappings (id, name, settings, position) VALUES (%s, %s, %s, %s)",
                (oid, e.name, e.settings, known[0]),
            )
        elif isinstance(e, CsvMapping.Changed):
            cur.execute(
                "UPDATE bank_mappings SET settings = %s, position = %s WHERE id = %s", (e.settings, known[0], oid)
            )
        elif isinstance(e, BankRules.RuleAdded):
            cur.execute(
                "INSERT INTO bank_rules (name, contains, account, direction, position, recorded_at)"
                " VALUES (%s, %s, %s, %s, %s, %s)",
                (e.name, e.contains, e.account, e.direction, *known),
            )
        elif isinstance(e, BankRules.RuleRemoved):
            cur.execute(
                "UPDATE bank_rules SET removed_at = %s WHERE name = %s AND removed_at IS NULL", (known[1], e.name)
            )
