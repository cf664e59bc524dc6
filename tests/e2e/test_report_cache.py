"""Answers of reports are kept by what determines them (ADR 0054): asked again they are the same
bytes without being made again, ``If-None-Match`` gets 304, a write the read models folded is seen
at once, and a crowd asking for one answer gets it made once."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from datetime import date

import httpx
from fastapi.testclient import TestClient
from support import invoice, pay, register

from api.auth import TokenService
from api.http import create_app
from api.system import Keel

TRIAL = "/v1/reports/trial-balance?as_of=2026-06-30"


def test_asked_again_the_same_bytes_come_from_the_cache_and_if_none_match_gets_304(
    keel: Keel, client: TestClient
) -> None:
    acme = register(keel)
    invoice(keel, acme, "1000.00", date(2026, 2, 1))
    keel.engine.catch_up()
    first = client.get(TRIAL)
    made = keel.reports.misses
    again = client.get(TRIAL)
    assert again.content == first.content and again.headers["ETag"] == first.headers["ETag"]
    assert keel.reports.misses == made and keel.reports.hits >= 1

    unchanged = client.get(TRIAL, headers={"If-None-Match": first.headers["ETag"]})
    assert unchanged.status_code == 304 and unchanged.content == b""
    assert unchanged.headers["ETag"] == first.headers["ETag"]
    weak = client.get(TRIAL, headers={"If-None-Match": f'"other", W/{first.headers["ETag"]}'})
    assert weak.status_code == 304
    assert client.get(TRIAL, headers={"If-None-Match": '"sha256:stale"'}).status_code == 200

    as_csv = client.get(TRIAL + "&format=csv")
    assert as_csv.headers["content-type"].startswith("text/csv") and as_csv.headers["ETag"].startswith('"sha256:')
    assert client.get(TRIAL + "&format=csv", headers={"If-None-Match": as_csv.headers["ETag"]}).status_code == 304


def test_a_write_the_read_models_folded_is_in_the_next_answer(keel: Keel, client: TestClient) -> None:
    acme = register(keel)
    invoice(keel, acme, "1000.00", date(2026, 2, 1))
    keel.engine.catch_up()
    before = client.get(TRIAL)
    position = pay(keel, acme, "200.00", date(2026, 3, 1)).position
    after = client.get(TRIAL, params={"min_position": position})
    assert after.status_code == 200 and after.json()["provenance"]["position"] >= position
    assert after.headers["ETag"] != before.headers["ETag"]  # the bank balance moved
    assert client.get(TRIAL, headers={"If-None-Match": before.headers["ETag"]}).status_code == 200


def test_an_answer_known_at_a_position_stays_kept_through_later_writes(keel: Keel, client: TestClient) -> None:
    acme = register(keel)
    invoice(keel, acme, "1000.00", date(2026, 2, 1))
    keel.engine.catch_up()
    known = f"{TRIAL}&known_at={keel.app.head_position()}"
    first = client.get(known)
    pay(keel, acme, "200.00", date(2026, 3, 1))
    keel.engine.catch_up()
    made = keel.reports.misses
    again = client.get(known)
    assert again.content == first.content and keel.reports.misses == made


def test_a_crowd_asking_for_one_answer_has_it_made_once(keel: Keel) -> None:
    acme = register(keel)
    invoice(keel, acme, "1000.00", date(2026, 2, 1))
    keel.engine.catch_up()
    app = create_app(keel=keel)
    app.state.keel, app.state.tokens = keel, TokenService.from_setting(None)  # what the lifespan sets

    async def crowd() -> list[httpx.Response]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://keel") as http:
            return await asyncio.gather(*(http.get("/v1/reports/balance-sheet") for _ in range(20)))

    made = keel.reports.misses
    with ThreadPoolExecutor(1) as own_loop:  # a loop of its own: another test may leave one running here
        answers = own_loop.submit(asyncio.run, crowd()).result()
    assert {a.status_code for a in answers} == {200} and len({a.content for a in answers}) == 1
    assert keel.reports.misses == made + 1
