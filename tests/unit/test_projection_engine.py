"""The engine keeps going for healthy projections when one fails, and says where it stopped."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from projections.engine.db import ViewDatabase
from projections.engine.engine import ProjectionEngine
from projections.engine.health import ProjectionFailed
from projections.engine.projection import Fact
from projections.engine.sql import Cursor


class Log:
    def __init__(self, n: int) -> None:
        self.events = [(i, SimpleNamespace(timestamp=_ts(i))) for i in range(1, n + 1)]

    def read_log(self, after: int, limit: int, topics: Sequence[str] = ()) -> Sequence[tuple[int, Any]]:
        return [e for e in self.events if e[0] > after][:limit]

    def head_position(self) -> int:
        return len(self.events)

    def times_of(self, positions: Sequence[int]) -> dict[int, Any]:
        return {}


def _ts(i: int) -> Any:
    from datetime import UTC, datetime, timedelta

    return datetime(2026, 1, 1, tzinfo=UTC) + timedelta(seconds=i)


class Counting:
    tables = ("counted",)
    schema_version = 1
    folds = None

    def __init__(self, name: str, fail_at: int | None = None) -> None:
        self.name, self.fail_at = name, fail_at

    def create(self, cur: Cursor) -> None:
        cur.execute(f"CREATE TABLE counted_{self.name} (position BIGINT)")

    def apply(self, cur: Cursor, facts: Sequence[Fact]) -> None:
        for fact in facts:
            if fact.position == self.fail_at:
                raise RuntimeError("cannot fold this event")


def test_a_failing_projection_stops_alone_and_reports_its_position(tmp_path: Path) -> None:
    db = ViewDatabase(f"sqlite:///{tmp_path}/views.sqlite")
    try:
        engine = ProjectionEngine(db, Log(10), [Counting("broken", fail_at=7), Counting("healthy")], page_size=3)
        engine.setup()
        with pytest.raises(ProjectionFailed, match="broken failed after position 6"):
            engine.catch_up()
        assert engine.positions() == {"broken": 6, "healthy": 10}
    finally:
        db.close()
