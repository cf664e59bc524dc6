"""Snapshots are a cache: every aggregate loaded through them equals the fold of its events, and
any past version can be loaded, on both backends."""

from __future__ import annotations

from datetime import date

import pytest

from api.demo import load_demo
from api.settings import Settings
from api.system import Keel
from commands import messages as m
from commands.application import KeelApplication
from ledger.customer import Customer
from ledger.events import Meta

META = Meta(actor="clerk")
ON = date(2026, 3, 2)


def test_loading_through_snapshots_equals_folding_the_events(
    keel_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    every_two = {kind: 2 for kind in KeelApplication.snapshotting_intervals}
    monkeypatch.setattr(KeelApplication, "snapshotting_intervals", every_two)
    with Keel.start(keel_settings, follow=False) as keel:
        load_demo(keel.app)
        assert keel.app.snapshots is not None
        ids = {event.originator_id for _, event in keel.app.read_log(0, 100_000)}
        snapshotted = 0
        for aggregate_id in ids:
            events = list(keel.app.events.get(aggregate_id))
            folded = None
            for event in events:
                folded = event.mutate(folded)
                loaded = keel.app.repository.get(aggregate_id, version=event.originator_version)
                assert _state(loaded) == _state(folded), (type(loaded).__name__, event.originator_version)
            snapshotted += bool(list(keel.app.snapshots.get(aggregate_id)))
        assert snapshotted >= 5  # sequences, projects, customers, the books, people


def _state(aggregate: object) -> dict[str, object]:
    return {k: v for k, v in vars(aggregate).items() if k != "_pending_events"}


def test_an_aggregate_found_far_past_its_last_snapshot_is_snapshotted_by_its_first_load(
    keel_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Written by a process that takes no snapshots (as a history appended in bulk takes none) ...
    monkeypatch.setattr(KeelApplication, "snapshotting_intervals", {Customer: 10_000})
    with Keel.start(keel_settings, follow=False) as keel:
        customer = keel.app.handle(m.RegisterCustomer(meta=META, name="Long history", on=ON)).id
        for n in range(120):
            keel.app.handle(m.RenameCustomer(meta=META, customer_id=customer, name=f"Name {n}", on=ON))
        assert keel.app.snapshots is not None and list(keel.app.snapshots.get(customer)) == []
    monkeypatch.undo()
    # ... then loaded by a command in a process that does: its snapshot is taken there and then.
    with Keel.start(keel_settings, follow=False) as keel:
        keel.app.handle(m.RenameCustomer(meta=META, customer_id=customer, name="Short again", on=ON))
        assert keel.app.snapshots is not None
        assert [s.originator_version for s in keel.app.snapshots.get(customer)] == [121]
        assert _state(keel.app.get(Customer, customer)) == _state(keel.app.get(Customer, customer, version=122))
        assert keel.app.get(Customer, customer).name == "Short again"
