"""The pipeline as datasets: every deal as it stood on the snapshot's date as known at its moment,
and each deal's stage spans (from the day it entered a stage to the day it left it), the rows a
conversion, velocity or cohort analysis starts from."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from itertools import groupby
from typing import Any

from ledger.money import minor_units
from projections.engine.spans import spans_at
from projections.engine.sql import as_date, as_datetime
from projections.exports.datasets import (
    LATEST_DAY,
    Batch,
    Column,
    Dataset,
    MinorUnits,
    Snapshot,
    Sources,
    decimals,
    in_batches,
    known_moment,
)

DEAL_COLUMNS = (
    Column("deal_id", "text", "The deal"),
    Column("title", "text", "Its title"),
    Column("customer_id", "text", "The customer it is with"),
    Column("owner", "text", "Who owns it"),
    Column("source", "text", "Where it came from"),
    Column("lead_id", "text", "The lead it was converted from"),
    Column("currency", "text", "The deal's currency (ISO 4217)"),
    Column("value", "money", "Its value"),
    Column("probability", "decimal", "The probability of its stage, 0 to 1"),
    Column("weighted", "money", "Value times probability, rounded per deal (what the pipeline sums)"),
    Column("stage", "text", "Its stage's key"),
    Column("status", "text", "open, won or lost"),
    Column("since", "date", "When it reached its stage or outcome"),
    Column("opened_on", "date", "When it was opened"),
    Column("expected_close", "date", "When it is expected to close"),
    Column("recorded_at", "timestamp", "When the books came to know this state (UTC)"),
)


def deal_batches(sources: Sources, snapshot: Snapshot) -> Iterator[Batch]:
    """Every deal opened by ``as_of``, as it stood then: the pipeline report's rows, by deal."""
    known = known_moment(sources, snapshot)
    if known is None:
        return
    with sources.views.read() as cur:
        at, params = spans_at(cur, snapshot.as_of or LATEST_DAY, known)
        cur.execute(
            "SELECT deal_id, title, customer_id, owner, source, lead_id, currency, value_minor, probability,"
            f" weighted_minor, stage, status, since, opened_on, expected_close, known_from FROM deal_spans WHERE {at}"
            " ORDER BY deal_id",
            params,
        )
        rows = cur.fetchall()
    for c in in_batches(rows):
        exponents = [minor_units(code) for code in c[6]]
        yield [
            *c[:7],
            MinorUnits([int(v) for v in c[7]], exponents),
            decimals(c[8]),
            MinorUnits([int(v) for v in c[9]], exponents),
            c[10],
            c[11],
            *([as_date(d) for d in column] for column in c[12:15]),
            [as_datetime(t) for t in c[15]],
        ]


STAGE_COLUMNS = (
    Column("deal_id", "text", "The deal"),
    Column("stage", "text", "The stage's key"),
    Column("stage_name", "text", "The stage's name in the pipeline today"),
    Column("status", "text", "open, won or lost while in this span"),
    Column("probability", "decimal", "The probability over the span, 0 to 1"),
    Column("entered_on", "date", "The business date the deal entered this stage (or outcome)"),
    Column("left_on", "date", "The business date it left it; empty if it was still there on the snapshot's date"),
    Column("position", "int64", "The log position of the change that began the span"),
    Column("recorded_at", "timestamp", "When that change was recorded (UTC)"),
)


def stage_batches(sources: Sources, snapshot: Snapshot) -> Iterator[Batch]:
    """Each deal's stage spans on its business timeline, from the changes dated by ``as_of`` and
    recorded by the snapshot. A change back-dated later splits the spans it falls in, as the
    pipeline's as-of answers do; several changes on one day leave the day's last in force."""
    where: list[str] = ["position <= %s"]
    params: list[Any] = [snapshot.position]
    if snapshot.as_of is not None:
        where.append("effective_date <= %s")
        params.append(snapshot.as_of)
    if snapshot.known_at is not None:
        where.append("recorded_at <= %s")
        params.append(snapshot.known_at)
    with sources.views.read() as cur:
        cur.execute("SELECT key, name FROM pipeline_stages")
        names = {str(k): str(n) for k, n in cur.fetchall()}
        cur.execute(
            "SELECT deal_id, stage, status, probability, effective_date, position, recorded_at FROM deal_stages"
            f" WHERE {' AND '.join(where)} ORDER BY deal_id, effective_date, position",
            params,
        )
        rows = cur.fetchall()
    spans = [span for _, changes in groupby(rows, key=lambda r: r[0]) for span in _spans(list(changes), names)]
    for c in in_batches(spans):
        yield [*c[:4], decimals(c[4]), *([as_date(d) for d in column] for column in c[5:7]), c[7], c[8]]


def _spans(changes: Sequence[tuple[Any, ...]], names: dict[str, str]) -> Iterator[tuple[Any, ...]]:
    """One deal's changes (deal, stage, status, probability, date, position, recorded_at), in
    business order, as spans: a day's last change holds from that day; equal neighbours merge."""
    days = [list(day)[-1] for _, day in groupby(changes, key=lambda r: as_date(r[4]))]
    kept = [row for i, row in enumerate(days) if i == 0 or row[1:4] != days[i - 1][1:4]]
    for i, (deal, stage, status, probability, day, position, recorded) in enumerate(kept):
        left = kept[i + 1][4] if i + 1 < len(kept) else None
        yield (
            deal,
            stage,
            names.get(str(stage), str(stage)),
            status,
            probability,
            day,
            left,
            position,
            as_datetime(recorded),
        )


DEALS = Dataset(
    "deals",
    "Every deal opened by as_of as it stood then (stage, status, value, weighted value), as known at known_at",
    DEAL_COLUMNS,
    deal_batches,
    ("crm",),
)
DEAL_STAGES = Dataset(
    "deal_stages",
    "Each deal's stage spans: the stage or outcome it was in from one business date to the next",
    STAGE_COLUMNS,
    stage_batches,
    ("crm",),
)
