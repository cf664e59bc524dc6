"""The chart of accounts on both time axes: each account's name, type, sub-type, parent (its
group, which may change: ADR 0038), currency and whether it takes postings, over which business
dates, as known over which recording times; and the role mappings as known at a moment.

``chart_facts`` keeps every account event with its effective date and when it was recorded;
``chart_spans`` the answer, materialised as customers' are (``projections.finance.customer_spans``,
``projections.engine.spans``): an account renamed on 1 September shows its old name in a report
as of August, and in a report known at a moment before the rename was recorded. A store whose log
(as known at K) holds no chart events keeps the services-eu template (ADR 0032): ``chart_starts``
says from when it does not.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from ledger.accounts import Account, AccountType
from ledger.chart import Chart
from ledger.chart_templates import SERVICES_EU
from projections.engine.projection import Fact
from projections.engine.spans import NOW, Span, create_span_index, save_spans, spans_at, steps
from projections.engine.sql import Cursor, as_date, in_chunks, one_of

FACT_COLUMNS = (
    "code",
    "effective_date",
    "position",
    "recorded_at",
    "name",
    "type",
    "subtype",
    "parent",
    "currency",
    "active",
)
STATE = ("name", "type", "subtype", "parent", "currency", "active")
SPAN_COLUMNS = ("code", "valid_from", "valid_to", "known_from", "known_to", *STATE)


@dataclass(frozen=True)
class ChartAccount:
    """An account as the chart had it on a date, as known at a moment."""

    code: str
    name: str
    type: str
    subtype: str
    parent: str | None
    currency: str | None
    active: bool

    @property
    def normal_balance(self) -> str:
        return AccountType(self.type).normal_balance


@dataclass(frozen=True)
class RoleMapping:
    role: str
    code: str


def _of(account: Account) -> ChartAccount:
    return ChartAccount(
        account.code, account.name, account.type.value, account.subtype, account.parent, account.currency, True
    )


IMPLICIT_ACCOUNTS = {a.code: _of(a) for a in SERVICES_EU.accounts}
IMPLICIT_ROLES = dict(SERVICES_EU.roles)


class ChartProjection:
    name = "chart"
    schema_version = 1
    tables = ("chart_starts", "chart_facts", "chart_spans", "chart_roles")
    query_indexes = ("chart_spans_at",)
    folds = (Chart.Event,)

    def create(self, cur: Cursor) -> None:
        cur.execute(
            "CREATE TABLE chart_starts (position BIGINT PRIMARY KEY, recorded_at TIMESTAMPTZ NOT NULL,"
            " template TEXT NOT NULL)"
        )
        cur.execute(
            "CREATE TABLE chart_facts (code TEXT NOT NULL, effective_date DATE NOT NULL, position BIGINT NOT NULL,"
            " recorded_at TIMESTAMPTZ NOT NULL, name TEXT, type TEXT, subtype TEXT, parent TEXT, currency TEXT,"
            " active INTEGER, PRIMARY KEY (code, position))"
        )
        cur.execute(
            "CREATE TABLE chart_spans (code TEXT NOT NULL, valid_from DATE NOT NULL, valid_to DATE NOT NULL,"
            " known_from TIMESTAMPTZ NOT NULL, known_to TIMESTAMPTZ NOT NULL, name TEXT NOT NULL, type TEXT NOT NULL,"
            " subtype TEXT NOT NULL, parent TEXT, currency TEXT, active INTEGER NOT NULL)"
        )
        cur.execute("CREATE INDEX chart_spans_current ON chart_spans (code, known_to, valid_from)")
        create_span_index(cur, "chart_spans")
        cur.execute(
            "CREATE TABLE chart_roles (role TEXT NOT NULL, code TEXT NOT NULL, effective_date DATE NOT NULL,"
            " position BIGINT NOT NULL, recorded_at TIMESTAMPTZ NOT NULL, PRIMARY KEY (role, position))"
        )

    def apply(self, cur: Cursor, facts: Sequence[Fact]) -> None:
        rows: list[tuple[Any, ...]] = []
        roles: list[tuple[Any, ...]] = []
        changed: dict[str, list[tuple[int, datetime]]] = defaultdict(list)
        for fact in facts:
            e = fact.event
            stamp = (e.effective_date, fact.position, fact.recorded_at)
            if isinstance(e, Chart.Started):
                cur.execute(
                    "INSERT INTO chart_starts (position, recorded_at, template) VALUES (%s, %s, %s)",
                    (fact.position, fact.recorded_at, e.template),
                )
                continue
            if isinstance(e, Chart.RoleMapped):
                roles.append((e.role, e.code, *stamp))
                continue
            if isinstance(e, Chart.AccountAdded):
                # "" is "no parent" (None is "unchanged"), so a move dated before the addition
                # gives way to it, as a rename dated before it does
                rows.append((e.code, *stamp, e.name, e.type, e.subtype, e.parent or "", e.currency, 1))
            elif isinstance(e, Chart.AccountRenamed):
                rows.append((e.code, *stamp, e.name, None, None, None, None, None))
            elif isinstance(e, Chart.AccountMoved):  # "" moves it to the top ("no change" is None)
                rows.append((e.code, *stamp, None, None, None, e.parent or "", None, None))
            elif isinstance(e, Chart.AccountDeactivated | Chart.AccountReactivated):
                active = int(isinstance(e, Chart.AccountReactivated))
                rows.append((e.code, *stamp, None, None, None, None, None, active))
            else:
                continue
            changed[str(rows[-1][0])].append((fact.position, fact.recorded_at))
        if roles:
            cur.copy_rows("chart_roles", ("role", "code", "effective_date", "position", "recorded_at"), roles)
        if rows:
            cur.copy_rows("chart_facts", FACT_COLUMNS, rows)
            _update_spans(cur, changed)


def _latest(facts: Sequence[tuple[Any, ...]], field: int) -> Any:
    return next((f[field] for f in reversed(facts) if f[field] is not None), None)


def _state(now: list[tuple[Any, ...]]) -> tuple[Any, ...] | None:
    added = next((f for f in now if f[3] is not None), None)
    if added is None:
        return None
    return (_latest(now, 2), added[3], added[4], _latest(now, 5) or None, added[6], _latest(now, 7))


def timeline(facts: Sequence[tuple[Any, ...]]) -> set[Span]:
    """An account's states between the dates its history changes, from its addition on. Facts
    are (effective_date, position, name, type, subtype, parent, currency, active); a field left
    None is unchanged, and a parent of "" is none (the account was moved to the top)."""
    return steps(facts, _state)


def _update_spans(cur: Cursor, changes: dict[str, list[tuple[int, datetime]]]) -> None:
    history: dict[str, list[tuple[Any, ...]]] = defaultdict(list)
    for chunk in in_chunks(cur, sorted(changes)):
        among, params = one_of(cur, "code", chunk)
        cur.execute(
            "SELECT code, effective_date, position, name, type, subtype, parent, currency, active"
            f" FROM chart_facts WHERE {among}",
            params,
        )
        for code, day, position, *rest in cur.fetchall():
            history[str(code)].append((as_date(day), int(position), *rest))
    save_spans(cur, "chart_spans", SPAN_COLUMNS, changes, history, timeline)


# -- reading ---------------------------------------------------------------------------------


def started(cur: Cursor, known_at: datetime | None) -> bool:
    """Had the chart been started (from a template or by a first change) as known at ``known_at``?"""
    known, params = (" WHERE recorded_at <= %s", [known_at]) if known_at else ("", [])
    cur.execute(f"SELECT COUNT(*) FROM chart_starts{known}", params)
    row = cur.fetchone()
    return bool(row and row[0])


def template_of(cur: Cursor, known_at: datetime | None) -> str:
    """The template the chart started from, as known at ``known_at`` (services-eu when not started)."""
    known, params = (" WHERE recorded_at <= %s", [known_at]) if known_at else ("", [])
    cur.execute(f"SELECT template FROM chart_starts{known} ORDER BY position LIMIT 1", params)
    row = cur.fetchone()
    return str(row[0]) if row else SERVICES_EU.name


def _account(row: Sequence[Any]) -> ChartAccount:
    code, name, kind, subtype, parent, currency, active = row
    return ChartAccount(str(code), str(name), str(kind), str(subtype), parent, currency, bool(active))


def accounts_at(cur: Cursor, as_of: date, known_at: datetime | None) -> dict[str, ChartAccount]:
    """The accounts the chart had on ``as_of`` as known at ``known_at`` (None: now), by code."""
    if not started(cur, known_at):
        return dict(IMPLICIT_ACCOUNTS)
    where, params = spans_at(cur, as_of, known_at)
    cur.execute(
        f"SELECT code, name, type, subtype, parent, currency, active FROM chart_spans WHERE {where} ORDER BY code",
        params,
    )
    return {str(r[0]): _account(r) for r in cur.fetchall()}


def labels(cur: Cursor, as_of: date, known_at: datetime | None, codes: Sequence[str] = ()) -> dict[str, ChartAccount]:
    """What a report shows of each account: the chart on ``as_of`` as known at ``known_at``, and
    for an account posted to before the day it was added (a backdated line), its first state."""
    found = accounts_at(cur, as_of, known_at)
    missing = sorted(set(codes) - set(found))
    if missing and started(cur, known_at):
        moment = known_at or NOW
        known, params = " AND known_from <= %s AND known_to > %s", [moment, moment]
        for chunk in in_chunks(cur, missing):
            among, chunk_params = one_of(cur, "code", chunk)
            cur.execute(
                "SELECT code, name, type, subtype, parent, currency, active FROM chart_spans"
                f" WHERE {among}{known} ORDER BY code, valid_from DESC",
                [*chunk_params, *params],
            )
            for row in cur.fetchall():  # the earliest span last: it wins
                found[str(row[0])] = _account(row)
    for code in missing:
        if code not in found:  # a code no chart knew (never accepted by the write side): shown as is
            found[code] = IMPLICIT_ACCOUNTS.get(code) or ChartAccount(code, code, "asset", "other", None, None, False)
    return found


def roles_at(cur: Cursor, as_of: date, known_at: datetime | None) -> list[RoleMapping]:
    """Each role's account on ``as_of`` as known at ``known_at``, by role."""
    if not started(cur, known_at):
        return [RoleMapping(role, code) for role, code in sorted(IMPLICIT_ROLES.items())]
    known, params = (" AND recorded_at <= %s", [known_at]) if known_at else ("", [])
    cur.execute(
        "SELECT role, code FROM (SELECT role, code, ROW_NUMBER() OVER (PARTITION BY role"
        " ORDER BY effective_date DESC, position DESC) AS n FROM chart_roles"
        f" WHERE effective_date <= %s{known}) AS r WHERE n = 1 ORDER BY role",
        [as_of, *params],
    )
    return [RoleMapping(str(role), str(code)) for role, code in cur.fetchall()]


def types_known(cur: Cursor, known_at: datetime | None) -> dict[str, str]:
    """Every account's type (types never change) as known at ``known_at``, by code."""
    if not started(cur, known_at):
        return {code: a.type for code, a in IMPLICIT_ACCOUNTS.items()}
    moment = known_at or NOW
    cur.execute(
        "SELECT DISTINCT code, type FROM chart_spans WHERE known_from <= %s AND known_to > %s", [moment, moment]
    )
    return {str(code): str(kind) for code, kind in cur.fetchall()}


def group_of(code: str, chart: dict[str, ChartAccount]) -> str:
    """The top of an account's parents in ``chart`` (itself when it has none)."""
    seen = {code}
    while (parent := chart[code].parent if code in chart else None) and parent not in seen:
        seen.add(parent)
        code = parent
    return code
