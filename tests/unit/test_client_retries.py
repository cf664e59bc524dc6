"""keel.client's retries, on a transport that fails as networks do: a write is resent with the
same key and the same bytes (Keel answers it once); what Keel does not replay is never resent."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from keel.client import KeelClient, KeelError, Unavailable


def flaky(failures: int, status: int = 201) -> tuple[list[httpx.Request], Callable[[httpx.Request], httpx.Response]]:
    """A server that drops the first ``failures`` requests, then answers ``status``."""
    seen: list[httpx.Request] = []

    def handle(request: httpx.Request) -> httpx.Response:
        request.read()
        seen.append(request)
        if len(seen) <= failures:
            raise httpx.ConnectError("connection reset", request=request)
        return httpx.Response(status, json={"id": "x", "version": 1, "position": 7})

    return seen, handle


def client(handle: Callable[[httpx.Request], httpx.Response]) -> KeelClient:
    http = httpx.Client(base_url="http://keel.test", transport=httpx.MockTransport(handle))
    return KeelClient(http=http, api_key="k")


def test_a_write_is_resent_with_its_key_and_the_same_bytes() -> None:
    seen, handle = flaky(2)
    with client(handle) as keel:
        keel.import_events(files={"file": ("log.ndjson", b'{"topic": "x"}\n')}, data={"dry_run": "true"})
    assert len(seen) == 3
    keys = {r.headers["Idempotency-Key"] for r in seen}
    assert len(keys) == 1 and keys != {""}
    assert len({r.content for r in seen}) == 1  # one multipart boundary: Keel's fingerprint matches
    assert all(r.headers["Authorization"] == "Bearer k" for r in seen)


def test_a_given_key_is_the_one_sent() -> None:
    seen, handle = flaky(1)
    with client(handle) as keel:
        keel.register_customer(body={"name": "Acme"}, idempotency_key="mine-1")
    assert [r.headers["Idempotency-Key"] for r in seen] == ["mine-1", "mine-1"]


def test_what_keel_does_not_replay_is_sent_once() -> None:
    for call in (
        lambda keel: keel.create_key(body={"name": "ci", "roles": ["analyst"]}),  # its answer holds a secret
        lambda keel: keel.remove_rule("rent"),  # DELETE: Keel keeps no answer to replay
    ):
        seen, handle = flaky(1)
        with client(handle) as keel, pytest.raises(KeelError):
            call(keel)
        assert len(seen) == 1 and "Idempotency-Key" not in seen[0].headers


def test_a_503_is_retried_then_raised_as_unavailable() -> None:
    calls: list[int] = []

    def handle(request: httpx.Request) -> httpx.Response:
        calls.append(1)
        return httpx.Response(
            503, json={"title": "Read model not caught up yet", "status": 503}, headers={"Retry-After": "0"}
        )

    with client(handle) as keel, pytest.raises(Unavailable):
        keel.trial_balance()
    assert len(calls) == 3
