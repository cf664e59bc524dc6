"""Pipeline analytics and deals as they stood, as of a business date and as known at a moment (the
customer 360 is in ``projections.crm.customer_360``).

A deal's state on date D as known at K is its latest stage row and latest attribute row
with ``effective_date <= D`` and ``recorded_at <= K`` (ties broken by log position): one
window query over stored histories, not a replay.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from ledger.money import Money, from_minor
from ledger.policy import check_window
from projections.engine.db import ViewDatabase
from projections.engine.pages import Page, Probe, fetch_page
from projections.engine.spans import spans_at
from projections.engine.sql import Cursor, Row, as_date, days_between


@dataclass(frozen=True)
class CrmScope:
    as_of: date
    known_at: datetime | None
    position: int
    start: date | None = None


@dataclass(frozen=True)
class DealState:
    deal_id: str
    customer_id: str
    title: str
    value: Decimal
    currency: str
    owner: str
    source: str
    lead_id: str | None
    opened_on: date
    stage: str
    probability: Decimal
    status: str
    since: date  # when the deal reached its current stage or outcome
    expected_close: date | None = None

    @property
    def weighted(self) -> Decimal:
        return Money(self.value * self.probability / 100, self.currency).rounded().amount


@dataclass(frozen=True)
class PipelineRow:
    group: str  # a stage key or an owner
    currency: str
    count: int
    value: Decimal
    weighted: Decimal


@dataclass(frozen=True)
class PipelineReport:
    scope: CrmScope
    by: str
    rows: list[PipelineRow]
    won: int
    lost: int


@dataclass(frozen=True)
class FunnelStep:
    stage: str
    reached: int
    to_next: Decimal | None  # percent of deals that reached the next step


@dataclass(frozen=True)
class SourceRow:
    source: str
    leads: int
    converted: int
    won: int

    @property
    def lead_to_won(self) -> Decimal:
        return (Decimal(self.won) * 100 / self.leads).quantize(Decimal("0.1")) if self.leads else Decimal(0)


@dataclass(frozen=True)
class ConversionReport:
    scope: CrmScope
    funnel: list[FunnelStep]
    sources: list[SourceRow]


@dataclass(frozen=True)
class WinRateReport:
    scope: CrmScope
    won: int
    lost: int
    average_cycle_days: Decimal | None  # opened -> won, deals won in the period

    @property
    def win_rate(self) -> Decimal | None:
        closed = self.won + self.lost
        return (Decimal(self.won) * 100 / closed).quantize(Decimal("0.1")) if closed else None


@dataclass(frozen=True)
class FollowUpItem:
    followup_id: str
    owner: str
    about_kind: str
    about_id: str
    due: date
    note: str


@dataclass(frozen=True)
class OwnerFollowUps:
    owner: str
    overdue: int
    due_today: int
    upcoming: int  # due in the next seven days


@dataclass(frozen=True)
class FollowUpsReport:
    scope: CrmScope
    owners: list[OwnerFollowUps]
    open_items: list[FollowUpItem]


# -- helpers ------------------------------------------------------------------------


def known_by(alias: str, known_at: datetime | None) -> tuple[str, list[Any]]:
    return (f" AND {alias}.recorded_at <= %s", [known_at]) if known_at else ("", [])


def crm_position(cur: Cursor) -> int:
    cur.execute("SELECT position FROM keel_tracking WHERE projection = 'crm'")
    row = cur.fetchone()
    return int(row[0]) if row else 0


DEAL_COLUMNS = (
    "deal_id, customer_id, title, value_minor, currency, owner, source, lead_id, opened_on, stage, probability,"
    " status, since, expected_close"
)


def _deal_state(r: Row) -> DealState:
    opened, since = as_date(r[8]), as_date(r[12])
    assert opened is not None and since is not None
    value = from_minor(int(r[3]), r[4])
    return DealState(
        str(r[0]),
        str(r[1]),
        r[2],
        value,
        r[4],
        r[5],
        r[6],
        r[7],
        opened,
        r[9],
        Decimal(r[10]),
        r[11],
        since,
        as_date(r[13]),
    )


def deal_states(
    cur: Cursor, as_of: date, known_at: datetime | None, where: str = "", params: Sequence[Any] = ()
) -> list[DealState]:
    """Deals' states on ``as_of`` as known at ``known_at`` (one span each; see deal_spans), by the
    day they were opened; only those meeting ``where`` (conditions joined with AND), if given."""
    at, at_params = spans_at(cur, as_of, known_at)
    cur.execute(
        f"SELECT {DEAL_COLUMNS} FROM deal_spans WHERE {at}{f' AND {where}' if where else ''}"
        " ORDER BY opened_on, deal_id",
        [*at_params, *params],
    )
    return [_deal_state(r) for r in cur.fetchall()]


def _stage_order(cur: Cursor) -> list[str]:
    cur.execute("SELECT key FROM pipeline_stages ORDER BY ord")
    return [str(r[0]) for r in cur.fetchall()]


# -- reports ------------------------------------------------------------------------


def deals_as_of(
    db: ViewDatabase, as_of: date, known_at: datetime | None = None, where: str = "", params: Sequence[Any] = ()
) -> list[DealState]:
    """Every deal (meeting ``where``, if given) as it stood on ``as_of`` as known at ``known_at``."""
    with db.read() as cur:
        return deal_states(cur, as_of, known_at, where, params)


def deal_as_of(db: ViewDatabase, deal_id: str, as_of: date, known_at: datetime | None = None) -> DealState | None:
    found = deals_as_of(db, as_of, known_at, "deal_id = %s", [deal_id])
    return found[0] if found else None


def list_deals(
    db: ViewDatabase,
    as_of: date,
    known_at: datetime | None = None,
    customer_id: str | None = None,
    status: str | None = None,
    owner: str | None = None,
    cursor: str | None = None,
    limit: int = 100,
    stage: str | None = None,
) -> Page[DealState]:
    """One page of the deals as they stood on ``as_of`` as known at ``known_at``, by the day they were opened."""
    with db.read() as cur:
        at, params = spans_at(cur, as_of, known_at)
        plain, plain_params = spans_at(cur, as_of, known_at, indexed=False)
        where, probed = [at], [plain]
        for column, value in (("customer_id", customer_id), ("status", status), ("owner", owner), ("stage", stage)):
            if value is not None:
                where.append(f"{column} = %s")
                probed.append(f"{column} = %s")
                params.append(value)
                plain_params.append(value)
        select = f"SELECT {DEAL_COLUMNS}, opened_on, deal_id FROM deal_spans"
        # one customer's deals are few: the span index finds them; else the page is most likely
        # among the deals next in order (thousands may be open on a day of a long history)
        probe = Probe("deal_spans", probed, plain_params) if customer_id is None else None
        order = ["opened_on", "deal_id"]
        return fetch_page(cur, select, order, where, params, cursor, limit, _deal_state, probe=probe)


def pipeline(db: ViewDatabase, as_of: date, known_at: datetime | None = None, by: str = "stage") -> PipelineReport:
    """Open deals by stage (pipeline order) or owner: count, value and probability-weighted value."""
    if by not in ("stage", "owner"):
        raise ValueError(f"the pipeline is grouped by stage or owner, not {by!r}")
    column = "stage" if by == "stage" else "owner"

    def open_deals() -> tuple[list[Any], list[str], int]:
        """Open deals summed per group and currency (each span carries its deal's weighted
        value, rounded per deal as ``DealState.weighted``), the stages' order, the position."""
        with db.read() as cur:
            where, params = spans_at(cur, as_of, known_at)
            cur.execute(
                f"SELECT {column}, currency, SUM(value_minor), SUM(weighted_minor), COUNT(*) FROM deal_spans"
                f" WHERE status = 'open' AND {where} GROUP BY 1, 2",
                params,
            )
            return cur.fetchall(), _stage_order(cur), crm_position(cur)

    def closed_deals() -> list[Any]:
        with db.read() as cur:
            where, params = spans_at(cur, as_of, known_at)
            cur.execute(
                f"SELECT status, COUNT(*) FROM deal_spans WHERE status <> 'open' AND {where} GROUP BY 1", params
            )
            return cur.fetchall()

    (open_rows, order, position), closed = db.gather(open_deals, closed_deals)
    counts = {str(status): int(n) for status, n in closed}
    groups = {
        (str(group), str(currency)): (int(n), from_minor(int(value), currency), from_minor(int(weighted), currency))
        for group, currency, value, weighted, n in open_rows
    }

    def rank(key: tuple[str, str]) -> tuple[int, str, str]:
        return (order.index(key[0]) if by == "stage" and key[0] in order else len(order), key[0], key[1])

    rows = [
        PipelineRow(group, currency, *sums)
        for (group, currency), sums in sorted(groups.items(), key=lambda kv: rank(kv[0]))
    ]
    return PipelineReport(CrmScope(as_of, known_at, position), by, rows, counts.get("won", 0), counts.get("lost", 0))


def conversion(db: ViewDatabase, as_of: date, known_at: datetime | None = None) -> ConversionReport:
    """How many deals reached each stage (or a later one), stage to stage; and leads by source to won."""
    kl, klp = known_by("l", known_at)
    with db.read() as cur:
        order = _stage_order(cur)
        steps = [*order, "won"]
        # Per deal the furthest step it had reached: deals counted per set of stages reached
        # (a handful of sets), each set ranked by the pipeline's order of today.
        at, params = spans_at(cur, as_of, known_at)
        cur.execute(f"SELECT reached, COUNT(*) FROM deal_spans WHERE {at} GROUP BY reached", params)
        rank = {step: n for n, step in enumerate(steps)}
        furthest: dict[int, int] = defaultdict(int)
        for reached, count in cur.fetchall():
            ranks = [rank[s] for s in str(reached).split(",") if s in rank]
            if ranks:
                furthest[max(ranks)] += int(count)
        # Per source: leads captured, those with a deal (the last opened, if several), those won.
        cur.execute(
            "WITH d AS (SELECT lead_id, status, ROW_NUMBER() OVER (PARTITION BY lead_id"
            f"   ORDER BY opened_on DESC, deal_id DESC) AS n FROM deal_spans WHERE {at} AND lead_id IS NOT NULL)"
            " SELECT l.source, COUNT(*), COUNT(d.lead_id), SUM(CASE WHEN d.status = 'won' THEN 1 ELSE 0 END)"
            f" FROM leads l LEFT JOIN d ON d.lead_id = l.id AND d.n = 1 WHERE l.captured_on <= %s{kl}"
            " GROUP BY l.source",
            [*params, as_of, *klp],
        )
        sources = {str(source): (int(n), int(converted), int(won or 0)) for source, n, converted, won in cur.fetchall()}
        position = crm_position(cur)
    reached = [sum(count for n, count in furthest.items() if n >= i) for i in range(len(steps))]
    funnel = [
        FunnelStep(
            steps[i],
            reached[i],
            (Decimal(reached[i + 1]) * 100 / reached[i]).quantize(Decimal("0.1"))
            if i + 1 < len(steps) and reached[i]
            else None,
        )
        for i in range(len(steps))
    ]
    rows = [SourceRow(src, *c) for src, c in sorted(sources.items())]
    return ConversionReport(CrmScope(as_of, known_at, position), funnel, rows)


def win_rate(db: ViewDatabase, start: date, end: date, known_at: datetime | None = None) -> WinRateReport:
    """Deals won and lost between two dates (as known at K), and the average days from open to won."""
    check_window(start, end)
    with db.read() as cur:
        at, params = spans_at(cur, end, known_at)
        cur.execute(
            f"SELECT status, COUNT(*), SUM({days_between(cur, 'since', 'opened_on')}) FROM deal_spans"
            f" WHERE {at} AND status IN ('won', 'lost') AND since >= %s GROUP BY status",
            [*params, start],
        )
        closed = {str(status): (int(n), int(days or 0)) for status, n, days in cur.fetchall()}
        position = crm_position(cur)
    won, days = closed.get("won", (0, 0))
    cycle = (Decimal(days) / won).quantize(Decimal("0.1")) if won else None
    return WinRateReport(CrmScope(end, known_at, position, start), won, closed.get("lost", (0, 0))[0], cycle)


def follow_ups(db: ViewDatabase, as_of: date, known_at: datetime | None = None) -> FollowUpsReport:
    """Open follow-ups per owner: overdue, due that day, due in the next seven days."""
    kf, kp = known_by("f", known_at)
    with db.read() as cur:
        cur.execute(
            "WITH f AS (SELECT f.*, ROW_NUMBER() OVER (PARTITION BY f.followup_id"
            "   ORDER BY f.effective_date DESC, f.position DESC) AS rn"
            f"   FROM followup_states f WHERE f.effective_date <= %s{kf})"
            " SELECT followup_id, owner, about_kind, about_id, due, note FROM f WHERE rn = 1 AND status = 'open'"
            " ORDER BY due, followup_id",
            [as_of, *kp],
        )
        rows = cur.fetchall()
        position = crm_position(cur)
    items = []
    for fid, owner, kind, about, due, note in rows:
        d = as_date(due)
        assert d is not None
        items.append(FollowUpItem(str(fid), owner, kind, str(about), d, note))
    per: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for item in items:
        counts = per[item.owner]
        if item.due < as_of:
            counts[0] += 1
        elif item.due == as_of:
            counts[1] += 1
        elif item.due <= as_of + timedelta(days=7):
            counts[2] += 1
    owners = [OwnerFollowUps(o, *c) for o, c in sorted(per.items())]
    return FollowUpsReport(CrmScope(as_of, known_at, position), owners, items)
