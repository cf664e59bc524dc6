"""Any sequence of chart commands the write side accepts (groups and moves among them) leaves the
chart read model equal to a fold of the chart's events (dated by D, recorded by K), on SQLite and
PostgreSQL, and never stops a projection; every refused command writes nothing."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from api.system import Keel
from commands import messages as m
from ledger.chart import CHART_ID, Chart
from ledger.chart_templates import SERVICES_EU
from ledger.errors import DomainError, NotFound
from ledger.events import Meta
from projections.finance.chart import ChartAccount, accounts_at

META = Meta(actor="property")
START = date(2026, 1, 1)
codes = st.sampled_from(["1000", "1010", "1020", "2100", "4000", "6000", "6100", "A1", "X", "10", "12", "60"])
names = st.sampled_from(["Bank", "Savings", "Ärzte Konto", "Software", "Revenue", "Ταμείο", " padded "])
kinds = st.sampled_from(["asset", "liability", "equity", "income", "expense"])
subtypes = st.sampled_from(["bank", "receivable", "tax", "expense", "revenue", "other", "group", "group"])
days = st.integers(0, 60)
command = st.one_of(
    st.builds(
        lambda code, name, kind, sub, parent, cur, d: m.AddAccount(
            meta=META,
            on=START + timedelta(d),
            code=code,
            name=name,
            type=kind,
            subtype=sub,
            parent=parent,
            currency=cur,
        ),
        codes,
        names,
        kinds,
        subtypes,
        st.none() | codes,
        st.sampled_from([None, "EUR", "USD"]),
        days,
    ),
    st.builds(
        lambda code, name, d: m.RenameAccount(meta=META, on=START + timedelta(d), code=code, name=name),
        codes,
        names,
        days,
    ),
    st.builds(
        lambda code, parent, d: m.MoveAccount(meta=META, on=START + timedelta(d), code=code, parent=parent),
        codes,
        st.none() | codes,
        days,
    ),
    st.builds(lambda code, d: m.DeactivateAccount(meta=META, on=START + timedelta(d), code=code), codes, days),
    st.builds(lambda code, d: m.ReactivateAccount(meta=META, on=START + timedelta(d), code=code), codes, days),
    st.builds(
        lambda role, code, d: m.MapRole(meta=META, on=START + timedelta(d), role=role, code=code),
        st.sampled_from(["bank", "revenue", "receivable", "output_tax:24", "suspense"]),
        codes,
        days,
    ),
    st.builds(
        lambda t, d: m.InitBooks(meta=META, on=START + timedelta(d), template=t),
        st.sampled_from(["minimal", "services-eu"]),
        days,
    ),
)


def fold(keel: Keel, position: int, on: date) -> dict[str, tuple[Any, ...]]:
    """The chart on ``on`` from the chart's events at or before ``position``, without the read model."""
    try:
        history = [(p, e) for p, e in keel.app.history(CHART_ID) if p is not None and p <= position]
    except NotFound:
        history = []
    if not any(isinstance(e, Chart.Started) for _, e in history):
        return {a.code: (a.name, a.type.value, a.subtype, a.parent, a.currency, True) for a in SERVICES_EU.accounts}
    state: dict[str, list[Any]] = {}
    dated = sorted((e.effective_date, p, e) for p, e in history if e.effective_date <= on)
    for _, _, e in dated:
        if isinstance(e, Chart.AccountAdded):
            state[e.code] = [e.name, e.type, e.subtype, e.parent, e.currency, True]
        elif isinstance(e, Chart.AccountRenamed) and e.code in state:
            state[e.code][0] = e.name
        elif isinstance(e, Chart.AccountMoved) and e.code in state:
            state[e.code][3] = e.parent
        elif isinstance(e, Chart.AccountDeactivated | Chart.AccountReactivated) and e.code in state:
            state[e.code][5] = isinstance(e, Chart.AccountReactivated)
    return {code: tuple(values) for code, values in state.items()}


def shown(found: dict[str, ChartAccount]) -> dict[str, tuple[Any, ...]]:
    return {c: (a.name, a.type, a.subtype, a.parent, a.currency, a.active) for c, a in found.items()}


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(st.lists(command, min_size=1, max_size=12), st.lists(st.tuples(days, st.floats(0, 1)), min_size=1, max_size=4))
def test_accepted_chart_commands_leave_the_read_model_equal_to_a_fold(
    keel: Keel, commands: list[m.Command], probes: list[tuple[int, float]]
) -> None:
    for c in commands:
        head = keel.app.head_position()
        try:
            keel.app.handle(c)
        except DomainError:
            assert keel.app.head_position() == head, f"refused {c} but wrote events"
    keel.engine.catch_up()  # raises if any read model stopped at an event it could not fold
    head = keel.app.head_position()
    for d, fraction in [(60, 1.0), *probes]:
        on = START + timedelta(d)
        position = max(1, round(head * fraction)) if head else 0
        moment = keel.app.moment_of(position) if position else None
        known = keel.app.position_at(moment) if moment else head
        with keel.views.read() as cur:
            found = shown(accounts_at(cur, on, moment if fraction < 1 else None))
        assert found == fold(keel, known if fraction < 1 else head, on), (on, position)
