"""The approvals inbox (issue 20, ADR 0048) over HTTP, on SQLite and PostgreSQL: a claim submitted
through the API waits in its approver's inbox; approving or rejecting it there is the API's
command on the version the page showed — the API sees the new state, a stale page is the API's 412, a
missing reason a 422 beside the field, a forged form a 403, and nothing is written by a refusal."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from web_support import ORIGIN, csrf_of, log_in, web_client

from api.system import Keel


@pytest.fixture
def web(keel: Keel) -> Iterator[TestClient]:
    with web_client(keel) as client:
        yield client


def submit_claim(web: TestClient, keel: Keel, description: str, amount: str = "42.50") -> dict[str, Any]:
    """A cost center Ana manages, and a claim on it that routes to her (under the 500 threshold)."""
    web.post("/v1/cost-centers", json={"code": "ANA", "name": "Ana's desk", "manager": "ana"})
    made = web.post(
        "/v1/expense-claims",
        json={
            "category": "travel",
            "description": description,
            "amount": amount,
            "receipt_reference": "R-77",
            "cost_center": "ANA",
        },
        headers={"X-Keel-Actor": "jon"},
    )
    assert made.status_code == 201, made.text
    keel.engine.catch_up()
    claim: dict[str, Any] = web.get(f"/v1/expense-claims/{made.json()['id']}").json()
    assert claim["next_approver"] == "ana"
    return claim


def form_of(html: str, claim_id: str, action: str) -> dict[str, str]:
    found = re.search(rf'action="/approvals/claims/{claim_id}/{action}"[^>]*>(.*?)</form>', html, re.S)
    assert found, f"no {action} form for {claim_id}"
    return dict(re.findall(r'name="(csrf|version)" value="([^"]*)"', found[1]))


def test_a_claim_submitted_through_the_api_is_approved_from_the_inbox(web: TestClient, keel: Keel) -> None:
    claim = submit_claim(web, keel, "Taxi to <script>alert(2)</script> the client")
    log_in(web, "ana")
    inbox = web.get("/approvals")
    assert inbox.status_code == 200 and 'aria-current="page">Approvals' in inbox.text
    assert (
        "Taxi to &lt;script&gt;alert(2)&lt;/script&gt; the client" in inbox.text
        and "<script>alert(2)" not in inbox.text
    )
    assert "42.50" in inbox.text and "jon" in inbox.text and claim["submitted_on"] in inbox.text
    listed = web.get("/v1/expense-claims", params={"status": "submitted", "next_approver": "ana"}).json()["items"]
    assert [c["id"] for c in listed] == [claim["id"]]  # the page's list is the API's
    fields = form_of(inbox.text, claim["id"], "approve")
    assert fields["version"] == str(claim["version"])
    done = web.post(f"/approvals/claims/{claim['id']}/approve", data=fields, headers=ORIGIN, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"].startswith("/approvals?done=")
    after = web.get(f"/v1/expense-claims/{claim['id']}").json()
    assert after["status"] == "approved" and after["approvals"] == ["ana"]
    said = web.get(done.headers["location"]).text
    assert claim["id"] not in said and "You approved Taxi to &lt;script&gt;" in said and "it is now approved" in said
    assert "prize" not in web.get("/approvals?done=approved:You won a prize").text  # a link puts no words on it
    stale = web.post(f"/approvals/claims/{claim['id']}/approve", data=fields, headers=ORIGIN)
    assert stale.status_code == 412 and "Someone else decided on this claim" in stale.text
    assert "approved" in stale.text  # the claim as it stands now
    assert web.get(f"/v1/expense-claims/{claim['id']}").json()["version"] == after["version"]


def test_the_api_approves_on_the_version_seen_too(web: TestClient, keel: Keel) -> None:
    claim = submit_claim(web, keel, "Parking at the client")
    url = f"/v1/expense-claims/{claim['id']}/approve"
    stale = web.post(url, headers={"X-Keel-Actor": "ana", "If-Match": f'"{claim["version"] - 1}"'})
    assert stale.status_code == 412 and stale.json()["current_version"] == claim["version"]
    done = web.post(url, headers={"X-Keel-Actor": "ana", "If-Match": f'"{claim["version"]}"'})
    assert done.status_code == 200, done.text


def test_a_rejection_needs_a_reason_and_a_stale_page_changes_nothing(web: TestClient, keel: Keel) -> None:
    claim = submit_claim(web, keel, "Hotel in Porto", "310.00")
    log_in(web, "ana")
    fields = form_of(web.get("/approvals").text, claim["id"], "reject")
    blank = web.post(f"/approvals/claims/{claim['id']}/reject", data={**fields, "reason": "  "}, headers=ORIGIN)
    assert blank.status_code == 422 and 'id="reason-' in blank.text and 'class="field-error"' in blank.text
    assert web.get(f"/v1/expense-claims/{claim['id']}").json()["status"] == "submitted"  # nothing written
    old = {**fields, "version": str(int(fields["version"]) - 1)}  # a page made before the claim's last change
    conflict = web.post(f"/approvals/claims/{claim['id']}/reject", data={**old, "reason": "No receipt"}, headers=ORIGIN)
    assert conflict.status_code == 412 and "Someone else decided" in conflict.text
    done = web.post(
        f"/approvals/claims/{claim['id']}/reject",
        data={**fields, "reason": "No receipt"},
        headers=ORIGIN,
        follow_redirects=False,
    )
    assert done.status_code == 303
    after = web.get(f"/v1/expense-claims/{claim['id']}").json()
    assert (after["status"], after["rejection_reason"]) == ("rejected", "No receipt")


def test_forged_forms_and_roles_without_the_scope_are_refused(web: TestClient, keel: Keel) -> None:
    claim = submit_claim(web, keel, "Conference ticket")
    log_in(web, "ana")
    fields = form_of(web.get("/approvals").text, claim["id"], "approve")
    url = f"/approvals/claims/{claim['id']}/approve"
    assert web.post(url, data={"version": fields["version"]}, headers=ORIGIN).status_code == 403  # no CSRF token
    assert web.post(url, data={**fields, "csrf": "forged"}, headers=ORIGIN).status_code == 403
    assert web.post(url, data=fields, headers={"Origin": "http://evil.test"}).status_code == 403
    assert web.get(f"/v1/expense-claims/{claim['id']}").json()["status"] == "submitted"
    log_in(web, "ada")  # an administrator: no expense claims at all
    assert web.get("/approvals").status_code == 403
    log_in(web, "ian")  # an analyst reads the books, approves nothing
    page = web.get("/reports/trial-balance")
    assert "/approvals" not in page.text  # nor in the menu
    refused = web.post(url, data={**fields, "csrf": csrf_of(page.text)}, headers=ORIGIN)
    assert refused.status_code == 403 and "needs one of the roles" in refused.text
    log_in(web, "sam")  # sales submits and approves claims routed to them; none is
    mine = web.get("/approvals")
    assert mine.status_code == 200 and "Nothing waits for your approval" in mine.text
    not_routed = web.post(url, data={**fields, "csrf": csrf_of(mine.text)}, headers=ORIGIN)
    assert not_routed.status_code == 403 and "Conference ticket" not in mine.text  # the domain: not sam's to approve
    assert web.get(f"/v1/expense-claims/{claim['id']}").json()["status"] == "submitted"
