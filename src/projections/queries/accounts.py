"""The chart of accounts as lists: the accounts and the role mappings as of a date, as known at a
moment (ADR 0032), the same on every surface."""

from __future__ import annotations

from typing import Any

from projections.engine.db import ViewDatabase
from projections.finance.chart import ChartAccount, RoleMapping, accounts_at, roles_at
from projections.queries.core import Books, Params, Query, Table, columns
from projections.queries.lists import Listing, reached


def _as_known(p: Params) -> list[tuple[str, str]]:
    return [
        ("as of", p.as_of.isoformat() if p.as_of else ""),
        ("known at", p.known_at.isoformat() if p.known_at else "now"),
    ]


def _accounts(views: ViewDatabase, _: Books, p: Params) -> Listing[ChartAccount]:
    assert p.as_of is not None
    with views.read() as cur:
        found = accounts_at(cur, p.as_of, p.known_at)
        return Listing(sorted(found.values(), key=lambda a: a.code), None, reached(cur, "chart"))


def _accounts_table(found: Listing[ChartAccount], p: Params) -> Table:
    return Table(
        "Chart of accounts",
        columns("code:key", "name", "type", "subtype", "parent", "currency", "active"),
        [[a.code, a.name, a.type, a.subtype, a.parent, a.currency, a.active] for a in found.items],
        (),
        _as_known(p),
    )


def _roles(views: ViewDatabase, _: Books, p: Params) -> Listing[RoleMapping]:
    assert p.as_of is not None
    with views.read() as cur:
        return Listing(roles_at(cur, p.as_of, p.known_at), None, reached(cur, "chart"))


def _roles_table(found: Listing[RoleMapping], p: Params) -> Table:
    return Table("Roles", columns("role", "code:key"), [[r.role, r.code] for r in found.items], (), _as_known(p))


ACCOUNTS: list[Query[Any]] = [
    Query("accounts", ("chart",), _accounts, _accounts_table),
    Query("roles", ("chart",), _roles, _roles_table),
]
