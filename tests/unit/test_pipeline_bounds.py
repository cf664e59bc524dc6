"""Which appends the PostgreSQL recorder sends through the library's pipelined insert: a batch of
many events, or one very large event, hung there (psycopg issue #685) and goes in a plain transaction."""

from __future__ import annotations

from uuid import uuid4

from eventsourcing.persistence import StoredEvent

from commands.adapters.postgres import PIPELINE_MAX_BYTES, PIPELINE_MAX_EVENTS, fits_pipeline


def _events(count: int, size: int) -> list[StoredEvent]:
    return [StoredEvent(uuid4(), 1, "keel.test.Happened.v1", b"x" * size) for _ in range(count)]


def test_a_few_small_events_are_pipelined() -> None:
    assert fits_pipeline(_events(3, 500))


def test_more_events_than_the_bound_are_not_pipelined() -> None:
    assert not fits_pipeline(_events(PIPELINE_MAX_EVENTS + 1, 10))


def test_one_event_larger_than_the_byte_bound_is_not_pipelined() -> None:
    assert not fits_pipeline(_events(1, PIPELINE_MAX_BYTES + 1))


def test_a_few_events_larger_together_than_the_byte_bound_are_not_pipelined() -> None:
    assert not fits_pipeline(_events(4, PIPELINE_MAX_BYTES // 3))
