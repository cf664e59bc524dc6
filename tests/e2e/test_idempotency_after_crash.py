"""Idempotency keys survive a crash: a retry gets the original outcome, and a command runs once."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from api.system import Keel
from commands import messages as m
from commands.idempotency import ClaimSuperseded, Ticket, current_ticket
from ledger.events import Meta

BODY = {"name": "Acme", "on": "2026-01-02"}


def died(*_: object) -> None:
    """The process stopped here: nothing of this call happened."""


def refused(*_: object) -> None:
    raise RuntimeError("the process died before the command committed")


def age_claims(keel: Keel, seconds: int) -> None:
    """Make every claim look ``seconds`` older (as if its process had died that long ago)."""
    datastore = keel.app.recorder.datastore  # type: ignore[attr-defined]
    with datastore.transaction(commit=True) as cur:
        if keel.settings.backend == "postgresql":
            cur.execute("UPDATE keel_idempotency SET claimed_at = claimed_at - make_interval(secs => %s)", (seconds,))
        else:
            cur.execute("UPDATE keel_idempotency SET claimed_at = claimed_at - ?", (seconds,))


@pytest.fixture
def quick(keel: Keel, client: TestClient) -> Iterator[TestClient]:
    keel.settings.idempotency_wait_seconds = 1.0
    yield client


def test_a_retry_after_dying_between_commit_and_answer_gets_the_original_answer(
    quick: TestClient, keel: Keel, monkeypatch: pytest.MonkeyPatch
) -> None:
    with monkeypatch.context() as patch:
        patch.setattr(keel.app, "finish", died)  # the answer is never stored apart from the events
        quick.post("/v1/customers", json=BODY, headers={"Idempotency-Key": "k1"})
    head = keel.app.head_position()
    assert head > 0  # the command committed; its answer was never stored separately

    retry = quick.post("/v1/customers", json=BODY, headers={"Idempotency-Key": "k1"})
    assert retry.status_code == 201, retry.text
    assert retry.headers["Idempotent-Replayed"] == "true"
    assert retry.json()["position"] == head
    assert keel.app.head_position() == head


def test_a_retry_takes_over_a_claim_whose_process_died_before_committing(
    quick: TestClient, keel: Keel, monkeypatch: pytest.MonkeyPatch
) -> None:
    with monkeypatch.context() as patch:
        patch.setattr(keel.app, "handle", refused)
        patch.setattr(keel.app, "finish", died)  # the claim stays in flight, as a killed process leaves it
        quick.post("/v1/customers", json=BODY, headers={"Idempotency-Key": "k2"})
    assert keel.app.head_position() == 0
    age_claims(keel, 60)

    retry = quick.post("/v1/customers", json=BODY, headers={"Idempotency-Key": "k2"})
    assert retry.status_code == 201, retry.text
    again = quick.post("/v1/customers", json=BODY, headers={"Idempotency-Key": "k2"})
    assert again.json() == retry.json()
    assert again.headers["Idempotent-Replayed"] == "true"


def test_of_two_claims_on_one_key_only_the_newer_can_commit(keel: Keel) -> None:
    """A request so slow that its claim went stale and a retry took over must not commit too."""
    first, second = Ticket("c", "k3", "h", 201), Ticket("c", "k3", "h", 201)
    assert keel.app.claim(first).outcome == "claimed"
    age_claims(keel, 60)
    assert keel.app.claim(second).outcome == "claimed"

    token = current_ticket.set(first)
    try:
        with pytest.raises(ClaimSuperseded):
            keel.app.handle(m.RegisterCustomer(meta=Meta(actor="c"), name="Acme"))
    finally:
        current_ticket.reset(token)
    assert keel.app.head_position() == 0

    token = current_ticket.set(second)
    try:
        keel.app.handle(m.RegisterCustomer(meta=Meta(actor="c"), name="Acme"))
    finally:
        current_ticket.reset(token)
    claim = keel.app.claim(Ticket("c", "k3", "h", 201))
    assert (claim.outcome, claim.status) == ("done", 201)
