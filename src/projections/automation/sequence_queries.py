"""Questions to the e-mail sequences' read model (ADR 0068): the steps due as of a date (the
worker's), the sequences, the enrollments, the suppression list, and the results per sequence as
of any date and as known at any moment (the report HTTP, the CLI and the web app share)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from projections.automation.sequences import ADDRESSES, ENROLLMENTS, FACTS, SEQUENCES
from projections.engine.db import ViewDatabase
from projections.engine.sql import as_date, day

PAGE = 500
COUNTED = ("enrolled", "queued", "withdrawn", "sent", "replied", "unsubscribed", "stage_changed", "converted")
STEPS = ("queued", "withdrawn", "sent")  # counted in steps; the others in enrollments


def _days(text: object) -> list[int] | None:
    """The steps' days as stored, or None when they are not a list of days Keel could have written
    (an imported event's): such an enrollment is skipped, never a worker stopped."""
    try:
        days = [int(d) for d in str(text).split(",")]
    except ValueError:
        return None
    return days if all(0 <= d <= 365 for d in days) else None


def due_steps(db: ViewDatabase, as_of: date) -> Iterator[tuple[str, int]]:
    """(enrollment, step index) of each active enrollment whose next step's day has come: its day
    after enrolling, and the steps' own gap after the step before (the handler decides the same)."""
    with db.read() as cur:
        cur.execute(f"SELECT id FROM {SEQUENCES} WHERE retired = 1")
        retired = {str(r[0]) for r in cur.fetchall()}
    after = ""
    while True:
        with db.read() as cur:
            cur.execute(
                f"SELECT id, sequence_id, started_on, sent, days, last_sent_on FROM {ENROLLMENTS}"
                " WHERE status = 'active' AND id > %s ORDER BY id LIMIT %s",
                (after, PAGE),
            )
            page = cur.fetchall()
        for ident, sequence, started, sent, stored, last in page:
            steps, step = _days(stored), int(sent)
            if steps is None or not 0 <= step < len(steps):
                continue  # every step sent
            due = day(started) + timedelta(days=steps[step])
            if step > 0 and last is not None:
                due = max(due, day(last) + timedelta(days=steps[step] - steps[step - 1]))
            # a retired sequence's unfinished enrollments are asked now: the run stops them
            if str(sequence) in retired or due <= as_of:
                yield str(ident), step
        if len(page) < PAGE:
            return
        after = str(page[-1][0])


@dataclass(frozen=True)
class SequenceRow:
    id: str
    name: str
    steps: int
    retired: bool
    defined_on: date


def sequences(db: ViewDatabase) -> list[SequenceRow]:
    with db.read() as cur:
        cur.execute(f"SELECT id, name, steps, retired, defined_on FROM {SEQUENCES} ORDER BY name, id")
        return [SequenceRow(str(r[0]), str(r[1]), int(r[2]), bool(r[3]), day(r[4])) for r in cur.fetchall()]


@dataclass(frozen=True)
class EnrollmentRow:
    id: str
    sequence_id: str
    person_kind: str
    person_id: str
    email: str
    name: str
    company: str
    deal_id: str | None
    started_on: date
    queued: int  # its steps queued so far
    status: str  # active, finished, or why it stopped


def enrollments(db: ViewDatabase, sequence_id: str, limit: int = 200) -> list[EnrollmentRow]:
    with db.read() as cur:
        cur.execute(
            "SELECT id, sequence_id, person_kind, person_id, email, name, company, deal_id, started_on, sent, status"
            f" FROM {ENROLLMENTS} WHERE sequence_id = %s ORDER BY started_on DESC, id LIMIT %s",
            (sequence_id, limit),
        )
        return [
            EnrollmentRow(
                str(r[0]),
                str(r[1]),
                str(r[2]),
                str(r[3]),
                str(r[4]),
                str(r[5]),
                str(r[6]),
                str(r[7]) if r[7] else None,
                day(r[8]),
                int(r[9]),
                str(r[10]),
            )
            for r in cur.fetchall()
        ]


@dataclass(frozen=True)
class Suppressed:
    email: str
    since: date | None
    source: str
    reason: str


def suppression_list(db: ViewDatabase) -> list[Suppressed]:
    with db.read() as cur:
        cur.execute(f"SELECT email, since, source, reason FROM {ADDRESSES} WHERE unsubscribed = 1 ORDER BY email")
        return [Suppressed(str(r[0]), as_date(r[1]), str(r[2]), str(r[3])) for r in cur.fetchall()]


@dataclass(frozen=True)
class Results:
    """One sequence's results: enrollments; ``queued`` (for the outbox), ``withdrawn`` (stopped before
    the outbox sent them) and ``sent`` (delivered to the mail server) count steps."""

    sequence_id: str
    name: str
    enrolled: int
    queued: int
    withdrawn: int
    sent: int
    replied: int
    unsubscribed: int
    stage_changed: int
    converted: int


def results(db: ViewDatabase, as_of: date, known_at: datetime | None = None) -> list[Results]:
    """Per sequence defined by ``as_of``, as of ``as_of`` (business dates) as known at ``known_at``:
    how many enrolled; steps queued, withdrawn and sent; enrollments that replied, unsubscribed,
    stopped on their deal's new stage, converted. Opens are not tracked: steps are plain text, with no pixel
    to load."""
    known = " AND f.recorded_at <= %s" if known_at else ""
    params: tuple[object, ...] = (as_of, known_at) if known_at else (as_of,)
    defined = " AND recorded_at <= %s" if known_at else ""
    with db.read() as cur:
        cur.execute(
            "SELECT f.sequence_id, f.fact, COUNT(*), COUNT(DISTINCT f.enrollment_id)"
            f" FROM {FACTS} f WHERE f.effective_date <= %s{known} GROUP BY f.sequence_id, f.fact",
            params,
        )
        counted: dict[str, dict[str, int]] = {}
        for sequence, fact, rows, distinct in cur.fetchall():
            if str(fact) in COUNTED:
                many = fact in STEPS
                counted.setdefault(str(sequence), {})[str(fact)] = int(rows if many else distinct)
        # every sequence known then (one defined later may hold enrollments dated earlier)
        cur.execute(f"SELECT id, name FROM {SEQUENCES} WHERE 1 = 1{defined} ORDER BY name, id", params[1:])
        named = cur.fetchall()
    return [Results(str(i), str(n), *(counted.get(str(i), {}).get(k, 0) for k in COUNTED)) for i, n in named]
