"""Bank reconciliation in the web app (issue 20, ADR 0048), on SQLite and PostgreSQL: a statement
imported through the API, its lines on the page beside the API's suggestions; matching a line with
one click records what ``POST /v1/bank-lines/{id}/match`` records, unmatching takes it back, and a
refusal is shown beside its line with the API's status while nothing is written."""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from markupsafe import escape
from web_support import ORIGIN, csrf_of, log_in, web_client

from api.system import Keel
from api.web.sessions import Sessions, now

STATEMENT = Path(__file__).parent.parent / "fixtures" / "statements" / "camt053_v02_demo.xml"
NAME = "Main <script>alert(1)</script>"


@pytest.fixture
def web(keel: Keel) -> Iterator[TestClient]:
    with web_client(keel) as client:
        yield client


def bank_with_statement(web: TestClient, keel: Keel) -> str:
    """A bank account on a new ledger account of sub-type bank, its demo statement imported through the API."""
    added = web.post(
        "/v1/accounts", json={"code": "1010", "name": "Bank GR", "type": "asset", "subtype": "bank", "on": "2026-09-01"}
    )
    assert added.status_code == 201, added.text
    opened = web.post(
        "/v1/bank-accounts",
        json={"name": NAME, "account": "1010", "iban": "GR16 0110 1250 0000 0001 2300 695", "on": "2026-09-01"},
    )
    assert opened.status_code == 201, opened.text
    account = str(opened.json()["id"])
    keel.engine.catch_up()
    done = web.post(
        f"/v1/bank-accounts/{account}/statements",
        files={"file": (STATEMENT.name, STATEMENT.read_bytes(), "application/xml")},
    )
    assert done.status_code == 201, done.text
    keel.engine.catch_up()
    return account


def row_of(html: str, line_id: str) -> str:
    found = re.search(rf'<tr id="line-{line_id}".*?</tr>', html, re.S)
    assert found, line_id
    return found[0]


def form_of(row: str, action: str) -> dict[str, Any]:
    """The fields of the row's form that posts to ``action`` (as a browser would send them)."""
    found = re.search(rf'<form method="post" action="[^"]*/{action}"[^>]*>(.*?)</form>', row, re.S)
    assert found, action
    fields: dict[str, Any] = {}
    for name, value in re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', found[1]):
        fields.setdefault(name, []).append(value.replace("&amp;", "&"))
    return {k: v[0] if k in ("csrf", "back") else v for k, v in fields.items()}


def lines(web: TestClient, account: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = web.get(f"/v1/bank-accounts/{account}/lines?as_of=2026-10-31").json()["items"]
    return found


def reconciliation(web: TestClient, account: str) -> dict[str, Any]:
    found: dict[str, Any] = web.get(f"/v1/reports/reconciliation?bank_account_id={account}&as_of=2026-10-31").json()
    return found


def test_a_line_is_matched_with_one_click_and_unmatched_and_the_api_agrees(web: TestClient, keel: Keel) -> None:
    account = bank_with_statement(web, keel)
    assert log_in(web, "ana").status_code == 303
    listed = web.get("/bank?as_of=2026-10-31")
    assert listed.status_code == 200 and f'href="/bank/{account}?as_of=2026-10-31"' in listed.text
    assert "Main &lt;script&gt;alert(1)&lt;/script&gt;" in listed.text and "<script>alert(1)" not in listed.text
    api_accounts = web.get("/v1/bank-accounts?as_of=2026-10-31").json()
    assert f'<code id="digest">{api_accounts["provenance"]["digest"]}</code>' in listed.text

    page = web.get(f"/bank/{account}?as_of=2026-10-31&unmatched=true")
    api = web.get(f"/v1/bank-accounts/{account}/lines?as_of=2026-10-31&unmatched=true").json()
    assert page.status_code == 200 and f'<code id="digest">{api["provenance"]["digest"]}</code>' in page.text
    assert len(api["items"]) == 7 and all(f'id="line-{x["id"]}"' in page.text for x in api["items"])
    paid = next(x for x in api["items"] if "INV-2026-0007" in x["description"] + (x["reference"] or ""))
    row = row_of(page.text, paid["id"])
    assert "Suggested (score 100)" in row and "INV-2026-0007" in row
    before = reconciliation(web, account)
    known = keel.app.head_position()  # before the match: the page rewinds to it

    done = web.post(
        f"/bank/{account}/lines/{paid['id']}/match", data=form_of(row, "match"), headers=ORIGIN, follow_redirects=False
    )
    assert done.status_code == 303, done.text
    assert done.headers["location"] == f"/bank/{account}?as_of=2026-10-31&unmatched=true#line-{paid['id']}"
    assert [x["matched_to"] for x in lines(web, account) if x["id"] == paid["id"]] == ["INV-2026-0007"]
    after = reconciliation(web, account)
    assert Decimal(after["book_balance"]) == Decimal(before["book_balance"]) + Decimal(paid["amount"])
    assert f'id="line-{paid["id"]}"' not in web.get(done.headers["location"]).text  # no longer unmatched
    every = web.get(f"/bank/{account}?as_of=2026-10-31").text
    matched_row = row_of(every, paid["id"])
    assert "Matched: INV-2026-0007" in matched_row

    then = web.get(f"/bank/{account}?as_of=2026-10-31&known_at={known}")
    api_then = web.get(f"/v1/bank-accounts/{account}/lines?as_of=2026-10-31&known_at={known}").json()
    assert f'<code id="digest">{api_then["provenance"]["digest"]}</code>' in then.text
    assert "Matched:" not in row_of(then.text, paid["id"]) and "/match" not in then.text  # no acting on the past

    # the same match again: refused beside the line with the API's status, nothing written
    head = keel.app.head_position()
    again = web.post(f"/bank/{account}/lines/{paid['id']}/match", data=form_of(row, "match"), headers=ORIGIN)
    api_again = web.post(f"/v1/bank-lines/{paid['id']}/match", json={"items": [
        {"kind": k, "target": t, "amount": a, "fee": f}
        for k, t, a, f in zip(*(form_of(row, "match")[n] for n in ("kind", "target", "amount", "fee")), strict=True)
    ]})  # fmt: skip
    assert again.status_code == api_again.status_code == 409
    assert f"Refused (409): {escape(api_again.json()['detail'])}" in row_of(again.text, paid["id"])
    assert keel.app.head_position() == head

    undone = web.post(
        f"/bank/{account}/lines/{paid['id']}/unmatch",
        data=form_of(matched_row, "unmatch"),
        headers=ORIGIN,
        follow_redirects=False,
    )
    assert undone.status_code == 303
    assert [x["matched_to"] for x in lines(web, account) if x["id"] == paid["id"]] == [""]
    assert reconciliation(web, account)["book_balance"] == before["book_balance"]


def test_a_wrong_amount_is_refused_beside_its_line_and_a_rule_is_made_from_a_line(web: TestClient, keel: Keel) -> None:
    account = bank_with_statement(web, keel)
    log_in(web, "ana")
    page = web.get(f"/bank/{account}?unmatched=true")
    api = web.get(f"/v1/bank-accounts/{account}/lines?unmatched=true").json()["items"]
    paid = next(x for x in api if "INV-2026-0007" in x["description"] + (x["reference"] or ""))
    fields = form_of(row_of(page.text, paid["id"]), "match")
    fields["amount"] = ["1.00"]
    head = keel.app.head_position()
    wrong = web.post(f"/bank/{account}/lines/{paid['id']}/match", data=fields, headers=ORIGIN)
    assert wrong.status_code == 422 and "Refused (422)" in row_of(wrong.text, paid["id"])
    assert keel.app.head_position() == head

    unknown = next(x for x in api if "77812" in x["description"] + (x["reference"] or ""))
    rule = {"csrf": csrf_of(page.text), "back": "", "name": "Rent", "contains": "77812", "direction": "any"}
    missing = web.post(
        f"/bank/{account}/lines/{unknown['id']}/rule", data={**rule, "ledger_account": ""}, headers=ORIGIN
    )
    assert missing.status_code == 422 and 'id="r-ledger_account-' + unknown["id"] + '-error"' in missing.text
    made = web.post(
        f"/bank/{account}/lines/{unknown['id']}/rule",
        data={**rule, "ledger_account": "6000"},
        headers=ORIGIN,
        follow_redirects=False,
    )
    assert made.status_code == 303, made.text
    suggested = row_of(web.get(f"/bank/{account}?unmatched=true").text, unknown["id"])
    assert "Suggested" in suggested and "account 6000" in suggested  # the rule decides the line now


def test_roles_and_forged_forms_on_the_bank_pages(web: TestClient, keel: Keel) -> None:
    account = bank_with_statement(web, keel)
    log_in(web, "oli")  # the auditor reads the lines, acts on none
    seen = web.get(f"/bank/{account}")
    assert seen.status_code == 200 and '/match"' not in seen.text and '/unmatch"' not in seen.text
    line = lines(web, account)[0]["id"]
    refused = web.post(f"/bank/{account}/lines/{line}/match", data={"csrf": csrf_of(seen.text)}, headers=ORIGIN)
    assert refused.status_code == 403
    log_in(web, "sam")
    assert web.get("/bank").status_code == 403 and web.get(f"/bank/{account}").status_code == 403
    token = Sessions(keel.views).find(web.cookies["keel_session"], now()).csrf  # type: ignore[union-attr]
    for action in ("match", "unmatch", "rule"):  # an accountant's forms, with a good token: the role refuses
        sent = web.post(f"/bank/{account}/lines/{line}/{action}", data={"csrf": token}, headers=ORIGIN)
        assert sent.status_code == 403 and "needs one of the roles accountant" in sent.text
    log_in(web, "ana")
    head = keel.app.head_position()
    forged = web.post(f"/bank/{account}/lines/{line}/unmatch", data={"csrf": "forged"}, headers=ORIGIN)
    assert forged.status_code == 403 and keel.app.head_position() == head
    assert web.get("/bank/nothing-like-it").status_code == 404
