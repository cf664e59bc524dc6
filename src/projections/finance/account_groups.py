"""Accounts grouped by their parents, for the reports' subtotals (ADR 0038).

An account's groups are its parents from the top down, as the chart had them on the report's date
as known at its moment (a group added or an account moved later shows in later reports only). An
account with no parent stands as its own top group, so the top-level subtotals still add up to the
report's totals. ``with_subtotals`` lays a report's rows out as a tree: each group's subtotal row
follows the accounts (and groups) it holds, in code order.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Protocol

from ledger.accounts import AccountType

LAST = "\U0010ffff"  # sorts after every code: a group's subtotal after what it holds
TYPE_ORDER = [t.value for t in AccountType]


class Parented(Protocol):
    @property
    def parent(self) -> str | None: ...

    @property
    def name(self) -> str: ...


def chain(code: str, chart: Mapping[str, Parented]) -> tuple[str, ...]:
    """The account's parents from the top down, then the account: ``("60", "6000")``."""
    path = [code]
    while (parent := chart[path[0]].parent if path[0] in chart else None) and parent not in path:
        path.insert(0, parent)
    return tuple(path)


@dataclass(frozen=True)
class Level:
    """One group an account's amount counts in: the group, its own parent group, its depth."""

    group: str
    parent: str | None
    depth: int


def levels(code: str, chart: Mapping[str, Parented]) -> list[Level]:
    """Every group whose subtotal includes the account (itself, when it has no parent)."""
    path = chain(code, chart)
    groups = path[:-1] or path
    return [Level(g, groups[n - 1] if n else None, n) for n, g in enumerate(groups)]


def tree_key(kind: str, group: str, chart: Mapping[str, Parented], *rest: str) -> tuple[Any, ...]:
    """Groups in tree order within their type: a group before the groups it holds."""
    return (TYPE_ORDER.index(kind) if kind in TYPE_ORDER else len(TYPE_ORDER), chain(group, chart), *rest)


def name_of(group: str, chart: Mapping[str, Parented]) -> str:
    return chart[group].name if group in chart else group


@dataclass(frozen=True)
class Item:
    """One row of a report's table: its account, that account's parent, the key it is subtotalled
    by within a group (currency or breakdown), the row's cells and the amounts it adds up."""

    code: str
    parent: str | None
    key: str
    row: Sequence[Any]
    amounts: tuple[Decimal, ...]


def with_subtotals(
    items: Sequence[Item],
    parents: Mapping[str, str | None],
    subtotal: Callable[[str, str, tuple[Decimal, ...]], Sequence[Any]],
) -> list[Sequence[Any]]:
    """The rows in tree order, each group's subtotal row (``subtotal(group, key, amounts)``) after
    the rows it holds. ``parents`` maps each group to its own parent group."""

    def above(parent: str | None) -> tuple[str, ...]:
        out: list[str] = []
        while parent is not None and parent not in out:
            out.insert(0, parent)
            parent = parents.get(parent)
        return tuple(out)

    sums: dict[tuple[str, str], list[Decimal]] = {}
    keyed: list[tuple[tuple[str, ...], Sequence[Any]]] = []
    for item in items:
        groups = above(item.parent)
        keyed.append(((*groups, item.code, "", item.key), item.row))
        for group in groups:
            total = sums.setdefault((group, item.key), [Decimal(0)] * len(item.amounts))
            for n, amount in enumerate(item.amounts):
                total[n] += amount
    for (group, key), amounts in sums.items():
        keyed.append(((*above(parents.get(group)), group, LAST, key), subtotal(group, key, tuple(amounts))))
    return [row for _, row in sorted(keyed, key=lambda kv: kv[0])]
