"""No sales rule the write side accepts, and nothing it does, stops a read model (ADR 0025, 0067):
hostile rule definitions over HTTP are refused with a 4xx problem and nothing written, or accepted;
then CRM events at the ends of the calendar (deals moved back and forth, reopened, leads from odd
sources, follow-ups due on the last day) are folded, the worker runs the rules at hostile dates
(each firing recorded once, none a crash), every projection is caught up, the history test answers
every range with a 4xx or a listing, and a second run records nothing."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_recurring_hostile import post

from api.http import create_app
from api.system import Keel
from api.worker.scheduler import Worker

DAYS = ["1900-01-01", "2026-10-01", "2026-10-02", "2999-12-30", "2999-12-31", "3000-01-01", ""]
dates = st.sampled_from(DAYS)
texts = st.sampled_from(["", "web", "Web", "a\u0000b", "x" * 201, "\ud800", " proposal ", "é" * 80])
numbers = st.sampled_from([-1, 0, 1, 3, 365, 366, 2**63, "3", 1.5, True, None])
stages = st.sampled_from(["new", "qualified", "proposal", "negotiation", "won", "", "Proposal", "nope"])
rules = st.fixed_dictionaries(
    {
        "name": st.sampled_from(["R", "r", "x" * 81, "", "a\u0000b"]),
        "trigger": st.sampled_from(["deal_entered_stage", "lead_created", "followup_overdue", "deal_idle", "x"]),
        "action": st.sampled_from(
            ["create_followup", "assign_owner", "change_probability", "move_stage", "notify_owner", "start"]
        ),
    },
    optional={
        "stage": stages,
        "source": texts,
        "days": numbers,
        "in_days": numbers,
        "note": texts,
        "team": st.lists(texts, max_size=3),
        "probability": st.sampled_from(["0", "100", "101", "-1", "50.5", "1e3", None]),
        "target_stage": stages,
        "on": dates,
    },
)


@pytest.fixture
def http(keel: Keel) -> Iterator[TestClient]:
    with TestClient(create_app(keel=keel), raise_server_exceptions=False) as client:
        yield client


@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(data=st.data())
def test_hostile_rules_are_refused_or_run_once_and_stop_no_projection(
    http: TestClient, keel: Keel, data: st.DataObject
) -> None:
    customer = post(http, keel, "/v1/customers", {"name": "Acme", "on": "1900-01-01"})
    for _ in range(data.draw(st.integers(1, 4))):
        post(http, keel, "/v1/sales-rules", data.draw(rules))
    deal = post(http, keel, "/v1/deals", {"customer_id": customer, "title": "Site", "value": "10.00",
                                          "owner": "ann@example.com", "on": "1900-01-01"})  # fmt: skip
    for _ in range(data.draw(st.integers(0, 4))):
        step = data.draw(st.sampled_from(["move", "lose", "reopen", "win", "activity"]))
        body = {"stage": data.draw(stages), "on": data.draw(dates), "reason": "r"}
        if step == "activity":
            body = {"kind": "call", "about_kind": "deal", "about_id": deal, "subject": "s", "on": data.draw(dates)}
            post(http, keel, "/v1/activities", body)
        elif deal is not None:
            post(http, keel, f"/v1/deals/{deal}/{step}", body)
    post(http, keel, "/v1/leads", {"name": "L", "source": data.draw(texts), "on": data.draw(dates)})
    if deal is not None:
        due = data.draw(dates)
        post(http, keel, "/v1/follow-ups", {"about_kind": "deal", "about_id": deal, "owner": "bo", "due": due})
    keel.engine.catch_up()  # raises ProjectionFailed if any projection stopped on an event

    for as_of in data.draw(st.lists(st.sampled_from([date(1900, 1, 1), date(2026, 10, 9), date(2999, 12, 31)]),
                                    min_size=1, max_size=2)):  # fmt: skip
        Worker(keel).pass_once(as_of, kinds=["sales-rules"])
        keel.engine.catch_up()
        head = keel.app.head_position()
        again = Worker(keel, owner="another worker").pass_once(as_of, kinds=["sales-rules"])
        assert again[0].done == 0 and keel.app.head_position() == head  # once per cause
    keel.engine.catch_up()
    assert [(s.name, s.lag) for s in keel.engine.status() if s.lag] == []

    rule = data.draw(rules)
    rule.pop("on", None)
    test = {"rule": rule, "from": data.draw(dates), "to": data.draw(dates)}
    head = keel.app.head_position()
    answered = http.post("/v1/sales-rules/test", content=json.dumps(test), headers={"content-type": "application/json"})
    assert answered.status_code < 500, answered.text
    assert keel.app.head_position() == head
    assert http.get("/v1/sales-rules").status_code == 200
    assert http.get("/v1/sales-rules/firings").status_code == 200
