"""The event log as a dataset: every public event (the schema webhooks and the stream use, secrets
left out) with its position, moments and aggregate, its data as JSON text; to a caller over HTTP,
only the events its stream would show it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from typing import Any

import orjson

from projections.exports.datasets import BATCH_ROWS, Batch, Column, Dataset, Snapshot, Sources, StoredLog
from projections.public_events import visible
from projections.public_stored import public_stored

COLUMNS = (
    Column("position", "int64", "The event's log position"),
    Column("recorded_at", "timestamp", "When it was recorded (UTC)"),
    Column("effective_date", "date", "Its business date, if it has one"),
    Column("event_id", "text", "A stable id, the same as on webhooks and the stream"),
    Column("type", "text", "The public type, `<context>.<event>`"),
    Column("version", "int64", "The type's version"),
    Column("aggregate_type", "text", "What it happened to"),
    Column("aggregate_id", "text", "Which one"),
    Column("actor", "text", "Who caused it"),
    Column("data", "json", "Its fields, as JSON (decimals as strings)"),
)


def log_batches(sources: Sources, snapshot: Snapshot) -> Iterator[Batch]:
    """The public events up to the snapshot's position (the last recorded by ``known_at``), and of
    those with a business date, the ones dated by ``as_of``."""
    return log_part(sources.log, snapshot, 0, snapshot.position)


def log_part(log: StoredLog, snapshot: Snapshot, after: int, upto: int) -> Iterator[Batch]:
    """``log_batches``' rows of the positions after ``after`` up to ``upto``: what one process
    writes when the log is split among several."""
    while after < upto:
        page = log.read_stored(after, min(BATCH_ROWS, upto - after))
        if not page:
            return
        batch = []
        for stored in page:
            position = stored.position
            if position > upto:
                break  # past a gap in the positions: the next part's
            found = public_stored(position, stored.recorded_at, stored, log)
            if found is None or _later(found["effective_date"], snapshot.as_of):
                continue
            if snapshot.scopes is not None and not visible(snapshot.scopes, found["type"]):
                continue  # what the caller's stream would not show it
            batch.append(
                (
                    position,
                    stored.recorded_at,
                    date.fromisoformat(found["effective_date"]) if found["effective_date"] else None,
                    found["id"],
                    found["type"],
                    found["version"],
                    found["aggregate"]["type"],
                    found["aggregate"]["id"],
                    found["actor"],
                    _json(found["data"]),
                )
            )
        after = page[-1].position
        if batch:
            yield [list(column) for column in zip(*batch, strict=True)]


def _json(data: dict[str, Any]) -> str:
    """Compact JSON, as ``json.dumps(data, ensure_ascii=False, separators=(",", ":"))`` writes it."""
    try:
        return orjson.dumps(data).decode()
    except TypeError:  # what orjson refuses (an integer beyond 64 bits, a lone surrogate): as before
        return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def _later(effective: str | None, as_of: date | None) -> bool:
    return as_of is not None and effective is not None and date.fromisoformat(effective) > as_of


EVENTS = Dataset(
    "events",
    "The log: every public event recorded by known_at (those with a business date: dated by as_of)",
    COLUMNS,
    log_batches,
    (),
    parts=log_part,
)
