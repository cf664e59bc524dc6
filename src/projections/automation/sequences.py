"""E-mail sequences as the worker and the results report see them (ADR 0068).

``sequence_enrollments`` is each enrollment now (the steps queued, active, finished or why it stopped): the
worker asks it which step is due. ``sequence_facts`` is what happened to each enrollment, dated by
its business date and recorded at its position and time, so the results report answers as of any
date and as known at any moment: enrolled, a step queued, withdrawn before it went, sent, replied (a message from the
address on or after the day it was enrolled), unsubscribed, stopped (the deal's new stage, the
sequence retired, by hand), converted (its lead converted, or its deal won, after it was enrolled).
``mail_addresses`` is the suppression list (and the last reply of each address).
"""

from __future__ import annotations

from collections.abc import Sequence

from ledger.crm import Deal
from ledger.email_sequences import EmailSequence
from ledger.enrollments import KIND, Enrollment, MailAddress
from ledger.leads import Lead
from ledger.outbox import Message
from projections.engine.projection import Fact
from projections.engine.sql import Cursor

SEQUENCES, ENROLLMENTS, FACTS = "email_sequences", "sequence_enrollments", "sequence_facts"
MESSAGES, ADDRESSES = "sequence_messages", "mail_addresses"


class SequencesProjection:
    name = "sequences"
    automation = True  # what it owes, it owes for real events: a scenario never branches it
    schema_version = 1
    tables = (SEQUENCES, ENROLLMENTS, FACTS, MESSAGES, ADDRESSES)
    folds = (EmailSequence.Event, Enrollment.Event, MailAddress.Event, Message.Event, Lead.Converted, Deal.Won)

    def create(self, cur: Cursor) -> None:
        axes = "effective_date DATE NOT NULL, position BIGINT NOT NULL, recorded_at TIMESTAMPTZ NOT NULL"
        for ddl in (
            f"CREATE TABLE {SEQUENCES} (id TEXT PRIMARY KEY, name TEXT NOT NULL, days TEXT NOT NULL,"
            " steps BIGINT NOT NULL, retired INTEGER NOT NULL, defined_on DATE NOT NULL,"
            " recorded_at TIMESTAMPTZ NOT NULL, position BIGINT NOT NULL)",
            f"CREATE TABLE {ENROLLMENTS} (id TEXT PRIMARY KEY, sequence_id TEXT NOT NULL, person_kind TEXT NOT NULL,"
            " person_id TEXT NOT NULL, email TEXT NOT NULL, name TEXT NOT NULL, company TEXT NOT NULL,"
            # days: the steps' days as they were when enrolled (a later change is for later enrollments)
            " deal_id TEXT, started_on DATE NOT NULL, days TEXT NOT NULL, sent BIGINT NOT NULL,"
            " last_sent_on DATE, status TEXT NOT NULL, position BIGINT NOT NULL)",
            f"CREATE INDEX {ENROLLMENTS}_due ON {ENROLLMENTS} (status, sequence_id, id)",
            f"CREATE INDEX {ENROLLMENTS}_email ON {ENROLLMENTS} (email)",
            f"CREATE TABLE {FACTS} (enrollment_id TEXT NOT NULL, sequence_id TEXT NOT NULL, fact TEXT NOT NULL,"
            f" detail TEXT NOT NULL, {axes})",
            f"CREATE INDEX {FACTS}_report ON {FACTS} (sequence_id, fact, effective_date)",
            f"CREATE TABLE {MESSAGES} (message_id TEXT PRIMARY KEY, enrollment_id TEXT NOT NULL)",
            f"CREATE TABLE {ADDRESSES} (id TEXT PRIMARY KEY, email TEXT NOT NULL, unsubscribed INTEGER NOT NULL,"
            " since DATE, source TEXT NOT NULL, reason TEXT NOT NULL, last_reply TIMESTAMPTZ,"
            " position BIGINT NOT NULL)",
        ):
            cur.execute(ddl)

    def apply(self, cur: Cursor, facts: Sequence[Fact]) -> None:
        for fact in facts:
            e, oid = fact.event, str(fact.event.originator_id)
            if isinstance(e, EmailSequence.Defined | EmailSequence.StepsChanged):
                days = ",".join(str(s.day) for s in e.steps)
                if isinstance(e, EmailSequence.Defined):
                    cur.execute(
                        f"INSERT INTO {SEQUENCES} (id, name, days, steps, retired, defined_on, recorded_at, position)"
                        " VALUES (%s, %s, %s, %s, 0, %s, %s, %s) ON CONFLICT (id) DO NOTHING",
                        (oid, e.name, days, len(e.steps), e.effective_date, fact.recorded_at, fact.position),
                    )
                else:
                    cur.execute(
                        f"UPDATE {SEQUENCES} SET days = %s, steps = %s, position = %s WHERE id = %s",
                        (days, len(e.steps), fact.position, oid),
                    )
            elif isinstance(e, EmailSequence.Retired):
                cur.execute(f"UPDATE {SEQUENCES} SET retired = 1, position = %s WHERE id = %s", (fact.position, oid))
            elif isinstance(e, Enrollment.Event):
                self._enrollment(cur, fact)
            elif isinstance(e, MailAddress.Event):
                self._address(cur, fact)
            elif isinstance(e, Message.Queued) and e.kind == KIND:
                enrollment = e.cause.partition("#")[0]
                cur.execute(
                    f"INSERT INTO {MESSAGES} (message_id, enrollment_id) VALUES (%s, %s)"
                    " ON CONFLICT (message_id) DO NOTHING",
                    (oid, enrollment),
                )
            elif isinstance(e, Message.Delivered):
                cur.execute(f"SELECT enrollment_id FROM {MESSAGES} WHERE message_id = %s", (oid,))
                row = cur.fetchone()
                if row is not None:
                    _fact_for(cur, str(row[0]), "sent", f"step message {oid}", fact)
            elif isinstance(e, Message.Withdrawn):
                cur.execute(f"SELECT enrollment_id FROM {MESSAGES} WHERE message_id = %s", (oid,))
                row = cur.fetchone()
                if row is not None:
                    _fact_for(cur, str(row[0]), "withdrawn", e.reason, fact)
            elif isinstance(e, Lead.Converted):
                _converted(cur, "person_kind = 'lead' AND person_id = %s", oid, "lead converted", fact)
            elif isinstance(e, Deal.Won):
                _converted(cur, "deal_id = %s", oid, "deal won", fact)

    def _enrollment(self, cur: Cursor, fact: Fact) -> None:
        e, oid = fact.event, str(fact.event.originator_id)
        if isinstance(e, Enrollment.Started):
            cur.execute(f"SELECT days FROM {SEQUENCES} WHERE id = %s", (str(e.sequence_id),))
            row = cur.fetchone()
            cur.execute(
                f"INSERT INTO {ENROLLMENTS} (id, sequence_id, person_kind, person_id, email, name, company, deal_id,"
                " started_on, days, sent, status, position)"
                " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, 0, 'active', %s) ON CONFLICT (id) DO NOTHING",
                (oid, str(e.sequence_id), e.person_kind, str(e.person_id), e.email, e.name, e.company,
                 str(e.deal_id) if e.deal_id else None, e.effective_date, str(row[0]) if row else "", fact.position),
            )  # fmt: skip
            _fact_for(cur, oid, "enrolled", e.cause, fact)
        elif isinstance(e, Enrollment.StepQueued):
            sent = (min(max(e.step + 1, 0), 2**53), e.effective_date, fact.position, oid)
            cur.execute(f"UPDATE {ENROLLMENTS} SET sent = %s, last_sent_on = %s, position = %s WHERE id = %s", sent)
            cur.execute(f"SELECT days FROM {ENROLLMENTS} WHERE id = %s", (oid,))
            row = cur.fetchone()
            if row is not None and e.step + 1 >= len(str(row[0]).split(",")):  # its last step: finished
                cur.execute(f"UPDATE {ENROLLMENTS} SET status = 'finished' WHERE id = %s AND status = 'active'", (oid,))
            _fact_for(cur, oid, "queued", f"step {e.step + 1}", fact)
        elif isinstance(e, Enrollment.Stopped):
            stopped = (e.reason, fact.position, oid)
            cur.execute(f"UPDATE {ENROLLMENTS} SET status = %s, position = %s WHERE id = %s", stopped)
            _fact_for(cur, oid, e.reason, e.detail, fact)

    def _address(self, cur: Cursor, fact: Fact) -> None:
        e = fact.event
        if isinstance(e, MailAddress.Created):
            cur.execute(
                f"INSERT INTO {ADDRESSES} (id, email, unsubscribed, source, reason, position)"
                " VALUES (%s, %s, 0, '', '', %s)",
                (str(e.originator_id), e.email, fact.position),
            )
            return
        cur.execute(f"SELECT email FROM {ADDRESSES} WHERE id = %s", (str(e.originator_id),))
        row = cur.fetchone()
        if row is None:  # pragma: no cover - an address's first event is its creation
            return
        email = str(row[0])
        if isinstance(e, MailAddress.Replied):
            cur.execute(f"UPDATE {ADDRESSES} SET last_reply = %s, position = %s WHERE email = %s",
                        (e.received_at, fact.position, email))  # fmt: skip
            kind = "replied"
        elif isinstance(e, MailAddress.Unsubscribed):
            cur.execute(
                f"UPDATE {ADDRESSES} SET unsubscribed = 1, since = %s, source = %s, reason = %s, position = %s"
                " WHERE email = %s",
                (e.effective_date, e.source, e.reason, fact.position, email),
            )
            kind = "unsubscribed"
        else:
            cur.execute(f"UPDATE {ADDRESSES} SET unsubscribed = 0, since = NULL, position = %s WHERE email = %s",
                        (fact.position, email))  # fmt: skip
            return
        # an unsubscribe by a link: that enrollment's; else the address's enrollments begun by then and
        # not stopped for another reason (a sequence finished a year ago is not credited)
        link = getattr(e, "enrollment_id", None)
        if link is not None:
            cur.execute(f"SELECT id FROM {ENROLLMENTS} WHERE id = %s", (str(link),))
        else:
            cur.execute(
                f"SELECT id FROM {ENROLLMENTS} WHERE email = %s AND started_on <= %s"
                " AND status IN ('active', 'finished', 'replied', 'unsubscribed')",
                (email, e.effective_date),
            )
        for (enrollment,) in cur.fetchall():
            _fact_for(cur, str(enrollment), kind, "", fact, once=True)


def _fact_for(cur: Cursor, enrollment: str, kind: str, detail: str, fact: Fact, once: bool = False) -> None:
    if once:
        cur.execute(f"SELECT 1 FROM {FACTS} WHERE enrollment_id = %s AND fact = %s", (enrollment, kind))
        if cur.fetchone() is not None:
            return
    cur.execute(
        f"INSERT INTO {FACTS} (enrollment_id, sequence_id, fact, detail, effective_date, position, recorded_at)"
        f" SELECT id, sequence_id, %s, %s, %s, %s, %s FROM {ENROLLMENTS} WHERE id = %s",
        (kind, detail[:500], fact.event.effective_date, fact.position, fact.recorded_at, enrollment),
    )


def _converted(cur: Cursor, where: str, subject: str, detail: str, fact: Fact) -> None:
    cur.execute(
        f"SELECT id FROM {ENROLLMENTS} WHERE {where} AND started_on <= %s", (subject, fact.event.effective_date)
    )
    for (enrollment,) in cur.fetchall():
        _fact_for(cur, str(enrollment), "converted", detail, fact, once=True)
