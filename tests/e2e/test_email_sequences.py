"""E-mail sequences (ADR 0068), on SQLite and PostgreSQL, against a real SMTP server (aiosmtpd): a
lead and a contact are enrolled; each step goes out once, personalised, with a one-click unsubscribe
link — also after a rerun of the worker, and after every read model is rebuilt and it runs again; a
reply stops the lead's sequence, the link stops the contact's and puts the address on the
suppression list (which refuses it a new enrollment), a deal's new stage stops a third; the results
report counts each, as of any date; a template with an unknown field, a person without an address or
one already enrolled is a problem naming it, nothing written."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from imap_support import Mailbox, imap_server
from support import cli_run, ok
from worker_support import free_port, smtp_server

from api.http import create_app
from api.settings import Settings
from api.system import Keel
from api.worker.jobs import Context
from api.worker.scheduler import Worker
from api.worker.sequences import mailbox_run

DAY0 = date(2026, 10, 1)
STEPS = [
    {"day": 0, "subject": "Hello {{ first_name }}", "body": "Hi {{first_name}}, about {{ company }}: shall we talk?"},
    {"day": 3, "subject": "Following up", "body": "{{ first_name }}, a short follow-up from {{ owner }}."},
    {"day": 10, "subject": "Last note", "body": "The last one, {{ name }}."},
]


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def world(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Keel, TestClient, Any]]:
    port = free_port()
    url = request.getfixturevalue("postgres_url") if request.param == "postgres" else None
    settings = Settings(  # type: ignore[call-arg]
        data_dir=tmp_path / "keel", database_url=url, _env_file=None, auth="off",
        smtp_url=f"smtp://127.0.0.1:{port}", mail_from="sales@lumen.example", public_url="https://keel.lumen.example",
    )  # fmt: skip
    with (
        smtp_server(port) as (inbox, _),
        Keel.start(settings, follow=False) as keel,
        TestClient(create_app(keel=keel), raise_server_exceptions=False) as client,
    ):
        yield keel, client, inbox


def run(
    keel: Keel, as_of: date, owner: str | None = None, kinds: tuple[str, ...] = ("sequence", "outbox")
) -> dict[str, int]:
    keel.engine.catch_up()
    done = {s.kind: s.done for s in Worker(keel, owner=owner).pass_once(as_of, kinds=list(kinds))}
    keel.engine.catch_up()
    return done


def text(message: Any) -> str:
    return str(message.get_payload(decode=True).decode())


def people(client: TestClient) -> dict[str, str]:
    on = {"on": "2026-09-01"}
    customer = ok(client.post("/v1/customers", json={"name": "Acme GmbH", **on}), 201)["id"]
    ok(client.post(f"/v1/customers/{customer}/owner", json={"owner": "bob", **on}))
    ada = {"name": "Ada Lovelace", "email": "ada@acme.example", "id": "00000000-0000-4000-8000-00000000000a"}
    ok(client.post(f"/v1/customers/{customer}/contacts", json={**ada, **on}), 201)
    nomail = {"name": "No Mail", "id": "00000000-0000-4000-8000-00000000000b"}
    ok(client.post(f"/v1/customers/{customer}/contacts", json={**nomail, **on}), 201)
    lead = {"name": "Lin Wu", "company": "Wu & Co", "email": "lin@wu.example", "source": "web", "owner": "alice"}
    lead_id = ok(client.post("/v1/leads", json={**lead, **on}), 201)["id"]
    deal = {"customer_id": customer, "title": "Site", "value": "100.00", "owner": "bob", "stage": "qualified", **on}
    deal_id = ok(client.post("/v1/deals", json=deal), 201)["id"]
    return {"customer": customer, "ada": ada["id"], "nomail": nomail["id"], "lead": lead_id,
            "deal": deal_id}  # fmt: skip


def test_each_step_goes_once_and_replies_unsubscribes_and_stage_changes_stop_them(
    world: tuple[Keel, TestClient, Any],
) -> None:
    keel, client, inbox = world
    who = people(client)
    bad = [{**STEPS[0]}, {**STEPS[1], "body": "Dear {{ title }}"}]
    refused = client.post("/v1/sequences", json={"name": "Nurture", "steps": bad})
    assert refused.status_code == 422 and "steps.1.body" in refused.text and "{{ title }}" in refused.text
    sequence = ok(client.post("/v1/sequences", json={"name": "Nurture", "steps": STEPS, "on": "2026-09-01"}), 201)["id"]
    other = ok(client.post("/v1/sequences", json={"name": "Other", "steps": STEPS[:1], "on": "2026-09-01"}), 201)["id"]

    on = {"on": DAY0.isoformat()}
    ok(client.post(f"/v1/sequences/{sequence}/enrollments", json={"lead_id": who["lead"], **on}), 201)
    contact = {"customer_id": who["customer"], "contact_id": who["ada"], "deal_id": who["deal"], **on}
    ada = ok(client.post(f"/v1/sequences/{sequence}/enrollments", json=contact), 201)
    head = keel.app.head_position()
    nomail = client.post(f"/v1/sequences/{sequence}/enrollments", json={**contact, "contact_id": who["nomail"]})
    assert nomail.status_code == 422 and "No Mail has no e-mail address" in nomail.text
    twice = client.post(f"/v1/sequences/{sequence}/enrollments", json={"lead_id": who["lead"], **on})
    assert twice.status_code == 409 and keel.app.head_position() == head

    assert run(keel, DAY0) == {"sequence": 2, "outbox": 2}
    by_to = {str(m["To"]): m for m in inbox.received}
    first = by_to["lin@wu.example"]
    assert first["Subject"] == "Hello Lin" and "Hi Lin, about Wu & Co: shall we talk?" in text(first)
    link = f"https://keel.lumen.example/unsubscribe/{ada['id']}/"
    assert str(by_to["ada@acme.example"]["List-Unsubscribe"]).startswith(f"<{link}")
    assert by_to["ada@acme.example"]["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert link in text(by_to["ada@acme.example"])

    head = keel.app.head_position()
    assert run(keel, DAY0, owner="another worker") == {"sequence": 0, "outbox": 0}
    for name in list(keel.engine.projections):
        keel.engine.rebuild(name)
    assert run(keel, date(2026, 10, 2), owner="a third worker") == {"sequence": 0, "outbox": 0}
    assert keel.app.head_position() == head and len(inbox.received) == 2

    reply = {"from_address": "Lin@Wu.example", "subject": "Re: Hello Lin", "message_id": "<r1@wu.example>"}
    ok(client.post("/v1/inbound-messages", json={**reply, "received_at": "2026-10-02T09:00:00+00:00"}), 201)
    assert client.post("/v1/inbound-messages", json=reply).status_code == 409  # once per Message-ID
    assert run(keel, date(2026, 10, 4)) == {"sequence": 1, "outbox": 1}  # Lin stopped (skipped), Ada's step 2 sent
    assert [str(m["To"]) for m in inbox.received[2:]] == ["ada@acme.example"]
    assert "a short follow-up from bob" in text(inbox.received[2])

    secret = str(by_to["ada@acme.example"]["List-Unsubscribe"]).strip("<>").rsplit("/", 1)[1]
    page = client.get(f"/unsubscribe/{ada['id']}/{secret}")
    assert page.status_code == 200 and "ada@acme.example" in page.text
    asked_head = keel.app.head_position()  # asking writes nothing
    client.get(f"/unsubscribe/{ada['id']}/{secret}")
    assert keel.app.head_position() == asked_head
    assert client.post(f"/unsubscribe/{ada['id']}/{'0' * 32}").status_code == 404
    done = client.post(f"/unsubscribe/{ada['id']}/{secret}", data={"List-Unsubscribe": "One-Click"})
    assert done.status_code == 200 and "no more of these messages" in done.text
    keel.engine.catch_up()
    assert [s["email"] for s in ok(client.get("/v1/suppressions"))] == ["ada@acme.example"]
    again = client.post(f"/v1/sequences/{other}/enrollments", json={**contact, "deal_id": None})
    assert again.status_code == 409 and "suppression list" in again.text
    assert run(keel, date(2026, 10, 12)) == {"sequence": 0, "outbox": 0}  # Ada stopped, nothing sent

    shown = ok(client.get(f"/v1/sequences/{sequence}"))
    assert {e["email"]: e["status"] for e in shown["enrollments"]} == {
        "lin@wu.example": "replied",
        "ada@acme.example": "unsubscribed",
    }
    results = ok(client.get("/v1/reports/sequence-results", params={"as_of": "2026-10-12"}))["items"]
    nurture = next(r for r in results if r["name"] == "Nurture")
    assert (nurture["enrolled"], nurture["queued"], nurture["withdrawn"]) == (2, 3, 0)
    # delivered on the day the outbox sent them (today, by the log's clock), not the run's business date
    today = ok(client.get("/v1/reports/sequence-results"))["items"]
    assert [r["sent"] for r in today if r["name"] == "Nurture"] == [3]
    assert (nurture["replied"], nurture["unsubscribed"], nurture["converted"]) == (1, 1, 0)
    earlier = ok(client.get("/v1/reports/sequence-results", params={"as_of": "2026-10-01"}))["items"]
    assert [(r["enrolled"], r["queued"], r["replied"]) for r in earlier if r["name"] == "Nurture"] == [(2, 2, 0)]
    response = client.get("/v1/reports/sequence-results", params={"as_of": "2026-10-12"})
    code, printed = cli_run(keel, "report", "sequence-results", "--as-of", "2026-10-12", "--format", "json")
    assert code == 0 and printed.strip().encode() == response.content


def test_a_deal_s_new_stage_stops_its_sequence_and_a_win_converts(world: tuple[Keel, TestClient, Any]) -> None:
    keel, client, _ = world
    who = people(client)
    sequence = ok(client.post("/v1/sequences", json={"name": "Nurture", "steps": STEPS, "on": "2026-09-01"}), 201)["id"]
    contact = {"customer_id": who["customer"], "contact_id": who["ada"], "deal_id": who["deal"]}
    ok(client.post(f"/v1/sequences/{sequence}/enrollments", json={**contact, "on": DAY0.isoformat()}), 201)
    run(keel, DAY0)
    ok(client.post(f"/v1/deals/{who['deal']}/move", json={"stage": "proposal", "on": "2026-10-02"}))
    ok(client.post(f"/v1/deals/{who['deal']}/win", json={"on": "2026-10-03"}))
    assert run(keel, date(2026, 10, 5)) == {"sequence": 0, "outbox": 0}  # stopped: the deal moved on
    [enrolled] = ok(client.get(f"/v1/sequences/{sequence}"))["enrollments"]
    assert enrolled["status"] == "stage_changed" and enrolled["queued"] == 1
    [row] = ok(client.get("/v1/reports/sequence-results", params={"as_of": "2026-10-05"}))["items"]
    assert (row["stage_changed"], row["converted"]) == (1, 1)
    before = ok(client.get("/v1/reports/sequence-results", params={"as_of": "2026-10-02"}))["items"]
    assert [(r["stage_changed"], r["converted"]) for r in before] == [(0, 0)]


def test_the_cli_defines_enrols_and_refuses_an_unknown_field_in_one_line(
    world: tuple[Keel, TestClient, Any], tmp_path: Path
) -> None:
    keel, client, _ = world
    people(client)
    steps = tmp_path / "steps.json"
    steps.write_text('[{"day": 0, "subject": "Hi", "body": "Dear {{ nickname }}"}]', encoding="utf-8")
    head = keel.app.head_position()
    code, said = cli_run(keel, "sequences", "new", "Nurture", "--steps", str(steps), "--on", "2026-09-01")
    assert code == 1 and said.count("\n") <= 1 and "steps.0.body: unknown field {{ nickname }}" in said
    assert keel.app.head_position() == head
    steps.write_text('[{"day": 0, "subject": "Hi", "body": "Dear {{ first_name }}"}]', encoding="utf-8")
    code, said = cli_run(keel, "sequences", "new", "Nurture", "--steps", str(steps), "--on", "2026-09-01")
    assert code == 0, said
    code, said = cli_run(keel, "sequences", "enroll", "nurture", "--lead", "lin")
    assert code == 0 and "enrolled in 'Nurture'" in said, said
    code, shown = cli_run(keel, "sequences", "show", "nurture", "--format", "json")
    [enrolled] = json.loads(shown)["enrollments"]
    sequence_id = json.loads(shown)["id"]
    assert code == 0 and shown.strip().encode() == client.get(f"/v1/sequences/{sequence_id}").content
    code, said = cli_run(keel, "sequences", "stop", "nurture", "LIN@wu.example", "--detail", "asked to wait")
    assert code == 0 and "lin@wu.example stopped in 'Nurture'" in said, said
    code, said = cli_run(keel, "sequences", "show", "nurture")
    assert code == 0 and "lin@wu.example (Lin Wu)" in said and "manual" in said and enrolled["status"] == "active"
    code, said = cli_run(keel, "sequences", "unsubscribe", "lin@wu.example", "--reason", "asked by phone")
    assert code == 0 and "is on the suppression list" in said
    code, said = cli_run(keel, "sequences", "suppressed")
    assert "lin@wu.example" in said and "asked by phone" in said


def test_a_rule_starts_a_sequence_and_a_reply_read_from_the_mailbox_stops_it(
    world: tuple[Keel, TestClient, Any],
) -> None:
    keel, client, inbox = world
    people(client)
    sequence = ok(client.post("/v1/sequences", json={"name": "Welcome", "steps": STEPS, "on": "2026-09-01"}), 201)
    rule = {"name": "Welcome web leads", "trigger": "lead_created", "source": "web", "action": "start_sequence"}
    ok(client.post("/v1/sales-rules", json={**rule, "sequence_id": sequence["id"], "on": DAY0.isoformat()}), 201)
    lead = {"name": "Mo Reyes", "email": "mo@reyes.example", "source": "web", "on": DAY0.isoformat()}
    ok(client.post("/v1/leads", json=lead), 201)
    keel.engine.catch_up()
    kinds = ["sales-rules", "sequence", "outbox"]  # one pass: the rule enrols, the step is queued and sent
    assert {s.kind: s.done for s in Worker(keel).pass_once(DAY0, kinds=kinds)} == {
        "sales-rules": 1, "sequence": 1, "outbox": 1,
    }  # fmt: skip
    assert [str(m["To"]) for m in inbox.received] == ["mo@reyes.example"]
    [firing] = ok(client.get("/v1/sales-rules/firings"))["items"]
    assert firing["summary"] == "enrolled in the e-mail sequence" and firing["made"]

    box = Mailbox([b"From: Mo Reyes <MO@reyes.example>\r\nSubject: Re: Hello Mo\r\nMessage-ID: <m1@reyes.example>\r\n"
                   b"Date: Fri, 02 Oct 2026 10:00:00 +0000\r\n\r\n"])  # fmt: skip
    with imap_server(box) as port:
        keel.settings.imap_url = f"imap://sales%40lumen.example:secret@127.0.0.1:{port}/INBOX"
        [polled] = Worker(keel).pass_once(date(2026, 10, 4), kinds=["mailbox"])
        assert (polled.done, box.marked, box.logins) == (1, {1}, [("sales@lumen.example", "secret")]), polled
        again = mailbox_run(Context(keel, date(2026, 10, 5), datetime.now(UTC)), "poll@later")
        assert again.note.startswith("0 message(s) recorded")  # marked: not read twice
    assert run(keel, date(2026, 10, 4)) == {"sequence": 0, "outbox": 0}  # stopped: Mo replied
    [enrolled] = ok(client.get(f"/v1/sequences/{sequence['id']}"))["enrollments"]
    assert enrolled["status"] == "replied"


def test_what_the_log_says_before_a_step_goes_out_wins(world: tuple[Keel, TestClient, Any]) -> None:
    """A step queued and not yet sent is withdrawn if the person unsubscribes first;
    a change of steps is for later enrollments; a deal moved away and back still stops it; an
    enrollment dated in the past sends its steps spaced out, not in a burst."""
    keel, client, inbox = world
    who = people(client)
    sequence = ok(client.post("/v1/sequences", json={"name": "Nurture", "steps": STEPS, "on": "2026-09-01"}), 201)["id"]
    lead = ok(
        client.post(f"/v1/sequences/{sequence}/enrollments", json={"lead_id": who["lead"], "on": "2026-09-01"}), 201
    )
    contact = {"customer_id": who["customer"], "contact_id": who["ada"], "deal_id": who["deal"], "on": DAY0.isoformat()}
    ok(client.post(f"/v1/sequences/{sequence}/enrollments", json=contact), 201)
    assert run(keel, DAY0, kinds=("sequence",)) == {"sequence": 2}  # queued; the outbox has not run yet
    ok(client.post("/v1/suppressions", json={"email": "lin@wu.example", "reason": "asked by phone"}))
    assert run(keel, DAY0, kinds=("outbox",)) == {"outbox": 1}
    assert [str(m["To"]) for m in inbox.received] == ["ada@acme.example"]  # Lin's step withdrawn, not sent
    [lin] = [e for e in ok(client.get(f"/v1/sequences/{sequence}"))["enrollments"] if e["id"] == lead["id"]]
    assert lin["status"] == "unsubscribed"
    [row] = [r for r in ok(client.get("/v1/reports/sequence-results"))["items"] if r["name"] == "Nurture"]
    assert (row["queued"], row["withdrawn"], row["sent"]) == (2, 1, 1)

    # a step put in front is not sent to Ada, who had the first already; a deal moved and back stops her
    steps = [{"day": 0, "subject": "New first", "body": "New"}, *({**x, "day": x["day"] + 1} for x in STEPS)]
    ok(client.put(f"/v1/sequences/{sequence}/steps", json={"steps": steps}))
    ok(client.post(f"/v1/deals/{who['deal']}/move", json={"stage": "proposal", "on": "2026-10-02"}))
    ok(client.post(f"/v1/deals/{who['deal']}/move", json={"stage": "qualified", "on": "2026-10-03"}))
    run(keel, date(2026, 10, 4))
    assert len(inbox.received) == 1
    [ada] = [e for e in ok(client.get(f"/v1/sequences/{sequence}"))["enrollments"] if e["email"] == "ada@acme.example"]
    assert ada["status"] == "stage_changed"

    # Lin, enrolled a month back, would have had every step by now: they go out a step's gap apart
    ok(client.post("/v1/suppressions/remove", json={"email": "lin@wu.example", "reason": "called back"}))
    other = ok(client.post("/v1/sequences", json={"name": "Late", "steps": STEPS, "on": "2026-09-01"}), 201)["id"]
    ok(client.post(f"/v1/sequences/{other}/enrollments", json={"lead_id": who["lead"], "on": "2026-09-01"}), 201)
    sent = [
        run(keel, d)["sequence"] for d in (date(2026, 10, 5), date(2026, 10, 6), date(2026, 10, 8), date(2026, 10, 15))
    ]
    assert sent == [1, 0, 1, 1]  # day 0 now; day 3 three days later; day 10 seven days after that


def test_bad_sequences_enrollments_and_replies_name_their_field(world: tuple[Keel, TestClient, Any]) -> None:
    keel, client, _ = world
    who = people(client)
    head = keel.app.head_position()
    unclosed = [{"day": 0, "subject": "Hi {{ first_name }", "body": "x"}]
    refused = client.post("/v1/sequences", json={"name": "N", "steps": unclosed})
    assert refused.status_code == 422 and "steps.0.subject" in refused.text and "unclosed" in refused.text
    long = [{"day": 0, "subject": "Hi", "body": "x" * 9_990}]
    sequence = ok(client.post("/v1/sequences", json={"name": "N", "steps": long, "on": "2026-09-01"}), 201)["id"]
    head = keel.app.head_position()
    other_customer = ok(client.post("/v1/customers", json={"name": "Other", "on": "2026-09-01"}), 201)["id"]
    deal = {"customer_id": other_customer, "title": "X", "value": "1.00", "on": "2026-09-01"}
    theirs = ok(client.post("/v1/deals", json=deal), 201)["id"]
    head = keel.app.head_position()
    contact = {"customer_id": who["customer"], "contact_id": who["ada"], "deal_id": theirs}
    wrong = client.post(f"/v1/sequences/{sequence}/enrollments", json=contact)
    assert wrong.status_code == 422 and "deal_id" in wrong.text
    future = {"from_address": "lin@wu.example", "message_id": "<f@x>", "received_at": "2099-01-01T00:00:00+00:00"}
    later = client.post("/v1/inbound-messages", json=future)
    assert later.status_code == 422 and "received_at" in later.text
    assert keel.app.head_position() == head
    ok(client.post(f"/v1/leads/{who['lead']}/convert", json={}))
    converted = client.post(f"/v1/sequences/{sequence}/enrollments", json={"lead_id": who["lead"]})
    assert converted.status_code == 409 and "converted" in converted.text

    ok(
        client.post(f"/v1/sequences/{sequence}/enrollments", json={**contact, "deal_id": None, "on": DAY0.isoformat()}),
        201,
    )
    run(keel, DAY0)
    [mail] = world[2].received
    assert text(mail).rstrip().endswith(f"{mail['List-Unsubscribe'].strip('<>')}")  # the link is never cut off
