"""The CRM on both backends: pipeline on two time axes, the won-deal hand-off, the customer 360."""

from __future__ import annotations

import functools
import time
from datetime import UTC, date, datetime
from decimal import Decimal as D

import pytest
from support import table_dump

from api.system import Keel
from commands import messages as m
from ledger.crm import Deal
from ledger.errors import InvalidTransition
from ledger.events import Meta
from ledger.project_terms import project_id_for_deal
from ledger.projects import Project
from projections.crm import reports as crm
from projections.crm.customer_360 import customer_360
from projections.engine.pages import Probe

ALICE, BOB = Meta("alice"), Meta("bob")


def handle(keel: Keel, command: m.Command) -> m.CommandResult:
    return keel.app.handle(command)


def moment() -> datetime:
    time.sleep(0.005)
    now = datetime.now(UTC)
    time.sleep(0.005)
    return now


def stages(report: crm.PipelineReport) -> dict[str, tuple[int, D, D]]:
    return {r.group: (r.count, r.value, r.weighted) for r in report.rows}


@pytest.fixture
def sales(keel: Keel) -> dict[str, object]:
    lead = handle(
        keel,
        m.CaptureLead(
            meta=ALICE,
            name="Dana Lee",
            company="Kite Labs",
            email="dana@kite.example",
            source="referral",
            on=date(2026, 3, 2),
        ),
    ).id
    handle(keel, m.QualifyLead(meta=ALICE, lead_id=lead, on=date(2026, 3, 3)))
    handle(
        keel,
        m.ConvertLead(
            meta=ALICE,
            lead_id=lead,
            on=date(2026, 3, 4),
            contact_role="CTO",
            deal=m.DealInput(
                title="Kite Labs website",
                services=(m.ServiceInput(description="Design sprint", quantity="4", unit_price="2500.00"),),
                expected_close=date(2026, 4, 30),
            ),
        ),
    )
    deal_id = _deal_of(keel, lead)
    customer = keel.app.get(Deal, deal_id).customer_id  # type: ignore[arg-type]
    other = handle(
        keel,
        m.OpenDeal(
            meta=BOB,
            customer_id=customer,
            on=date(2026, 3, 10),
            deal=m.DealInput(title="Kite Labs retainer", value="6000.00", stage="qualified", owner="bob"),
        ),
    ).id
    handle(keel, m.MoveDeal(meta=ALICE, deal_id=deal_id, stage="proposal", on=date(2026, 3, 20)))
    keel.engine.catch_up()
    return {"lead": lead, "deal": deal_id, "other": other, "customer": customer}


def _deal_of(keel: Keel, lead: object) -> object:
    for _, event in keel.app.read_log(0, 10_000):
        if isinstance(event, Deal.Opened) and event.lead_id == lead:
            return event.originator_id
    raise AssertionError("no deal for the lead")


def test_pipeline_as_of_a_date_with_backdated_and_late_recorded_moves(keel: Keel, sales: dict[str, object]) -> None:
    before_late = moment()
    # recorded now, effective 15 March: the retainer was in negotiation earlier than we knew
    handle(keel, m.MoveDeal(meta=BOB, deal_id=sales["other"], stage="negotiation", on=date(2026, 3, 15)))  # type: ignore[arg-type]
    keel.engine.catch_up()
    mid_march = crm.pipeline(keel.views, date(2026, 3, 16))
    assert stages(mid_march) == {
        "new": (1, D("10000.00"), D("1000.00")),
        "negotiation": (1, D("6000.00"), D("4500.00")),
    }
    as_known_before = crm.pipeline(keel.views, date(2026, 3, 16), before_late)
    assert stages(as_known_before) == {
        "new": (1, D("10000.00"), D("1000.00")),
        "qualified": (1, D("6000.00"), D("1500.00")),
    }
    end = crm.pipeline(keel.views, date(2026, 3, 31), by="owner")
    assert stages(end) == {"alice": (1, D("10000.00"), D("5000.00")), "bob": (1, D("6000.00"), D("4500.00"))}
    assert crm.pipeline(keel.views, date(2026, 3, 1)).rows == []


def test_a_won_deal_reaches_the_pipeline_the_360_and_a_project_draft_with_one_cause(
    keel: Keel, sales: dict[str, object]
) -> None:
    handle(keel, m.WinDeal(meta=ALICE, deal_id=sales["deal"], reason="best proposal", on=date(2026, 4, 10)))  # type: ignore[arg-type]
    keel.engine.catch_up()
    deal_id = sales["deal"]
    project = keel.app.get(Project, project_id_for_deal(deal_id))  # type: ignore[arg-type]
    won_event = keel.app.read_log(keel.app.head_position() - 2, 10)
    assert project.deal_id == deal_id and project.customer_id == sales["customer"]
    assert any(isinstance(e, Deal.Won) and e.project_id == project.id for _, e in won_event)
    report = crm.pipeline(keel.views, date(2026, 4, 30))
    assert report.won == 1 and "proposal" not in stages(report)
    view = customer_360(keel.views, str(sales["customer"]), date(2026, 4, 30))
    assert view is not None
    assert [(p["deal_id"], p["value"]) for p in view.projects] == [(str(deal_id), D("10000.00"))]
    assert {d.deal_id: d.status for d in view.deals}[str(deal_id)] == "won"
    assert [c["role"] for c in view.contacts] == ["CTO"]
    rates = crm.win_rate(keel.views, date(2026, 4, 1), date(2026, 4, 30))
    assert (rates.won, rates.lost, rates.win_rate, rates.average_cycle_days) == (1, 0, D("100.0"), D("37.0"))
    conv = crm.conversion(keel.views, date(2026, 4, 30))
    assert [(s.stage, s.reached) for s in conv.funnel] == [
        ("new", 2),
        ("qualified", 2),
        ("proposal", 1),
        ("negotiation", 1),
        ("won", 1),
    ]
    assert [(s.source, s.leads, s.converted, s.won) for s in conv.sources] == [("referral", 1, 1, 1)]
    with pytest.raises(InvalidTransition, match="needs an open deal"):
        handle(keel, m.MoveDeal(meta=ALICE, deal_id=deal_id, stage="proposal", on=date(2026, 4, 11)))  # type: ignore[arg-type]
    # reopened and won again: still one project, the same cause
    handle(keel, m.ReopenDeal(meta=ALICE, deal_id=deal_id, on=date(2026, 4, 12)))  # type: ignore[arg-type]
    handle(keel, m.WinDeal(meta=ALICE, deal_id=deal_id, on=date(2026, 4, 13)))  # type: ignore[arg-type]
    keel.engine.catch_up()
    view = customer_360(keel.views, str(sales["customer"]), date(2026, 4, 30))
    assert view is not None and len(view.projects) == 1


def test_the_timeline_and_follow_ups_of_a_customer(keel: Keel, sales: dict[str, object]) -> None:
    handle(
        keel,
        m.LogActivity(
            meta=ALICE,
            kind="call",
            about_kind="lead",
            about_id=sales["lead"],
            subject="Intro call",  # type: ignore[arg-type]
            on=date(2026, 3, 2),
        ),
    )
    handle(
        keel,
        m.LogActivity(
            meta=ALICE,
            kind="meeting",
            about_kind="deal",
            about_id=sales["deal"],
            subject="Workshop",  # type: ignore[arg-type]
            on=date(2026, 3, 18),
        ),
    )
    late = handle(
        keel,
        m.ScheduleFollowUp(
            meta=ALICE,
            about_kind="deal",
            about_id=sales["deal"],
            owner="alice",  # type: ignore[arg-type]
            due=date(2026, 3, 25),
            note="Chase the proposal",
            on=date(2026, 3, 20),
        ),
    ).id
    handle(
        keel,
        m.ScheduleFollowUp(
            meta=BOB,
            about_kind="customer",
            about_id=sales["customer"],
            owner="bob",  # type: ignore[arg-type]
            due=date(2026, 4, 2),
            on=date(2026, 3, 20),
        ),
    )
    keel.engine.catch_up()
    view = customer_360(keel.views, str(sales["customer"]), date(2026, 3, 31))
    assert view is not None and [t.subject for t in view.timeline] == ["Intro call", "Workshop"]
    report = crm.follow_ups(keel.views, date(2026, 3, 28))
    assert [(o.owner, o.overdue, o.due_today, o.upcoming) for o in report.owners] == [
        ("alice", 1, 0, 0),
        ("bob", 0, 0, 1),
    ]
    handle(keel, m.CompleteFollowUp(meta=ALICE, followup_id=late, outcome="sent again", on=date(2026, 3, 29)))
    keel.engine.catch_up()
    assert [o.owner for o in crm.follow_ups(keel.views, date(2026, 3, 30)).owners] == ["bob"]
    assert [o.owner for o in crm.follow_ups(keel.views, date(2026, 3, 28)).owners] == ["alice", "bob"]


def test_merging_a_duplicate_keeps_its_history_in_the_360(keel: Keel, sales: dict[str, object]) -> None:
    dup = handle(keel, m.RegisterCustomer(meta=ALICE, name="Kite Labs Ltd", on=date(2026, 3, 5))).id
    handle(keel, m.AddContact(meta=ALICE, customer_id=dup, name="Sam Kay", role="CFO", on=date(2026, 3, 5)))
    handle(
        keel,
        m.LogActivity(
            meta=ALICE,
            kind="email",
            about_kind="customer",
            about_id=dup,
            subject="Invoice address",
            on=date(2026, 3, 6),
        ),
    )
    handle(keel, m.MergeCustomers(meta=ALICE, source_id=dup, target_id=sales["customer"], on=date(2026, 3, 7)))  # type: ignore[arg-type]
    with pytest.raises(InvalidTransition, match="was merged into"):
        handle(keel, m.OpenDeal(meta=ALICE, customer_id=dup, deal=m.DealInput(title="x", value="1.00")))
    keel.engine.catch_up()
    view = customer_360(keel.views, str(sales["customer"]), date(2026, 3, 31))
    assert view is not None and view.merged_ids == [str(dup)]
    assert sorted(c["name"] for c in view.contacts) == ["Dana Lee", "Sam Kay"]
    assert "Invoice address" in [t.subject for t in view.timeline]


def test_crm_read_models_rebuilt_from_scratch_equal_the_live_ones(keel: Keel, sales: dict[str, object]) -> None:
    handle(keel, m.LoseDeal(meta=BOB, deal_id=sales["other"], reason="budget cut", on=date(2026, 4, 2)))  # type: ignore[arg-type]
    keel.engine.catch_up()
    projection = keel.engine.projections["crm"]
    live = {t: table_dump(keel, t) for t in projection.tables}
    keel.engine.rebuild("crm")
    assert {t: table_dump(keel, t) for t in projection.tables} == live


def test_a_rescheduled_follow_up_moves_on_its_date_and_a_cancelled_one_leaves(
    keel: Keel, sales: dict[str, object]
) -> None:
    first = handle(
        keel,
        m.ScheduleFollowUp(
            meta=ALICE,
            about_kind="customer",
            about_id=sales["customer"],
            owner="alice",  # type: ignore[arg-type]
            due=date(2026, 4, 1),
            on=date(2026, 3, 20),
        ),
    ).id
    second = handle(
        keel,
        m.ScheduleFollowUp(
            meta=ALICE,
            about_kind="deal",
            about_id=sales["deal"],
            owner="alice",  # type: ignore[arg-type]
            due=date(2026, 4, 3),
            on=date(2026, 3, 20),
        ),
    ).id
    handle(keel, m.RescheduleFollowUp(meta=ALICE, followup_id=first, due=date(2026, 4, 20), on=date(2026, 4, 2)))
    handle(keel, m.CancelFollowUp(meta=ALICE, followup_id=second, reason="deal lost", on=date(2026, 4, 2)))
    keel.engine.catch_up()
    before = crm.follow_ups(keel.views, date(2026, 4, 1))
    assert [(i.due, i.owner) for i in before.open_items] == [(date(2026, 4, 1), "alice"), (date(2026, 4, 3), "alice")]
    after = crm.follow_ups(keel.views, date(2026, 4, 5))
    assert [(i.followup_id, i.due, i.owner) for i in after.open_items] == [(str(first), date(2026, 4, 20), "alice")]
    with pytest.raises(InvalidTransition, match="cancelled"):
        handle(keel, m.CompleteFollowUp(meta=ALICE, followup_id=second, on=date(2026, 4, 6)))


def test_the_pipeline_can_be_reconfigured(keel: Keel) -> None:
    stages = (
        m.StageInput(key="lead", name="Lead", probability="5"),
        m.StageInput(key="pitch", name="Pitch", probability="40"),
    )
    handle(keel, m.ConfigurePipeline(meta=ALICE, stages=stages))
    handle(keel, m.ConfigurePipeline(meta=ALICE, stages=stages[1:]))
    keel.engine.catch_up()
    with keel.views.read() as cur:
        cur.execute("SELECT key FROM pipeline_stages ORDER BY ord")
        assert [r[0] for r in cur.fetchall()] == ["pitch"]


def test_deal_pages_read_in_their_order_are_the_span_index_answer_cut_in_pages(
    keel: Keel, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The deals list first looks for its page among the rows next in order (a probe); walked page
    by page, with the probe finding its pages and with it falling short, it gives the deals the
    span index gives, in the same order."""
    customer = handle(keel, m.RegisterCustomer(meta=ALICE, name="Probe Ltd", on=date(2026, 1, 2))).id
    deals = []
    for n in range(24):
        deal = m.DealInput(title=f"Deal {n}", value="100.00")
        deals.append(handle(keel, m.OpenDeal(meta=ALICE, customer_id=customer, deal=deal, on=date(2026, 1, 5 + n))).id)
    for lost in deals[1::3]:  # every third one lost: holes the probe filters out
        handle(keel, m.LoseDeal(meta=ALICE, deal_id=lost, reason="price", on=date(2026, 3, 1)))
    keel.engine.catch_up()

    def walk(as_of: date, limit: int) -> list[str]:
        seen, cursor = [], None
        while True:
            page = crm.list_deals(keel.views, as_of, status="open", cursor=cursor, limit=limit)
            seen += [str(d.deal_id) for d in page.items]
            if page.next_cursor is None:
                return seen
            cursor = page.next_cursor

    whole = crm.list_deals(keel.views, date(2026, 3, 2), status="open", limit=1000).items  # more than there are
    expected = [str(d.deal_id) for d in whole]
    assert expected == [str(d) for i, d in enumerate(deals) if i % 3 != 1]
    assert walk(date(2026, 3, 2), 3) == expected  # each page found by the probe
    monkeypatch.setattr(crm, "Probe", functools.partial(Probe, rows=2))  # the probe falls short: the index's way
    assert walk(date(2026, 3, 2), 3) == expected
    assert walk(date(2026, 2, 1), 4) == [str(d) for d in deals]  # before the losses, every deal
