"""The pipeline and the conversion funnel on two time axes equal a from-scratch replay of exactly
the events known at K, folded by effective date; and a rebuilt CRM read model equals the live one."""

from __future__ import annotations

import contextlib
import tempfile
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from uuid import UUID

from hypothesis import given
from hypothesis import strategies as st

from api.settings import Settings
from api.system import Keel
from commands import messages as m
from ledger.crm import DEFAULT_STAGES, Deal
from ledger.errors import DomainError
from ledger.events import Meta
from ledger.money import Money
from projections.crm.reports import conversion, pipeline, win_rate

START = date(2026, 1, 1)
META = Meta("prop")
STAGES = [s.key for s in DEFAULT_STAGES]

day = st.integers(0, 90)
op = st.one_of(
    st.tuples(
        st.just("open"),
        st.integers(0, 1),
        st.integers(0, 50_000),
        st.integers(0, 3),
        st.sampled_from(["alice", "bob"]),
        day,
    ),
    st.tuples(st.just("move"), st.integers(0, 20), st.integers(0, 3), day),
    st.tuples(st.just("win"), st.integers(0, 20), day),
    st.tuples(st.just("lose"), st.integers(0, 20), day),
    st.tuples(st.just("reopen"), st.integers(0, 20), day),
    st.tuples(st.just("value"), st.integers(0, 20), st.integers(0, 50_000), day),
    st.tuples(
        st.just("mark"),
    ),
)


@contextmanager
def fresh_keel() -> Iterator[Keel]:
    with tempfile.TemporaryDirectory() as tmp:
        keel = Keel.start(Settings(data_dir=Path(tmp), database_url=None, _env_file=None), follow=False)  # type: ignore[call-arg]
        try:
            yield keel
        finally:
            keel.close()


def run(keel: Keel, history: list[tuple[Any, ...]]) -> list[datetime]:
    h = keel.app.handle
    customers = [h(m.RegisterCustomer(meta=META, name=n, on=START)).id for n in ("Acme", "Globex")]
    deals: list[UUID] = []
    marks: list[datetime] = []
    for step in history:
        kind = step[0]
        if kind == "mark":
            time.sleep(0.002)
            marks.append(datetime.now(UTC))
            time.sleep(0.002)
            continue
        on = START + timedelta(days=step[-1])
        with contextlib.suppress(DomainError):
            if kind == "open":
                _, who, cents, stage, owner, _ = step
                value = f"{Decimal(cents) / 100:.2f}"
                deal = m.DealInput(title="Deal", value=value, stage=STAGES[stage], owner=owner)
                deals.append(h(m.OpenDeal(meta=META, customer_id=customers[who], deal=deal, on=on)).id)
            elif deals:
                deal_id = deals[step[1] % len(deals)]
                if kind == "move":
                    h(m.MoveDeal(meta=META, deal_id=deal_id, stage=STAGES[step[2]], on=on))
                elif kind == "win":
                    h(m.WinDeal(meta=META, deal_id=deal_id, on=on))
                elif kind == "lose":
                    h(m.LoseDeal(meta=META, deal_id=deal_id, reason="r", on=on))
                elif kind == "reopen":
                    h(m.ReopenDeal(meta=META, deal_id=deal_id, on=on))
                elif kind == "value":
                    h(m.UpdateDeal(meta=META, deal_id=deal_id, value=f"{Decimal(step[2]) / 100:.2f}", on=on))
    return marks


def deal_events(keel: Keel, as_of: date, known_at: datetime | None) -> Iterator[tuple[int, Any]]:
    """The deals' events known at K (a prefix of the log) dated on or before ``as_of``, read from the log."""
    clock = datetime(1970, 1, 1, tzinfo=UTC)
    for position, e in keel.app.read_log(0, 100_000):
        clock = max(clock, e.timestamp)
        if known_at is not None and clock > known_at:
            return
        if isinstance(e, Deal.Event) and e.effective_date <= as_of:
            yield position, e


def replay_pipeline(
    keel: Keel, as_of: date, known_at: datetime | None
) -> dict[tuple[str, str], tuple[int, Decimal, Decimal]]:
    """Fold the events known at K (a prefix of the log) by effective date, independently of the read side."""
    stages: dict[UUID, list[tuple[date, int, str, str, Decimal]]] = defaultdict(list)
    values: dict[UUID, list[tuple[date, int, Decimal, str]]] = defaultdict(list)
    for position, e in deal_events(keel, as_of, known_at):
        key = (e.effective_date, position)
        if isinstance(e, Deal.Opened):
            stages[e.originator_id].append((*key, e.stage, "open", e.probability))
            values[e.originator_id].append((*key, e.value, e.currency))
        elif isinstance(e, Deal.Updated):
            currency = values[e.originator_id][-1][3] if values[e.originator_id] else "EUR"
            values[e.originator_id].append((*key, e.value, currency))
        elif isinstance(e, Deal.StageMoved | Deal.Reopened):
            stages[e.originator_id].append((*key, e.stage, "open", e.probability))
        elif isinstance(e, Deal.Won | Deal.Lost):
            stages[e.originator_id].append((*key, "closed", "closed", Decimal(0)))
    out: dict[tuple[str, str], list[Any]] = defaultdict(lambda: [0, Decimal(0), Decimal(0)])
    for deal_id, history in stages.items():
        if not values.get(deal_id):
            continue
        _, _, stage, status, probability = max(history, key=lambda h: (h[0], h[1]))
        _, _, value, currency = max(values[deal_id], key=lambda v: (v[0], v[1]))
        if status != "open":
            continue
        row = out[(stage, currency)]
        row[0] += 1
        row[1] += value
        row[2] += Money(value * probability / 100, currency).rounded().amount
    return {k: (v[0], v[1], v[2]) for k, v in out.items()}


@given(history=st.lists(op, min_size=1, max_size=30), days=st.lists(st.integers(0, 100), min_size=1, max_size=3))
def test_pipeline_equals_a_replay_of_what_was_known_at_k_folded_by_effective_date(
    history: list[tuple[Any, ...]], days: list[int]
) -> None:
    with fresh_keel() as keel:
        marks = run(keel, history)
        keel.engine.catch_up()
        for offset in days:
            as_of = START + timedelta(days=offset)
            for known_at in [None, *marks]:
                report = pipeline(keel.views, as_of, known_at)
                got = {(r.group, r.currency): (r.count, r.value, r.weighted) for r in report.rows}
                assert got == replay_pipeline(keel, as_of, known_at), (as_of, known_at)
                funnel = {step.stage: step.reached for step in conversion(keel.views, as_of, known_at).funnel}
                assert funnel == replay_funnel(keel, as_of, known_at, list(funnel)), (as_of, known_at)
                since = as_of - timedelta(days=30)
                rate = win_rate(keel.views, since, as_of, known_at)
                got_rate = (rate.won, rate.lost, rate.average_cycle_days)
                assert got_rate == replay_win_rate(keel, since, as_of, known_at), (as_of, known_at)


def replay_funnel(keel: Keel, as_of: date, known_at: datetime | None, steps: list[str]) -> dict[str, int]:
    """Per step (the pipeline's stages in order, then won): how many deals had reached it or a later one."""
    furthest: dict[UUID, int] = {}
    for _, e in deal_events(keel, as_of, known_at):
        stage = "won" if isinstance(e, Deal.Won) else getattr(e, "stage", None)
        if isinstance(e, Deal.Opened | Deal.StageMoved | Deal.Reopened | Deal.Won) and stage in steps:
            furthest[e.originator_id] = max(furthest.get(e.originator_id, 0), steps.index(stage))
    return {step: sum(1 for f in furthest.values() if f >= n) for n, step in enumerate(steps)}


def replay_win_rate(keel: Keel, start: date, end: date, known_at: datetime | None) -> tuple[int, int, Decimal | None]:
    """Deals whose last status change by ``end`` won or lost them on or after ``start``; the
    average days from opening to winning."""
    opened: dict[UUID, date] = {}
    last: dict[UUID, tuple[date, int, str]] = {}
    for position, e in deal_events(keel, end, known_at):
        if isinstance(e, Deal.Opened):
            opened[e.originator_id] = e.effective_date
        status = "won" if isinstance(e, Deal.Won) else "lost" if isinstance(e, Deal.Lost) else "open"
        if isinstance(e, Deal.Opened | Deal.StageMoved | Deal.Reopened | Deal.Won | Deal.Lost):
            change = (e.effective_date, position, status)
            last[e.originator_id] = max(last.get(e.originator_id, (date.min, 0, "")), change)
    closed = [(deal, day, status) for deal, (day, _, status) in last.items() if status != "open" and day >= start]
    won = [(day - opened[deal]).days for deal, day, status in closed if status == "won"]
    cycle = (Decimal(sum(won)) / len(won)).quantize(Decimal("0.1")) if won else None
    return len(won), len(closed) - len(won), cycle


@given(history=st.lists(op, min_size=1, max_size=30))
def test_the_crm_read_model_rebuilt_from_scratch_equals_the_live_one(history: list[tuple[Any, ...]]) -> None:
    with fresh_keel() as keel:
        half = len(history) // 2
        run(keel, history[:half])
        keel.engine.catch_up()
        run(keel, history[half:])
        keel.engine.catch_up()
        projection = keel.engine.projections["crm"]
        live = {t: dump(keel, t) for t in projection.tables}
        keel.engine.rebuild("crm")
        assert {t: dump(keel, t) for t in projection.tables} == live


def dump(keel: Keel, table: str) -> list[tuple[str, ...]]:
    with keel.views.read() as cur:
        cur.execute(f"SELECT * FROM {table}")
        return sorted(tuple(str(v) for v in row) for row in cur.fetchall())
