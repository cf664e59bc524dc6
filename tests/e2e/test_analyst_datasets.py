"""The analysts' document, pipeline and time datasets: each file holds the rows Keel's own lists
and reports answer on the same date as known at the same moment."""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal
from itertools import pairwise
from pathlib import Path
from tempfile import mkdtemp
from typing import Any

import pyarrow.parquet as pq
import pytest
from support import META

from api.demo import load_demo
from api.demo.ids import demo_id
from api.demo.pipeline import project_id_for_deal
from api.exports.parquet import datasets_named, export_snapshot, take_snapshot, write_dataset
from api.exports.parts import Processes
from api.system import Keel
from commands.messages import PlanAllocation
from projections.crm.reports import deals_as_of
from projections.delivery.reports import utilisation
from projections.exports.datasets import Sources
from projections.exports.journal import JOURNAL
from projections.exports.log import EVENTS
from projections.finance.ledger_lists import list_payments
from projections.finance.lists import list_customers, list_invoices
from projections.public_events import public_event
from projections.public_stored import public_stored

END_OF_Q3 = date(2026, 9, 30)
FOURTH_OF_AUGUST = datetime(2026, 8, 4, 23, 59, 59, tzinfo=UTC)
MOMENTS = (FOURTH_OF_AUGUST, None)


@pytest.fixture
def demo(keel: Keel) -> Keel:
    load_demo(keel.app)
    kite = project_id_for_deal(demo_id("deal:kite"))
    for week, hours in ((date(2026, 10, 5), "20"), (date(2026, 10, 12), "0"), (date(2026, 10, 19), "12.5")):
        keel.app.handle(
            PlanAllocation(meta=META, project_id=kite, person="jon", week=week, hours=hours, on=date(2026, 9, 25))
        )
    keel.engine.catch_up()
    return keel


def rows(keel: Keel, tmp_path: Path, name: str, as_of: date | None, known_at: datetime | None) -> list[dict[str, Any]]:
    position = keel.app.position_at(known_at) if known_at else None
    target = Path(mkdtemp(dir=tmp_path)) / name
    snapshot = take_snapshot(keel, as_of, known_at, position, datasets_named([name]))
    export_snapshot(keel, target, snapshot, [name])
    return pq.read_table(target / f"{name}.parquet").to_pylist()


def test_the_invoices_file_is_keel_s_invoice_list_as_known_then(demo: Keel, tmp_path: Path) -> None:
    for known_at in MOMENTS:
        listed = list_invoices(demo.views, END_OF_Q3, known_at, limit=1000).items
        exported = rows(demo, tmp_path, "invoices", END_OF_Q3, known_at)
        assert [
            (r["invoice_id"], r["number"], r["status"], r["total"], r["paid"], r["credited"], r["outstanding"])
            for r in exported
        ] == [(i.id, i.number, i.status, i.total, i.paid, i.credited, i.outstanding) for i in listed]
        assert any(i.paid for i in listed) and any(i.outstanding for i in listed)
    then = rows(demo, tmp_path, "invoices", END_OF_Q3, FOURTH_OF_AUGUST)
    assert all(r["recorded_at"] <= FOURTH_OF_AUGUST for r in then)


def test_the_payments_file_holds_each_receipt_known_then_with_its_allocations(demo: Keel, tmp_path: Path) -> None:
    for known_at in MOMENTS:
        exported = rows(demo, tmp_path, "payments", END_OF_Q3, known_at)
        listed = list_payments(demo.views, end=END_OF_Q3, limit=1000).items
        if known_at is not None:
            position = demo.app.position_at(known_at)
            exported_ids = {r["payment_id"] for r in exported}
            assert all(r["position"] <= position for r in exported)
            listed = [p for p in listed if p.id in exported_ids]
            assert len(listed) < len(list_payments(demo.views, end=END_OF_Q3, limit=1000).items)
        by_id = {r["payment_id"]: r for r in exported}
        assert sorted(by_id) == sorted(p.id for p in listed) and by_id
        for p in listed:
            r = by_id[p.id]
            assert (r["customer_id"], r["received_on"], r["currency"], r["amount"]) == (
                p.customer_id,
                p.received_on,
                p.currency,
                p.amount,
            )
            assert r["allocated"] + r["credit"] == r["amount"] - r["bank_fee"]


def test_the_deals_file_is_the_pipeline_then_and_its_stage_spans_lead_to_each_deal_s_stage(
    demo: Keel, tmp_path: Path
) -> None:
    for known_at in MOMENTS:
        deals = rows(demo, tmp_path, "deals", END_OF_Q3, known_at)
        keel_deals = deals_as_of(demo.views, END_OF_Q3, known_at)
        assert [(d["deal_id"], d["stage"], d["status"], d["value"], d["probability"]) for d in deals] == sorted(
            (d.deal_id, d.stage, d.status, d.value, d.probability) for d in keel_deals
        )
        spans = defaultdict(list)
        for span in rows(demo, tmp_path, "deal_stages", END_OF_Q3, known_at):
            spans[span["deal_id"]].append(span)
        assert set(spans) == {d["deal_id"] for d in deals}
        for deal in deals:
            history = spans[deal["deal_id"]]
            assert history[-1]["stage"] == deal["stage"] and history[-1]["left_on"] is None
            assert history[-1]["entered_on"] == deal["since"]
            for before, after in pairwise(history):
                assert before["left_on"] == after["entered_on"] > before["entered_on"]
    won = [s for s in rows(demo, tmp_path, "deal_stages", END_OF_Q3, None) if s["status"] == "won"]
    assert won and all(s["stage_name"] for s in won)


def test_the_timesheets_and_allocations_files_sum_to_keel_s_utilisation(demo: Keel, tmp_path: Path) -> None:
    hours: dict[str, Decimal] = defaultdict(Decimal)
    for entry in rows(demo, tmp_path, "timesheets", END_OF_Q3, None):
        hours[entry["person"]] += entry["hours"]
    report = utilisation(demo.views, date(2026, 7, 1), END_OF_Q3, as_of=END_OF_Q3)
    assert dict(hours) == {r.person: r.total_hours for r in report.rows if r.total_hours}
    assert hours
    plans = rows(demo, tmp_path, "allocations", None, None)
    assert [(p["person"], p["week"], p["hours"]) for p in plans] == [
        ("jon", date(2026, 10, 5), Decimal(20)),
        ("jon", date(2026, 10, 19), Decimal("12.5")),
    ]
    october = utilisation(demo.views, date(2026, 10, 1), date(2026, 10, 31))
    assert {r.person: r.planned_hours for r in october.rows}["jon"] == Decimal("32.5")
    assert rows(demo, tmp_path, "allocations", date(2026, 9, 24), None) == []  # planned on the 25th


def test_the_journal_read_through_copy_is_the_journal_read_row_by_row(demo: Keel, tmp_path: Path) -> None:
    """On PostgreSQL the journal comes as CSV from COPY, parsed by Arrow; on SQLite (no COPY)
    both ways are the row-by-row one. Either way the same file, value for value."""
    for as_of, known_at in ((END_OF_Q3, None), (None, FOURTH_OF_AUGUST)):
        position = demo.app.position_at(known_at) if known_at else None
        snapshot = take_snapshot(demo, as_of, known_at, position, [JOURNAL])
        sources = Sources(demo.views, demo.app)
        fast = write_dataset(JOURNAL, sources, snapshot, tmp_path / "copied.parquet")
        slow = write_dataset(replace(JOURNAL, as_csv=None), sources, snapshot, tmp_path / "rows.parquet")
        assert fast.rows == slow.rows > 10
        copied, rows = (pq.read_table(tmp_path / f) for f in ("copied.parquet", "rows.parquet"))
        assert copied.schema == rows.schema and copied.equals(rows)
    assert (demo.views.copy_out("SELECT 1") is None) == (demo.views.dialect == "sqlite")


def test_the_customers_file_names_every_customer_as_it_stood_then(demo: Keel, tmp_path: Path) -> None:
    for known_at in MOMENTS:
        listed = list_customers(demo.views, END_OF_Q3, known_at, limit=1000).items
        exported = rows(demo, tmp_path, "customers", END_OF_Q3, known_at)
        assert sorted((r["customer_id"], r["name"]) for r in exported) >= sorted((c.id, c.name) for c in listed)
        assert {c.id for c in listed} <= {r["customer_id"] for r in exported} and exported
    owed = {r["party_id"] for r in rows(demo, tmp_path, "open_items", END_OF_Q3, None) if r["role"] == "receivable"}
    assert owed <= {r["customer_id"] for r in rows(demo, tmp_path, "customers", END_OF_Q3, None)}


def test_the_log_read_as_stored_gives_every_event_s_public_form_as_decoding_it_does(demo: Keel) -> None:
    """The events file spells each event out from its stored JSON (ADR 0064): for every event of
    the demo, the same public form, key for key, as webhooks and the stream make from the event."""
    log, after, as_stored, events = demo.app, 0, 0, 0
    while page := log.read_stored(after, 5_000):
        times = log.times_of([s.position for s in page])
        for stored in page:
            moment = times.get(stored.position)
            assert stored.recorded_at == moment  # read with the event
            expected = public_event(stored.position, moment, log.decode_stored(stored))
            assert json.dumps(public_stored(stored.position, moment, stored, log)) == json.dumps(expected)
            as_stored += stored.state is not None
            events += 1
        after = page[-1].position
    assert events == log.head_position() and as_stored == events  # the demo's events are all current


@pytest.mark.parametrize(("as_of", "known_at"), [(None, None), (END_OF_Q3, FOURTH_OF_AUGUST)])
def test_the_events_file_written_by_processes_is_the_one_written_in_one(
    demo: Keel, tmp_path: Path, as_of: date | None, known_at: datetime | None
) -> None:
    """A long log is split among processes, each with its own connection (ADR 0064): parts of 7
    positions here, so the demo's log makes dozens: the file is the same row for row, in order."""
    position = demo.app.position_at(known_at) if known_at else None
    snapshot = take_snapshot(demo, as_of, known_at, position, [EVENTS])
    sources = Sources(demo.views, demo.app)
    processes = Processes(demo.settings.event_store_url, "EUR", count=2, part_positions=7, min_positions=0)
    assert processes.split(EVENTS, snapshot)
    alone = write_dataset(EVENTS, sources, snapshot, tmp_path / "alone.parquet")
    split = write_dataset(EVENTS, sources, snapshot, tmp_path / "split.parquet", processes)
    assert split.rows == alone.rows > 40
    assert pq.read_table(tmp_path / "split.parquet").equals(pq.read_table(tmp_path / "alone.parquet"))
