"""A retainer's fee changed from a month on: billing drafts each month at the fee in force for it,
a change never reaches a month invoiced already, and the stored forms read (events are contracts)."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from datetime import date
from decimal import Decimal
from uuid import UUID

import pytest
from eventsourcing.domain import Snapshot
from eventsourcing.persistence import StoredEvent
from hypothesis import given
from hypothesis import strategies as st
from stored_forms import AGG, decode

from commands.application import KeelApplication
from ledger.errors import DomainError, InvalidTransition, InvalidValue
from ledger.events import Meta
from ledger.project_terms import Billing, Milestone, fee_in_force
from ledger.projects import Project

META = Meta(actor="lead")
CUSTOMER = UUID(int=7)


def retainer(fee: str = "1000", start: date = date(2026, 1, 1)) -> Project:
    project = Project.draft(AGG, CUSTOMER, "Care plan", date(2025, 12, 1), META)
    billing = Billing(model="retainer", currency="EUR", tax_percent=Decimal(24), monthly_fee=Decimal(fee))
    project.configure(billing, Decimal(0), Decimal(0), start, None, "OPS", False, date(2025, 12, 1), META)
    project.activate(date(2025, 12, 1), META)
    return project


def billed(project: Project, as_of: date) -> list[tuple[str, Decimal]]:
    """Each month drafted by ``as_of``: its line's description and unit price."""
    return [(i.lines[0].description, i.lines[0].unit_price) for i in project.bill_retainer(as_of, as_of, META)]


def test_each_month_is_billed_at_the_fee_in_force_for_it() -> None:
    project = retainer()
    assert billed(project, date(2026, 2, 10)) == [
        ("Care plan: retainer 2026-01", Decimal(1000)),
        ("Care plan: retainer 2026-02", Decimal(1000)),
    ]
    project.reprice_retainer(Decimal("1200.00"), date(2026, 4, 1), date(2026, 2, 15), META)
    project.reprice_retainer(Decimal("1100.00"), date(2026, 3, 1), date(2026, 2, 16), META)
    assert billed(project, date(2026, 5, 1)) == [
        ("Care plan: retainer 2026-03", Decimal("1100.00")),
        ("Care plan: retainer 2026-04", Decimal("1200.00")),
        ("Care plan: retainer 2026-05", Decimal("1200.00")),
    ]


def test_a_later_change_from_the_same_month_replaces_the_earlier_one() -> None:
    project = retainer()
    project.reprice_retainer(Decimal(1500), date(2026, 3, 1), date(2026, 1, 5), META)
    project.reprice_retainer(Decimal(1400), date(2026, 3, 1), date(2026, 1, 6), META)
    assert project.fee_for("2026-02") == Decimal(1000)
    assert project.fee_for("2026-03") == project.fee_for("2027-01") == Decimal(1400)


@pytest.mark.parametrize(
    ("fee", "start", "refused", "said"),
    [
        ("0", date(2026, 6, 1), InvalidValue, "monthly_fee: a retainer's fee is more than zero, got 0"),
        ("-5", date(2026, 6, 1), InvalidValue, "monthly_fee:"),
        ("NaN", date(2026, 6, 1), InvalidValue, "monthly_fee:"),
        ("0.001", date(2026, 6, 1), InvalidValue, "monthly_fee: at most 2 decimals in EUR, got 0.001"),
        ("1800.125", date(2026, 6, 1), InvalidValue, "monthly_fee: at most 2 decimals in EUR"),
        ("1e30", date(2026, 6, 1), InvalidValue, "monthly_fee: 1E+30 EUR is too large"),
        ("99999999999999.99", date(2026, 6, 1), InvalidValue, "monthly_fee: a month's invoice at it: "),
        ("900", date(2026, 6, 15), InvalidValue, "from: a retainer's fee changes from the first day of a month"),
        ("900", date(2026, 2, 1), InvalidTransition, "from: 2026-02 of Care plan is invoiced already"),
        ("900", date(2025, 11, 1), InvalidTransition, "from: 2026-01 of Care plan is invoiced already"),
    ],
)
def test_a_change_the_books_cannot_take_is_refused_naming_the_field(
    fee: str, start: date, refused: type[DomainError], said: str
) -> None:
    project = retainer()
    billed(project, date(2026, 2, 1))
    with pytest.raises(refused, match=f"^{re.escape(said)}"):
        project.reprice_retainer(Decimal(fee), start, date(2026, 2, 2), META)
    assert not any(isinstance(e, Project.RetainerRepriced) for e in project.collect_events())
    assert project.fee_for("2026-06") == Decimal(1000)


def test_only_an_open_retainer_changes_its_fee() -> None:
    fixed = Project.draft(AGG, CUSTOMER, "Site", date(2026, 1, 1), META)
    billing = Billing(model="fixed", currency="EUR", milestones=[Milestone("a", "Launch", Decimal(900))])
    fixed.configure(billing, Decimal(0), Decimal(0), date(2026, 1, 1), None, "OPS", False, date(2026, 1, 1), META)
    with pytest.raises(InvalidTransition, match="Site is not a retainer"):
        fixed.reprice_retainer(Decimal(10), date(2026, 2, 1), date(2026, 1, 2), META)
    closed = retainer()
    closed.close("done", date(2026, 1, 31), META)
    with pytest.raises(InvalidTransition, match="project Care plan is closed"):
        closed.reprice_retainer(Decimal(10), date(2026, 2, 1), date(2026, 2, 1), META)


def test_a_repriced_retainer_keeps_its_currency_and_its_changes_fit_a_new_tax_rate() -> None:
    project = retainer()
    project.reprice_retainer(Decimal("700000000000.00"), date(2026, 3, 1), date(2026, 1, 5), META)
    same = Billing(model="retainer", currency="EUR", tax_percent=Decimal(24), monthly_fee=Decimal(1000))
    for billing, said in (
        (
            replace(same, currency="USD"),
            "currency: this retainer's fee changed from a month on in EUR; it stays in EUR",
        ),
        (replace(same, tax_percent=Decimal(100)), "monthly_fee: a month's invoice at it: "),
    ):
        with pytest.raises(InvalidValue, match=f"^{re.escape(said)}"):
            project.configure(
                billing, Decimal(0), Decimal(0), date(2026, 1, 1), None, "OPS", False, date(2026, 1, 6), META
            )
    project.configure(same, Decimal(0), Decimal(0), date(2026, 1, 1), None, "OPS", False, date(2026, 1, 6), META)
    assert project.fee_for("2026-04") == Decimal("700000000000.00")


@given(
    changes=st.dictionaries(
        st.builds(lambda y, m: f"{y}-{m:02d}", st.integers(2025, 2027), st.integers(1, 12)),
        st.decimals(min_value=1, max_value=10**6, places=2),
        max_size=6,
    ),
    month=st.builds(lambda y, m: f"{y}-{m:02d}", st.integers(2025, 2027), st.integers(1, 12)),
)
def test_the_fee_in_force_is_the_latest_change_from_that_month_or_before(
    changes: dict[str, Decimal], month: str
) -> None:
    before = sorted((key, fee) for key, fee in changes.items() if key <= month)
    assert fee_in_force(changes, Decimal(7), month) == (before[-1][1] if before else Decimal(7))


@pytest.fixture(scope="module")
def app() -> KeelApplication:
    return KeelApplication("memory://")


def test_retainer_repriced_v1_reads(app: KeelApplication) -> None:
    event = decode(
        app,
        "keel.project.RetainerRepriced.v1",
        4,
        '"monthly_fee":{"_type_":"decimal_str","_data_":"1800.00"},"start":{"_type_":"date_iso","_data_":"2027-01-01"}',
    )
    assert isinstance(event, Project.RetainerRepriced)
    assert (event.monthly_fee, event.start) == (Decimal("1800.00"), date(2027, 1, 1))


def test_a_project_snapshot_from_before_fees_could_change_loads_at_its_configured_fee(app: KeelApplication) -> None:
    project = retainer("950")
    stored = app.mapper.to_stored_event(Snapshot.take(project))
    state = json.loads(stored.state)
    assert "retainer_fees" not in state["state"]  # none changed: the snapshot holds what it held before
    old = StoredEvent(AGG, stored.originator_version, stored.topic, stored.state)
    restored = app.mapper.to_domain_event(old).mutate(None)
    assert isinstance(restored, Project)
    assert restored.fee_for("2026-03") == Decimal(950)
    restored.reprice_retainer(Decimal(990), date(2026, 3, 1), date(2026, 2, 1), META)
    again = app.mapper.to_domain_event(app.mapper.to_stored_event(Snapshot.take(restored))).mutate(None)
    assert isinstance(again, Project) and again.fee_for("2026-03") == Decimal(990)
