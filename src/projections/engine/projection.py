"""What a read model is to the engine: a ``Projection`` folds ``Fact``s (events stamped with
their log position and the log's clock) into its tables. Business contexts implement it; the
engine (``projections.engine.engine``) runs them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from projections.engine.sql import Cursor


@dataclass(frozen=True, slots=True)
class Fact:
    """One event as a projection sees it: where it stands in the log and when it became known."""

    position: int
    recorded_at: datetime
    event: Any


class Projection(Protocol):
    @property
    def name(self) -> str: ...
    @property
    def schema_version(self) -> int:
        """Bump when the tables or the folding change: setup() then rebuilds the projection."""
        ...

    @property
    def tables(self) -> Sequence[str]: ...

    @property
    def folds(self) -> tuple[type, ...] | None:
        """The event classes (with their subclasses) whose events change this read model; the
        engine reads only their topics from the log. None: every event."""
        ...

    def create(self, cur: Cursor) -> None: ...
    def apply(self, cur: Cursor, facts: Sequence[Fact]) -> None: ...

    # Optional: ``query_indexes``, the names of indexes that ``create`` makes for queries alone,
    # never read by ``apply``: a rebuild builds them at its end (see ``ProjectionEngine.rebuild``).
    # Optional: ``retired_tables``, tables earlier versions made and this one does not: dropped
    # when the new version takes over.
