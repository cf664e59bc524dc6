"""Projects, people's terms, allocations and time, on both time axes: what margins, budget
burn, utilisation and work in progress are computed from. And each timesheet as it stands now
(its status, its entries as logged and corrected, its aggregate's version): what GET of a
person's week answers."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime

from ledger.money import Money, to_minor
from ledger.people import Person, Terms
from ledger.projects import Project
from ledger.timesheets import APPROVED, OPEN, SUBMITTED, Timesheet
from projections.delivery import project_spans
from projections.engine.projection import Fact
from projections.engine.sql import Cursor

AXES = "effective_date DATE NOT NULL, position BIGINT NOT NULL, recorded_at TIMESTAMPTZ NOT NULL"


class WorkProjection:
    name = "work"
    # 2: retainers' monthly fee and tax; 3: project states on both time axes; 4: timesheets as they
    # stand; 5: the project list as bitemporal spans; 6: time keyed by timesheet and entry;
    # 7: retainers' fees from a month on
    schema_version = 7
    tables = (
        "work_projects",
        "project_states",
        "retainer_fees",
        "project_facts",
        "project_spans",
        "people",
        "timesheets",
        "timesheet_entries",
        "people_terms",
        "allocations",
        "project_time",
    )
    query_indexes = project_spans.INDEXES
    folds = (Project.Event, Person.Event, Timesheet.Event)

    def create(self, cur: Cursor) -> None:
        for ddl in (
            "CREATE TABLE work_projects (id TEXT PRIMARY KEY, customer_id TEXT NOT NULL, name TEXT NOT NULL,"
            " status TEXT NOT NULL, model TEXT, currency TEXT, budget_hours TEXT NOT NULL,"
            " budget_minor BIGINT NOT NULL,"
            " start_date DATE, end_date DATE, cost_center TEXT NOT NULL, deal_id TEXT, value_minor BIGINT,"
            " drafted_on DATE NOT NULL, monthly_fee_minor BIGINT, tax_percent TEXT, position BIGINT NOT NULL)",
            # The project after each change of terms or status, dated by the change: what the cash
            # forecast as of D known at K reads (one row per change, so no window over many rows).
            "CREATE TABLE project_states (id TEXT NOT NULL, customer_id TEXT NOT NULL, name TEXT NOT NULL,"
            " status TEXT NOT NULL, model TEXT, currency TEXT, start_date DATE, end_date DATE,"
            f" monthly_fee_minor BIGINT, tax_percent TEXT, {AXES}, PRIMARY KEY (id, position))",
            # A retainer's fee from a month on (a decimal in the project's currency, which stays),
            # decided on the effective date: the forecast takes it over the configured one.
            "CREATE TABLE retainer_fees (id TEXT NOT NULL, start_date DATE NOT NULL, fee TEXT NOT NULL,"
            f" {AXES}, PRIMARY KEY (id, position))",
            "CREATE TABLE people (id TEXT PRIMARY KEY, handle TEXT NOT NULL UNIQUE, name TEXT NOT NULL)",
            "CREATE TABLE timesheets (id TEXT PRIMARY KEY, person TEXT NOT NULL, week DATE NOT NULL,"
            " status TEXT NOT NULL, version INTEGER NOT NULL, position BIGINT NOT NULL)",
            "CREATE TABLE timesheet_entries (timesheet_id TEXT NOT NULL, entry_id TEXT NOT NULL, day DATE NOT NULL,"
            " project_id TEXT NOT NULL, hours TEXT NOT NULL, billable BOOLEAN NOT NULL, note TEXT NOT NULL,"
            " PRIMARY KEY (timesheet_id, entry_id))",
            "CREATE TABLE people_terms (handle TEXT NOT NULL, role TEXT NOT NULL,"
            " cost_center TEXT NOT NULL, weekly_capacity TEXT NOT NULL, cost_rate TEXT NOT NULL,"
            f" bill_rate TEXT NOT NULL, {AXES}, PRIMARY KEY (handle, position))",
            "CREATE TABLE allocations (project_id TEXT NOT NULL, person TEXT NOT NULL, week DATE NOT NULL,"
            f" hours TEXT NOT NULL, {AXES}, PRIMARY KEY (project_id, person, week, position))",
            "CREATE TABLE project_time (entry_id TEXT NOT NULL, timesheet_id TEXT NOT NULL, person TEXT NOT NULL,"
            " project_id TEXT NOT NULL, day DATE NOT NULL, hours TEXT NOT NULL, billable BOOLEAN NOT NULL,"
            " bill_rate TEXT, approved_on DATE, approved_at TIMESTAMPTZ, billed_on DATE, billed_at TIMESTAMPTZ,"
            " invoice_id TEXT, position BIGINT NOT NULL, PRIMARY KEY (timesheet_id, entry_id))",
            "CREATE INDEX project_time_project ON project_time (project_id, day)",
        ):
            cur.execute(ddl)
        project_spans.create(cur)

    def apply(self, cur: Cursor, facts: Sequence[Fact]) -> None:
        listed: list[tuple[object, ...]] = []  # what the page says of projects' list rows
        changed: dict[str, list[tuple[int, datetime]]] = defaultdict(list)  # project -> those events
        for fact in facts:
            e = fact.event
            oid = str(e.originator_id)
            if isinstance(e, project_spans.FOLDED):
                listed.append(project_spans.fact_row(fact))
                changed[oid].append((fact.position, fact.recorded_at))
            axes = (e.effective_date, fact.position, fact.recorded_at)
            if isinstance(e, Project.Drafted | Project.DraftedFromDeal):
                deal = str(e.deal_id) if isinstance(e, Project.DraftedFromDeal) else None
                value = to_minor(e.value, e.currency) if isinstance(e, Project.DraftedFromDeal) else None
                cur.execute(
                    "INSERT INTO work_projects (id, customer_id, name, status, budget_hours, budget_minor, cost_center,"
                    " deal_id, value_minor, currency, drafted_on, position)"
                    " VALUES (%s, %s, %s, 'draft', '0', 0, '', %s, %s, %s, %s, %s)",
                    (
                        oid,
                        str(e.customer_id),
                        e.name,
                        deal,
                        value,
                        e.currency if isinstance(e, Project.DraftedFromDeal) else None,
                        e.effective_date,
                        fact.position,
                    ),
                )
            elif isinstance(e, Project.Configured):
                b = e.billing
                cur.execute(
                    "UPDATE work_projects SET model = %s, currency = %s, budget_hours = %s, budget_minor = %s,"
                    " start_date = %s, end_date = %s, cost_center = %s, monthly_fee_minor = %s, tax_percent = %s,"
                    " position = %s WHERE id = %s",
                    (
                        b.model,
                        b.currency,
                        str(e.budget_hours),
                        to_minor(Money(e.budget_amount, b.currency).rounded().amount, b.currency),
                        e.start,
                        e.end,
                        e.cost_center,
                        to_minor(Money(b.monthly_fee, b.currency).rounded().amount, b.currency),
                        str(b.tax_percent),
                        fact.position,
                        oid,
                    ),
                )
                self._state(cur, oid, axes)
            elif isinstance(e, Project.RetainerRepriced):
                cur.execute(
                    "INSERT INTO retainer_fees (id, start_date, fee, effective_date, position, recorded_at)"
                    " VALUES (%s, %s, %s, %s, %s, %s)",
                    (oid, e.start, str(e.monthly_fee), *axes),
                )
            elif isinstance(e, Project.Activated | Project.Closed):
                status = "active" if isinstance(e, Project.Activated) else "closed"
                cur.execute(
                    "UPDATE work_projects SET status = %s, position = %s WHERE id = %s", (status, fact.position, oid)
                )
                self._state(cur, oid, axes)
            elif isinstance(e, Project.AllocationPlanned):
                cur.execute(
                    "INSERT INTO allocations (project_id, person, week, hours, effective_date, position, recorded_at)"
                    " VALUES (%s, %s, %s, %s, %s, %s, %s)",
                    (oid, e.person, e.week, str(e.hours), *axes),
                )
            elif isinstance(e, Project.TimeApproved):
                for t in e.entries:
                    cur.execute(
                        "UPDATE project_time SET bill_rate = %s, approved_on = %s, approved_at = %s"
                        " WHERE timesheet_id = %s AND entry_id = %s",
                        (str(t.bill_rate), e.effective_date, fact.recorded_at, str(e.timesheet_id), t.entry_id),
                    )
            elif isinstance(e, Project.TimeBilled):
                billed = (e.effective_date, fact.recorded_at, str(e.invoice_id))
                if e.timesheet_ids:
                    cur.executemany(
                        "UPDATE project_time SET billed_on = %s, billed_at = %s, invoice_id = %s"
                        " WHERE timesheet_id = %s AND entry_id = %s",
                        [(*billed, str(t), i) for t, i in zip(e.timesheet_ids, e.entry_ids, strict=True)],
                    )
                else:  # v1 named entries by id alone (and project_time never held one id twice then)
                    cur.executemany(
                        "UPDATE project_time SET billed_on = %s, billed_at = %s, invoice_id = %s WHERE entry_id = %s",
                        [(*billed, i) for i in e.entry_ids],
                    )
            elif isinstance(e, Person.Hired):
                cur.execute("INSERT INTO people (id, handle, name) VALUES (%s, %s, %s)", (oid, e.handle, e.name))
                self._terms(cur, e.handle, e.terms, fact)
            elif isinstance(e, Person.TermsChanged):
                cur.execute("SELECT handle FROM people WHERE id = %s", (oid,))
                row = cur.fetchone()
                assert row is not None
                self._terms(cur, row[0], e.terms, fact)
            elif isinstance(e, Timesheet.Event):
                self._timesheet(cur, fact)
        if listed:
            cur.copy_rows("project_facts", project_spans.FACT_COLUMNS, listed)
            project_spans.update_spans(cur, changed)

    @staticmethod
    def _timesheet(cur: Cursor, fact: Fact) -> None:
        """The week as it stands (status and version), its entries as logged and corrected, and the
        time on projects they are."""
        e, oid = fact.event, str(fact.event.originator_id)
        if isinstance(e, Timesheet.Opened):
            cur.execute(
                "INSERT INTO timesheets (id, person, week, status, version, position) VALUES (%s, %s, %s, %s, %s, %s)",
                (oid, e.person, e.week, OPEN, e.originator_version, fact.position),
            )
            return
        status = {Timesheet.Submitted: SUBMITTED, Timesheet.Rejected: OPEN, Timesheet.Approved: APPROVED}.get(type(e))
        cur.execute(
            "UPDATE timesheets SET status = COALESCE(%s, status), version = %s, position = %s WHERE id = %s",
            (status, e.originator_version, fact.position, oid),
        )
        if isinstance(e, Timesheet.EntryLogged):
            cur.execute(
                "INSERT INTO timesheet_entries (timesheet_id, entry_id, day, project_id, hours, billable, note)"
                " VALUES (%s, %s, %s, %s, %s, %s, %s)",
                (oid, e.entry_id, e.day, str(e.project_id), str(e.hours), e.billable, e.note),
            )
            cur.execute(
                "INSERT INTO project_time (entry_id, timesheet_id, person, project_id, day, hours, billable,"
                " position)"
                " SELECT %s, id, person, %s, %s, %s, %s, %s FROM timesheets WHERE id = %s",
                (e.entry_id, str(e.project_id), e.day, str(e.hours), e.billable, fact.position, oid),
            )
        elif isinstance(e, Timesheet.EntryCorrected):
            cur.execute(
                "UPDATE timesheet_entries SET hours = %s, billable = %s WHERE timesheet_id = %s AND entry_id = %s",
                (str(e.hours), e.billable, oid, e.entry_id),
            )
            cur.execute(
                "UPDATE project_time SET hours = %s, billable = %s WHERE timesheet_id = %s AND entry_id = %s",
                (str(e.hours), e.billable, oid, e.entry_id),
            )

    @staticmethod
    def _state(cur: Cursor, project_id: str, axes: tuple[object, ...]) -> None:
        """Record the project as it now stands, dated by the event that changed it. (Its state after
        the events in log order: exact as long as a project's changes are recorded in date order.)"""
        cur.execute(
            "INSERT INTO project_states (id, customer_id, name, status, model, currency, start_date, end_date,"
            " monthly_fee_minor, tax_percent, effective_date, position, recorded_at)"
            " SELECT id, customer_id, name, status, model, currency, start_date, end_date, monthly_fee_minor,"
            " tax_percent, %s, %s, %s FROM work_projects WHERE id = %s",
            (*axes, project_id),
        )

    @staticmethod
    def _terms(cur: Cursor, handle: str, t: Terms, fact: Fact) -> None:
        cur.execute(
            "INSERT INTO people_terms (handle, role, cost_center, weekly_capacity, cost_rate, bill_rate,"
            " effective_date, position, recorded_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
            (
                handle,
                t.role,
                t.cost_center,
                str(t.weekly_capacity),
                str(t.cost_rate),
                str(t.bill_rate),
                t.effective,
                fact.position,
                fact.recorded_at,
            ),
        )
