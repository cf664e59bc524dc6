"""Snapshots are a cache: every aggregate loaded through them equals the fold of its events, and
any past version can be loaded, on both backends."""

from __future__ import annotations

import pytest

from api.demo import load_demo
from api.settings import Settings
from api.system import Keel
from commands.application import KeelApplication


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
