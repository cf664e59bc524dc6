"""Sales rules (ADR 0067), on SQLite and PostgreSQL: a rule acts once per cause, through the worker,
with its firing and its effect in one transaction; rerunning the worker, or rebuilding every read
model and running it again, does nothing twice; tested against last quarter it lists what it would
have done without writing anything; a rule that would loop, an unknown stage or a field the rule
does not use is a problem naming the field, nothing written."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any
from uuid import UUID

import pytest
from fastapi.testclient import TestClient
from support import cli_run, ok

from api.system import Keel
from api.worker.scheduler import Worker
from ledger.activities import FollowUp
from ledger.crm import Deal
from ledger.outbox import Message
from ledger.rule_firings import RuleFiring

QUARTER = (date(2026, 7, 1), date(2026, 9, 30))
ON = "2026-10-01"


def run_rules(keel: Keel, as_of: date, owner: str | None = None) -> int:
    keel.engine.catch_up()
    [summary] = Worker(keel, owner=owner).pass_once(as_of, kinds=["sales-rules"])
    keel.engine.catch_up()
    return summary.done


def open_deal(client: TestClient) -> dict[str, Any]:
    deals = ok(client.get("/v1/deals", params={"status": "open"}))["items"]
    return next(d for d in deals if d["stage"] != "proposal")


def entries_into(keel: Keel, stage: str, start: date, end: date) -> list[tuple[date, str]]:
    """Every entry of a deal into ``stage`` dated in the range, read straight from the log."""
    current: dict[str, str] = {}
    found = []
    for position, event in keel.app.read_log(0, 1_000_000):
        if isinstance(event, Deal.Opened | Deal.StageMoved | Deal.Reopened | Deal.Won | Deal.Lost):
            deal, now = str(event.originator_id), getattr(event, "stage", type(event).__name__)
            entered = isinstance(event, Deal.Opened | Deal.Reopened) or (
                isinstance(event, Deal.StageMoved) and current.get(deal) != now
            )
            if entered and now == stage and start <= event.effective_date <= end:
                found.append((event.effective_date, f"deal:{deal}@{position}"))
            current[deal] = now
    return sorted(found)


def test_a_rule_fires_once_per_cause_also_after_every_read_model_is_rebuilt(demo: tuple[Keel, TestClient]) -> None:
    keel, client = demo
    rule = {"name": "Proposal follow-up", "trigger": "deal_entered_stage", "stage": "proposal"}
    made = ok(client.post("/v1/sales-rules", json={**rule, "action": "create_followup", "in_days": 3, "on": ON}), 201)
    assert run_rules(keel, date(2026, 10, 5)) == 0  # history before the rule is not its business

    deal = open_deal(client)
    moved = ok(client.post(f"/v1/deals/{deal['deal_id']}/move", json={"stage": "proposal", "on": "2026-10-02"}))
    assert run_rules(keel, date(2026, 10, 5)) == 1
    [firing] = ok(client.get("/v1/sales-rules/firings"))["items"]
    assert firing["cause"] == f"deal:{deal['deal_id']}@{moved['position']}" and firing["outcome"] == "fired"
    assert firing["on"] == "2026-10-02" and firing["summary"] == f"follow-up for {deal['owner']} due 2026-10-05"
    [scheduled] = list(keel.app.events.get(UUID(firing["made"])))
    assert isinstance(scheduled, FollowUp.Scheduled) and scheduled.owner == deal["owner"]
    assert (scheduled.due, str(scheduled.about_id)) == (date(2026, 10, 5), deal["deal_id"])
    assert keel.app.get(RuleFiring, UUID(firing["id"])).cause == firing["cause"]  # in the log, with its cause

    head = keel.app.head_position()
    assert run_rules(keel, date(2026, 10, 6), owner="another worker") == 0
    for name in list(keel.engine.projections):
        keel.engine.rebuild(name)
    assert run_rules(keel, date(2026, 10, 7), owner="a third worker") == 0
    assert keel.app.head_position() == head  # nothing recorded twice
    shown = ok(client.get(f"/v1/sales-rules/{made['id']}"))
    assert (shown["fired"], shown["skipped"], shown["owed"]) == (1, 0, 0) and shown["recent"][0] == firing


def test_leads_are_assigned_in_turn_and_a_closed_deal_is_a_recorded_skip(demo: tuple[Keel, TestClient]) -> None:
    keel, client = demo
    lead_rule = {"name": "Web leads", "trigger": "lead_created", "source": "web", "action": "assign_owner"}
    ok(client.post("/v1/sales-rules", json={**lead_rule, "team": ["carol", "dave"], "on": ON}), 201)
    leads = [
        ok(client.post("/v1/leads", json={"name": f"Lead {n}", "source": source, "owner": "alice", "on": ON}), 201)
        for n, source in enumerate(["web", "Web", "fair", "web"])
    ]
    move = {"name": "Negotiate", "trigger": "deal_entered_stage", "stage": "proposal", "action": "move_stage"}
    ok(client.post("/v1/sales-rules", json={**move, "target_stage": "negotiation", "on": ON}), 201)
    deal = open_deal(client)
    ok(client.post(f"/v1/deals/{deal['deal_id']}/move", json={"stage": "proposal", "on": "2026-10-02"}))
    ok(client.post(f"/v1/deals/{deal['deal_id']}/lose", json={"reason": "budget cut", "on": "2026-10-03"}))

    assert run_rules(keel, date(2026, 10, 5)) == 3  # three leads assigned; the lost deal's move a recorded skip
    owners = [ok(client.get(f"/v1/leads/{lead['id']}"))["owner"] for lead in leads]
    assert owners == ["carol", "dave", "alice", "carol"]  # the fair's lead is not the rule's
    firings = ok(client.get("/v1/sales-rules/firings", params={"rule": "negotiate"}))["items"]
    assert [(f["outcome"], f["summary"]) for f in firings] == [("skipped", "the deal is lost")]
    head = keel.app.head_position()
    assert run_rules(keel, date(2026, 10, 9)) == 0 and keel.app.head_position() == head


def test_an_idle_deal_and_an_overdue_follow_up_act_from_the_rule_s_own_date(demo: tuple[Keel, TestClient]) -> None:
    keel, client = demo
    deal = open_deal(client)
    ok(client.put(f"/v1/reminders/addresses/{deal['owner']}", json={"email": "owner@example.com"}))
    call = {"kind": "call", "about_kind": "deal", "about_id": deal["deal_id"], "subject": "Check-in", "on": ON}
    ok(client.post("/v1/activities", json=call), 201)
    idle = {"name": "Cool down", "trigger": "deal_idle", "days": 14, "action": "change_probability"}
    ok(client.post("/v1/sales-rules", json={**idle, "probability": "10", "on": ON}), 201)
    nag = {"name": "Nag", "trigger": "followup_overdue", "days": 2, "action": "notify_owner", "note": "Overdue!"}
    ok(client.post("/v1/sales-rules", json={**nag, "on": ON}), 201)
    followup = {"about_kind": "deal", "about_id": deal["deal_id"], "owner": deal["owner"], "due": "2026-10-03"}
    followup |= {"on": ON}
    ours = ok(client.post("/v1/follow-ups", json=followup), 201)["id"]

    def fired() -> dict[str, dict[str, Any]]:
        found = ok(client.get("/v1/sales-rules/firings"))["items"]
        return {f["rule_name"]: f for f in found if ours in f["cause"] or deal["deal_id"] in f["cause"]}

    run_rules(keel, date(2026, 10, 5))
    assert fired() == {}  # neither idle 14 days nor overdue by more than 2 days yet
    run_rules(keel, date(2026, 10, 15))
    by_rule = fired()
    assert by_rule["Cool down"]["on"] == "2026-10-15" and by_rule["Cool down"]["summary"] == "probability 10%"
    assert by_rule["Nag"]["on"] == "2026-10-06" and by_rule["Nag"]["summary"] == f"{deal['owner']} notified"
    mail = keel.app.get(Message, UUID(by_rule["Nag"]["made"]))
    assert (mail.to, mail.status) == ("owner@example.com", "queued") and "Overdue!" in mail.body
    assert ok(client.get(f"/v1/deals/{deal['deal_id']}"))["probability"] == "10"
    # the rule's own change is no touch: the deal stays idle, and the rule does not fire again
    head = keel.app.head_position()
    run_rules(keel, date(2026, 11, 30))
    assert fired() == by_rule and keel.app.head_position() >= head


def test_a_rule_tested_against_last_quarter_lists_its_follow_ups_and_writes_nothing(
    demo: tuple[Keel, TestClient],
) -> None:
    keel, client = demo
    head = keel.app.head_position()
    draft = {"name": "draft", "trigger": "deal_entered_stage", "stage": "proposal"}  # as the CLI calls a draft
    draft |= {"action": "create_followup", "in_days": 3}
    body = {"rule": draft, "from": QUARTER[0].isoformat(), "to": QUARTER[1].isoformat()}
    response = client.post("/v1/sales-rules/test", json=body)
    tested = ok(response)
    expected = entries_into(keel, "proposal", *QUARTER)
    assert expected and [(date.fromisoformat(i["on"]), i["cause"]) for i in tested["items"]] == expected
    for item in tested["items"]:
        assert item["due"] == (date.fromisoformat(item["on"]) + timedelta(days=3)).isoformat()
        assert item["summary"] == f"follow-up for {item['owner']} due {item['due']}"
    assert tested["total"] == len(expected) and tested["recorded"] == 0
    assert keel.app.head_position() == head  # nothing created

    code, printed = cli_run(
        keel, "rules", "test", "--when-stage", "proposal", "--follow-up-in", "3",
        "--from", body["from"], "--to", body["to"], "--format", "json",
    )  # fmt: skip
    assert code == 0 and printed.strip().encode() == response.content
    code, said = cli_run(keel, "rules", "test", "--when-stage", "proposal", "--follow-up-in", "3",
                         "--from", body["from"], "--to", body["to"])  # fmt: skip
    assert code == 0 and f"{len(expected)} time(s); nothing was written" in said
    assert keel.app.head_position() == head


@pytest.mark.parametrize(
    ("rule", "field", "words"),
    [
        ({"trigger": "deal_entered_stage", "stage": "proposal", "action": "move_stage", "target_stage": "proposal"},
         "action", "would loop"),
        ({"trigger": "followup_overdue", "days": 1, "action": "create_followup", "in_days": 2}, "action", "would loop"),
        ({"trigger": "deal_entered_stage", "stage": "nope", "action": "create_followup"}, "stage", "unknown stage"),
        ({"trigger": "lead_created", "action": "move_stage", "target_stage": "proposal"}, "action", "not for"),
        ({"trigger": "deal_idle", "days": 0, "action": "notify_owner"}, "days", "from 1"),
        ({"trigger": "deal_idle", "days": 5, "action": "notify_owner", "team": ["a"]}, "team", "not used"),
        ({"trigger": "lead_created", "action": "assign_owner", "team": []}, "team", "from 1"),
        ({"trigger": "lead_created", "action": "change_probability"}, "action", "not for"),
        ({"trigger": "deal_idle", "days": "5", "action": "notify_owner"}, "days", "integer"),
    ],
)  # fmt: skip
def test_a_bad_rule_is_a_problem_naming_the_field_and_nothing_is_written(
    demo: tuple[Keel, TestClient], rule: dict[str, Any], field: str, words: str
) -> None:
    keel, client = demo
    head = keel.app.head_position()
    response = client.post("/v1/sales-rules", json={"name": "Bad", **rule})
    assert response.status_code == 422, response.text
    problem = response.json()
    assert field in str(problem) and words in str(problem), problem
    assert keel.app.head_position() == head


def test_two_rules_that_set_each_other_off_are_refused_and_the_cli_says_so_in_one_line(
    demo: tuple[Keel, TestClient],
) -> None:
    keel, client = demo
    there = {"trigger": "deal_entered_stage", "stage": "qualified", "action": "move_stage", "target_stage": "proposal"}
    ok(client.post("/v1/sales-rules", json={"name": "There", **there}), 201)
    head = keel.app.head_position()
    code, said = cli_run(keel, "rules", "add", "Back", "--when-stage", "proposal", "--move-to", "qualified")
    assert (
        code == 1
        and said.strip() == "error: the action: this rule would loop: Back → There → Back (each sets off the next)"
    )
    assert keel.app.head_position() == head
