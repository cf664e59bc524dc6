"""Sales rules at their edges (ADR 0067), on SQLite and PostgreSQL: a paused rule, resumed, acts on
what happens from then on (not on what fell due while it was paused); a removed rule's id is never
defined again; a cause is written one way only; an owner written as an outside address is never
e-mailed; a deal closed since its trigger is a recorded skip; a long owner's name is cut in the
summary, not a rule stuck; changing a rule's trigger drops what the old one owed."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID

import pytest
from fastapi.testclient import TestClient
from support import ok

from api.system import Keel
from api.worker.scheduler import Worker
from commands.messages import FireSalesRule
from ledger.errors import InvalidValue
from ledger.events import Meta

ON = "2026-10-01"


def run(keel: Keel, as_of: date) -> None:
    keel.engine.catch_up()
    Worker(keel).pass_once(as_of, kinds=["sales-rules"])
    keel.engine.catch_up()


def firings(client: TestClient, rule: str) -> list[dict[str, Any]]:
    return list(ok(client.get("/v1/sales-rules/firings", params={"rule": rule}))["items"])


def open_deal(client: TestClient) -> dict[str, Any]:
    return next(d for d in ok(client.get("/v1/deals", params={"status": "open"}))["items"] if d["stage"] != "proposal")


def test_a_resumed_rule_acts_on_what_happens_next_and_ids_are_never_reused(demo: tuple[Keel, TestClient]) -> None:
    keel, client = demo
    deal = open_deal(client)
    followup = {"about_kind": "deal", "about_id": deal["deal_id"], "owner": deal["owner"], "due": "2026-10-03"}
    ok(client.post("/v1/follow-ups", json={**followup, "on": ON}), 201)
    ok(client.put(f"/v1/reminders/addresses/{deal['owner']}", json={"email": "owner@example.com"}))
    nag = {"name": "Nag", "trigger": "followup_overdue", "days": 0, "action": "notify_owner", "on": ON}
    rule = ok(client.post("/v1/sales-rules", json=nag), 201)["id"]
    ok(client.post(f"/v1/sales-rules/{rule}/pause", json={"reason": "holiday", "on": "2026-10-02"}))
    run(keel, date(2026, 10, 10))  # overdue from 10-04, while paused
    ok(client.post(f"/v1/sales-rules/{rule}/resume", json={"on": "2026-10-20"}))
    run(keel, date(2026, 10, 25))
    assert firings(client, "Nag") == []  # what fell due while it was paused is not its business

    taken = client.post("/v1/sales-rules", json={**nag, "name": "Again", "id": rule})
    assert taken.status_code == 409, taken.text
    ok(client.delete(f"/v1/sales-rules/{rule}"))
    again = client.put(f"/v1/sales-rules/{rule}", json={k: v for k, v in nag.items() if k != "on"})
    assert again.status_code == 404, again.text
    assert client.post("/v1/sales-rules", json={**nag, "id": rule}).status_code == 409
    assert ok(client.post("/v1/sales-rules", json=nag), 201)["id"] != rule  # the name is free again


def test_causes_are_written_one_way_and_outside_addresses_are_never_mailed(demo: tuple[Keel, TestClient]) -> None:
    keel, client = demo
    lead_rule = {"name": "Leads", "trigger": "lead_created", "action": "notify_owner", "on": ON}
    rule = ok(client.post("/v1/sales-rules", json=lead_rule), 201)["id"]
    lead = ok(
        client.post("/v1/leads", json={"name": "Eve", "source": "web", "owner": "eve@outside.example", "on": ON}), 201
    )
    head = keel.app.head_position()
    for spelling in (f"lead:{lead['id'].upper()}", f"lead:{UUID(lead['id']).hex}", f"LEAD:{lead['id']}"):
        with pytest.raises(InvalidValue):
            keel.app.handle(FireSalesRule(meta=Meta("t"), rule_id=UUID(rule), cause=spelling, at=datetime.now(UTC)))
    assert keel.app.head_position() == head
    run(keel, date(2026, 10, 5))
    [skipped] = firings(client, "Leads")
    assert (
        skipped["outcome"] == "skipped" and "no e-mail address is set for 'eve@outside.example'" in skipped["summary"]
    )


def test_a_deal_closed_since_its_entry_is_a_recorded_skip_and_long_names_are_cut(demo: tuple[Keel, TestClient]) -> None:
    keel, client = demo
    entered = {"name": "Follow", "trigger": "deal_entered_stage", "stage": "proposal", "action": "create_followup"}
    ok(client.post("/v1/sales-rules", json={**entered, "in_days": 3, "on": ON}), 201)
    team = {"name": "Team", "trigger": "lead_created", "action": "assign_owner", "team": ["x" * 200], "on": ON}
    ok(client.post("/v1/sales-rules", json=team), 201)
    deal = open_deal(client)
    ok(client.post(f"/v1/deals/{deal['deal_id']}/move", json={"stage": "proposal", "on": "2026-10-02"}))
    ok(client.post(f"/v1/deals/{deal['deal_id']}/lose", json={"reason": "budget", "on": "2026-10-03"}))
    ok(client.post("/v1/leads", json={"name": "Lu", "source": "web", "on": ON}), 201)
    run(keel, date(2026, 10, 5))
    [follow] = firings(client, "Follow")
    assert (follow["outcome"], follow["summary"]) == ("skipped", "the deal is lost")
    [assigned] = firings(client, "Team")
    assert assigned["outcome"] == "fired" and len(assigned["summary"]) == 200


def test_a_changed_trigger_drops_what_the_old_one_owed(demo: tuple[Keel, TestClient]) -> None:
    keel, client = demo
    rule = {"name": "R", "trigger": "lead_created", "action": "create_followup", "in_days": 1}
    made = ok(client.post("/v1/sales-rules", json={**rule, "on": ON}), 201)["id"]
    ok(client.post("/v1/leads", json={"name": "Lu", "source": "web", "on": "2026-10-09"}), 201)
    keel.engine.catch_up()
    assert ok(client.get(f"/v1/sales-rules/{made}"))["owed"] == 1
    changed = {**rule, "trigger": "deal_entered_stage", "stage": "proposal"}
    ok(client.put(f"/v1/sales-rules/{made}", json=changed))
    keel.engine.catch_up()
    assert ok(client.get(f"/v1/sales-rules/{made}"))["owed"] == 0
    run(keel, date(2026, 10, 12))
    assert firings(client, "R") == []
