"""CRM read models: deal stage and attribute histories (both time axes), leads, contacts,
activities, follow-up histories, project drafts and the pipeline's stage order."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime

from ledger.activities import Activity, FollowUp
from ledger.crm import Deal, Pipeline
from ledger.customer import Customer
from ledger.leads import Lead
from ledger.money import to_minor
from ledger.projects import Project
from projections.crm import deal_spans
from projections.engine.projection import Fact
from projections.engine.spans import create_span_index
from projections.engine.sql import Cursor

TABLES = (
    "pipeline_stages",
    "leads",
    "deals",
    "deal_stages",
    "deal_facts",
    "deal_spans",
    "contacts",
    "activities",
    "followup_states",
    "projects",
)


class CrmProjection:
    name = "crm"
    # 2: expected close date; 3: deal spans; 4: their GiST index; 5: stages reached; 6: as boxes;
    # 7: open deals' own index; 8: spans as points in four dimensions; 9: weighted values;
    # 10: closed deals' own index; 11: deals in their list's order (``list_deals``' probe)
    schema_version = 11
    tables = TABLES
    query_indexes = ("deal_spans_at", "deal_spans_open_at", "deal_spans_closed_at", "deal_spans_opened")
    folds = (
        Pipeline.Event,
        Lead.Event,
        Deal.Event,
        Customer.ContactAdded,
        Customer.ContactRemoved,
        Activity.Event,
        FollowUp.Event,
        Project.DraftedFromDeal,
    )

    def create(self, cur: Cursor) -> None:
        axes = "effective_date DATE NOT NULL, position BIGINT NOT NULL, recorded_at TIMESTAMPTZ NOT NULL"
        for ddl in (
            "CREATE TABLE pipeline_stages (key TEXT PRIMARY KEY, name TEXT NOT NULL, probability TEXT NOT NULL,"
            " ord INTEGER NOT NULL)",
            "CREATE TABLE leads (id TEXT PRIMARY KEY, name TEXT NOT NULL, company TEXT NOT NULL, email TEXT NOT NULL,"
            " source TEXT NOT NULL, owner TEXT NOT NULL, status TEXT NOT NULL, captured_on DATE NOT NULL,"
            " customer_id TEXT, deal_id TEXT, reason TEXT, position BIGINT NOT NULL, recorded_at TIMESTAMPTZ NOT NULL)",
            "CREATE TABLE deals (id TEXT PRIMARY KEY, customer_id TEXT NOT NULL, title TEXT NOT NULL,"
            " value_minor BIGINT NOT NULL, currency TEXT NOT NULL, owner TEXT NOT NULL, stage TEXT NOT NULL,"
            " status TEXT NOT NULL, opened_on DATE NOT NULL, closed_on DATE, reason TEXT, source TEXT NOT NULL,"
            " lead_id TEXT, project_id TEXT, version INTEGER NOT NULL, position BIGINT NOT NULL)",
            f"CREATE TABLE deal_stages (deal_id TEXT NOT NULL, stage TEXT NOT NULL, probability TEXT NOT NULL,"
            f" status TEXT NOT NULL, {axes}, PRIMARY KEY (deal_id, position))",
            f"CREATE TABLE deal_facts (deal_id TEXT NOT NULL, customer_id TEXT NOT NULL, title TEXT NOT NULL,"
            f" value_minor BIGINT NOT NULL, currency TEXT NOT NULL, owner TEXT NOT NULL, source TEXT NOT NULL,"
            f" lead_id TEXT, opened_on DATE NOT NULL, expected_close DATE, {axes}, PRIMARY KEY (deal_id, position))",
            "CREATE TABLE contacts (customer_id TEXT NOT NULL, contact_id TEXT NOT NULL, name TEXT NOT NULL,"
            " email TEXT NOT NULL, phone TEXT NOT NULL, role TEXT NOT NULL, active BOOLEAN NOT NULL,"
            " PRIMARY KEY (customer_id, contact_id))",
            f"CREATE TABLE activities (id TEXT PRIMARY KEY, kind TEXT NOT NULL, about_kind TEXT NOT NULL,"
            f" about_id TEXT NOT NULL, subject TEXT NOT NULL, body TEXT NOT NULL, actor TEXT NOT NULL, {axes})",
            f"CREATE TABLE followup_states (followup_id TEXT NOT NULL, about_kind TEXT NOT NULL,"
            f" about_id TEXT NOT NULL,"
            f" owner TEXT NOT NULL, due DATE NOT NULL, status TEXT NOT NULL, note TEXT NOT NULL, {axes},"
            f" PRIMARY KEY (followup_id, position))",
            "CREATE TABLE projects (id TEXT PRIMARY KEY, customer_id TEXT NOT NULL, name TEXT NOT NULL,"
            " deal_id TEXT, status TEXT NOT NULL, value_minor BIGINT NOT NULL, currency TEXT NOT NULL,"
            " drafted_on DATE NOT NULL, position BIGINT NOT NULL)",
            "CREATE INDEX deal_stages_axes ON deal_stages (deal_id, effective_date, recorded_at)",
            "CREATE INDEX deal_facts_axes ON deal_facts (deal_id, effective_date, recorded_at)",
            "CREATE INDEX activities_about ON activities (about_id, effective_date)",
            "CREATE INDEX followup_states_axes ON followup_states (followup_id, effective_date, recorded_at)",
            *deal_spans.DDL,
        ):
            cur.execute(ddl)
        create_span_index(cur, "deal_spans")
        # Open deals (the pipeline's groups, the forecast) and closed ones (the pipeline's counts)
        # each have their own R-tree: the pipeline reads the two at once, neither through the other.
        create_span_index(cur, "deal_spans", "open_at", "status = 'open'")
        create_span_index(cur, "deal_spans", "closed_at", "status <> 'open'")
        cur.execute("CREATE INDEX deal_spans_opened ON deal_spans (opened_on, deal_id)")

    def apply(self, cur: Cursor, facts: Sequence[Fact]) -> None:
        changed: dict[str, list[tuple[int, datetime]]] = defaultdict(list)  # deal -> its events in the page
        for fact in facts:
            e = fact.event
            axes = (e.effective_date, fact.position, fact.recorded_at)
            oid = str(e.originator_id)
            if isinstance(e, Deal.Opened | Deal.Updated | Deal.StageMoved | Deal.Reopened | Deal.Won | Deal.Lost):
                changed[oid].append((fact.position, fact.recorded_at))
            if isinstance(e, Pipeline.Configured | Pipeline.Reconfigured):
                cur.execute("DELETE FROM pipeline_stages")
                cur.executemany(
                    "INSERT INTO pipeline_stages (key, name, probability, ord) VALUES (%s, %s, %s, %s)",
                    [(s.key, s.name, str(s.probability), n) for n, s in enumerate(e.stages)],
                )
            elif isinstance(e, Lead.Captured):
                cur.execute(
                    "INSERT INTO leads (id, name, company, email, source, owner, status, captured_on, position,"
                    " recorded_at) VALUES (%s, %s, %s, %s, %s, %s, 'new', %s, %s, %s)",
                    (oid, e.name, e.company, e.email, e.source, e.owner, *axes),
                )
            elif isinstance(e, Lead.Qualified):
                cur.execute("UPDATE leads SET status = 'qualified' WHERE id = %s", (oid,))
            elif isinstance(e, Lead.Reassigned):
                cur.execute("UPDATE leads SET owner = %s WHERE id = %s", (e.owner, oid))
            elif isinstance(e, Lead.Disqualified):
                cur.execute("UPDATE leads SET status = 'disqualified', reason = %s WHERE id = %s", (e.reason, oid))
            elif isinstance(e, Lead.Converted):
                cur.execute(
                    "UPDATE leads SET status = 'converted', customer_id = %s, deal_id = %s WHERE id = %s",
                    (str(e.customer_id), str(e.deal_id) if e.deal_id else None, oid),
                )
            elif isinstance(e, Deal.Opened):
                value = to_minor(e.value, e.currency)
                lead = str(e.lead_id) if e.lead_id else None
                cur.execute(
                    "INSERT INTO deals (id, customer_id, title, value_minor, currency, owner, stage, status, opened_on,"
                    " source, lead_id, version, position) VALUES (%s, %s, %s, %s, %s, %s, %s, 'open', %s, %s,"
                    " %s, %s, %s)",
                    (
                        oid,
                        str(e.customer_id),
                        e.title,
                        value,
                        e.currency,
                        e.owner,
                        e.stage,
                        e.effective_date,
                        e.source,
                        lead,
                        e.originator_version,
                        fact.position,
                    ),
                )
                self._stage(cur, oid, e.stage, e.probability, "open", axes)
                cur.execute(
                    "INSERT INTO deal_facts (deal_id, customer_id, title, value_minor, currency, owner,"
                    " source, lead_id,"
                    " opened_on, expected_close, effective_date, position, recorded_at)"
                    " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
                    (
                        oid,
                        str(e.customer_id),
                        e.title,
                        value,
                        e.currency,
                        e.owner,
                        e.source,
                        lead,
                        e.effective_date,
                        e.expected_close,
                        *axes,
                    ),
                )
            elif isinstance(e, Deal.Updated):
                cur.execute("SELECT customer_id, currency, source, lead_id, opened_on FROM deals WHERE id = %s", (oid,))
                row = cur.fetchone()
                assert row is not None
                value = to_minor(e.value, row[1])
                cur.execute(
                    "UPDATE deals SET title = %s, value_minor = %s, owner = %s, version = %s, position = %s"
                    " WHERE id = %s",
                    (e.title, value, e.owner, e.originator_version, fact.position, oid),
                )
                cur.execute(
                    "INSERT INTO deal_facts (deal_id, customer_id, title, value_minor, currency, owner,"
                    " source, lead_id,"
                    " opened_on, expected_close, effective_date, position, recorded_at)"
                    " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
                    (oid, row[0], e.title, value, row[1], e.owner, row[2], row[3], row[4], e.expected_close, *axes),
                )
            elif isinstance(e, Deal.StageMoved | Deal.Reopened):
                self._stage(cur, oid, e.stage, e.probability, "open", axes)
                self._deal_state(cur, fact, e.stage, "open", None, None)
            elif isinstance(e, Deal.Won):
                self._stage(cur, oid, "won", 100, "won", axes)
                self._deal_state(cur, fact, "won", "won", e.reason, str(e.project_id))
            elif isinstance(e, Deal.Lost):
                self._stage(cur, oid, "lost", 0, "lost", axes)
                self._deal_state(cur, fact, "lost", "lost", e.reason, None)
            elif isinstance(e, Customer.ContactAdded):
                c = e.contact
                cur.execute(
                    "INSERT INTO contacts (customer_id, contact_id, name, email, phone, role, active)"
                    " VALUES (%s, %s, %s, %s, %s, %s, TRUE) ON CONFLICT (customer_id,"
                    " contact_id) DO UPDATE SET active = TRUE",
                    (oid, str(c.contact_id), c.name, c.email, c.phone, c.role),
                )
            elif isinstance(e, Customer.ContactRemoved):
                cur.execute(
                    "UPDATE contacts SET active = FALSE WHERE customer_id = %s AND contact_id = %s",
                    (oid, str(e.contact_id)),
                )
            elif isinstance(e, Activity.Logged):
                cur.execute(
                    "INSERT INTO activities (id, kind, about_kind, about_id, subject, body, actor, effective_date,"
                    " position, recorded_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
                    (oid, e.kind, e.about_kind, str(e.about_id), e.subject, e.body, e.actor, *axes),
                )
            elif isinstance(e, FollowUp.Scheduled):
                self._followup(cur, oid, e.about_kind, str(e.about_id), e.owner, e.due, "open", e.note, axes)
            elif isinstance(e, FollowUp.Rescheduled | FollowUp.Completed | FollowUp.Cancelled):
                cur.execute(
                    "SELECT about_kind, about_id, owner, due, note FROM followup_states WHERE followup_id = %s"
                    " ORDER BY position DESC LIMIT 1",
                    (oid,),
                )
                prev = cur.fetchone()
                assert prev is not None
                kind, about, owner, due, note = prev
                status = "open"
                if isinstance(e, FollowUp.Rescheduled):
                    owner, due = e.owner, e.due
                else:
                    status = "completed" if isinstance(e, FollowUp.Completed) else "cancelled"
                self._followup(cur, oid, kind, about, owner, due, status, note, axes)
            elif isinstance(e, Project.DraftedFromDeal):
                cur.execute(
                    "INSERT INTO projects (id, customer_id, name, deal_id, status, value_minor, currency, drafted_on,"
                    " position) VALUES (%s, %s, %s, %s, 'draft', %s, %s, %s, %s)",
                    (
                        oid,
                        str(e.customer_id),
                        e.name,
                        str(e.deal_id),
                        to_minor(e.value, e.currency),
                        e.currency,
                        e.effective_date,
                        fact.position,
                    ),
                )
        if changed:
            deal_spans.update_spans(cur, changed)

    @staticmethod
    def _stage(
        cur: Cursor, deal_id: str, stage: str, probability: object, status: str, axes: tuple[object, ...]
    ) -> None:
        cur.execute(
            "INSERT INTO deal_stages (deal_id, stage, probability, status, effective_date, position, recorded_at)"
            " VALUES (%s, %s, %s, %s, %s, %s, %s)",
            (deal_id, stage, str(probability), status, *axes),
        )

    @staticmethod
    def _deal_state(cur: Cursor, fact: Fact, stage: str, status: str, reason: str | None, project: str | None) -> None:
        e = fact.event
        closed = e.effective_date if status != "open" else None
        cur.execute(
            "UPDATE deals SET stage = %s, status = %s, closed_on = %s, reason = COALESCE(%s, reason),"
            " project_id = COALESCE(%s, project_id), version = %s, position = %s WHERE id = %s",
            (stage, status, closed, reason, project, e.originator_version, fact.position, str(e.originator_id)),
        )

    @staticmethod
    def _followup(
        cur: Cursor,
        fid: str,
        kind: str,
        about: str,
        owner: str,
        due: object,
        status: str,
        note: str,
        axes: tuple[object, ...],
    ) -> None:
        cur.execute(
            "INSERT INTO followup_states (followup_id, about_kind, about_id, owner, due, status, note, effective_date,"
            " position, recorded_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
            (fid, kind, about, owner, due, status, note, *axes),
        )
