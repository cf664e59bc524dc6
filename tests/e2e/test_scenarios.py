"""What-if scenarios (ADR 0066) on the demo, on SQLite and PostgreSQL: "lose the Orbit deal, hire
two designers from November" moves the cash forecast by exactly the hypothetical flows (worked
out here by hand), over HTTP and the CLI alike; the books' own reports are byte for byte what
they were, and no hypothetical event reaches the log or its hash chain."""

from __future__ import annotations

from decimal import Decimal
from uuid import UUID

import pytest
from fastapi.testclient import TestClient
from support import cli_run

from api.system import Keel
from commands.audit import chain_head, verify

FORECAST = {"as_of": "2026-10-31", "to": "2027-03-31", "by": "month", "limit": 0}
HIRE = {"kind": "hire", "name": "Designer", "monthly_cost": "5000.00", "from": "2026-11-01"}


def orbit_deal(client: TestClient) -> str:
    deals = client.get("/v1/deals").json()["items"]
    return str(next(d["deal_id"] for d in deals if d["title"] == "Patient app redesign"))


def books(client: TestClient) -> list[bytes]:
    """The books' own answers, as HTTP sends them."""
    asked = [
        ("/v1/reports/trial-balance", {"as_of": "2026-12-31"}),
        ("/v1/reports/profit-and-loss", {"from": "2026-07-01", "to": "2026-12-31", "by": "month"}),
        ("/v1/reports/cash-forecast", {**FORECAST, "limit": 100}),
        ("/v1/reports/pipeline", {"as_of": "2026-12-31"}),
    ]
    return [client.get(url, params=params).content for url, params in asked]


def test_a_scenario_moves_the_forecast_by_exactly_its_flows_and_never_touches_the_books(
    demo: tuple[Keel, TestClient],
) -> None:
    keel, client = demo
    orbit = orbit_deal(client)
    # In the books: the Orbit deal (negotiation, 75 %, EUR 22,000 net) expected to close on 20 November.
    closes = client.post(f"/v1/deals/{orbit}/update", json={"expected_close": "2026-11-20", "on": "2026-10-15"})
    assert closes.status_code == 200, closes.text
    keel.engine.catch_up()
    before, head, chain = books(client), keel.app.head_position(), chain_head(keel.app)

    made = client.post("/v1/scenarios", json={"name": "lose-orbit-hire-two", "on": "2026-10-15"})
    assert made.status_code == 201, made.text
    assumptions = [HIRE, HIRE, {"kind": "lose_deal", "deal_id": orbit}]
    added = client.post("/v1/scenarios/lose-orbit-hire-two/assumptions", json={"assumptions": assumptions})
    assert added.status_code == 200, added.text
    assert sorted(added.json()["branched"]) == ["crm", "planned_costs"] and added.json()["events"] == 3

    compared = client.get("/v1/reports/cash-forecast/compare", params={**FORECAST, "scenario": "lose-orbit-hire-two"})
    assert compared.status_code == 200, compared.text
    difference = {d["start"]: Decimal(d["net"]) for d in compared.json()["difference"]}
    # By hand: two salaries of 5,000.00 at every month's end from November; the deal's weighted
    # 16,500.00 would have come in on 20 December (its close, then 30 days' terms): now it won't.
    assert difference == {
        "2026-11-01": Decimal("-10000.00"),
        "2026-12-01": Decimal("-26500.00"),
        "2027-01-01": Decimal("-10000.00"),
        "2027-02-01": Decimal("-10000.00"),
        "2027-03-01": Decimal("-10000.00"),
    }
    base = compared.json()["base"]
    assert base["periods"] == client.get("/v1/reports/cash-forecast", params=FORECAST).json()["periods"]
    with_it = client.get("/v1/reports/cash-forecast", params={**FORECAST, "scenario": "lose-orbit-hire-two"})
    assert with_it.json()["periods"] == compared.json()["with_scenario"]["periods"]
    assert with_it.json()["provenance"]["parameters"]["scenario"] == "lose-orbit-hire-two"

    code, as_json = cli_run(
        keel, "report", "cash-forecast", "--as-of", "2026-10-31", "--to", "2027-03-31", "--by", "month",
        "--limit", "0", "--scenario", "lose-orbit-hire-two", "--compare", "base", "--format", "json",
    )  # fmt: skip
    assert code == 0 and as_json.strip().encode() == compared.content  # one query path
    code, table = cli_run(
        keel, "report", "cash-forecast", "--as-of", "2026-10-31", "--to", "2027-03-31", "--by", "month",
        "--scenario", "lose-orbit-hire-two", "--compare", "base",
    )  # fmt: skip
    assert code == 0 and "-26,500.00" in table, table

    # The books: the same bytes, the same log, the same hash chain.
    assert books(client) == before
    assert (keel.app.head_position(), chain_head(keel.app)) == (head, chain)
    assert verify(keel.app).ok
    asked = {"as_of": "2026-12-31"}
    pipeline = client.get("/v1/reports/pipeline", params={**asked, "scenario": "lose-orbit-hire-two"}).json()
    assert pipeline["lost"] == client.get("/v1/reports/pipeline", params=asked).json()["lost"] + 1
    assert pipeline["rows"] == []  # the one open deal, lost in the scenario


def test_a_rebase_drops_what_became_real_and_what_the_books_now_contradict(demo: tuple[Keel, TestClient]) -> None:
    keel, client = demo
    orbit = orbit_deal(client)
    assert client.post("/v1/scenarios", json={"name": "lose-it", "on": "2026-10-15"}).status_code == 201
    assert client.post("/v1/scenarios", json={"name": "win-it", "on": "2026-10-15"}).status_code == 201
    lose = {"assumptions": [{"kind": "lose_deal", "deal_id": orbit}, HIRE]}
    assert client.post("/v1/scenarios/lose-it/assumptions", json=lose).status_code == 200
    win = {"assumptions": [{"kind": "win_deal", "deal_id": orbit, "on": "2026-12-01"}]}
    assert client.post("/v1/scenarios/win-it/assumptions", json=win).status_code == 200
    assert client.post(f"/v1/deals/{orbit}/lose", json={"reason": "budget cut", "on": "2026-10-20"}).status_code == 200

    shown = client.get("/v1/scenarios/lose-it").json()
    assert shown["head_position"] > shown["base_position"]  # the books moved on; it still answers at its base
    rebased = client.post("/v1/scenarios/lose-it/rebase").json()
    assert [(d["number"], d["why"]) for d in rebased["dropped"]] == [(1, "became real")]
    assert [a["kind"] for a in rebased["scenario"]["assumptions"]] == ["hire"]
    code, said = cli_run(keel, "scenarios", "rebase", "win-it")
    assert code == 0 and "contradicts the books" in said, said
    code, listed = cli_run(keel, "scenarios", "list", "--format", "json")
    assert code == 0 and listed.strip().encode() == client.get("/v1/scenarios").content  # one query path
    assert client.delete("/v1/scenarios/win-it").status_code == 204
    assert client.get("/v1/scenarios/win-it").status_code == 404


@pytest.mark.parametrize(
    ("assumption", "named"),
    [
        ({"kind": "hire", "name": "Designer", "monthly_cost": "-5000", "from": "2026-11-01"}, "monthly_cost"),
        ({"kind": "hire", "name": "Designer", "from": "2026-11-01"}, "monthly_cost"),
        ({"kind": "hire", "name": "Designer", "monthly_cost": "5000", "from": "2026-11-01", "days": 3}, "days"),
        ({"kind": "payment_delay", "customer_id": "00000000-0000-0000-0000-000000000009", "days": 3}, "not found"),
        ({"kind": "payment_delay", "days": 3}, "customer_id"),
        ({"kind": "fire", "name": "x"}, "kind"),
        (
            {
                "kind": "recurring_cost",
                "name": "Rent",
                "monthly_cost": "100",
                "from": "2026-11-01",
                "until": "2026-10-01",
            },
            "until",
        ),
    ],
)
def test_a_bad_assumption_is_refused_naming_it_and_nothing_is_saved(
    demo: tuple[Keel, TestClient], assumption: dict[str, object], named: str
) -> None:
    keel, client = demo
    assert client.post("/v1/scenarios", json={"name": "plans"}).status_code == 201
    head, revision = keel.app.head_position(), client.get("/v1/scenarios/plans").json()["revision"]
    refused = client.post("/v1/scenarios/plans/assumptions", json={"assumptions": [HIRE, assumption]})
    assert refused.status_code in (400, 404, 422), refused.text
    assert refused.headers["content-type"] == "application/problem+json" and named in refused.text
    assert client.get("/v1/scenarios/plans").json()["revision"] == revision  # nothing added, not even the first
    assert keel.app.head_position() == head


def test_winning_a_lost_deal_and_other_misuse_are_refused(demo: tuple[Keel, TestClient]) -> None:
    keel, client = demo
    deals = client.get("/v1/deals").json()["items"]
    lost = next(d["deal_id"] for d in deals if d["status"] == "lost")
    assert client.post("/v1/scenarios", json={"name": "plans"}).status_code == 201
    refused = client.post(
        "/v1/scenarios/plans/assumptions",
        json={"assumptions": [{"kind": "win_deal", "deal_id": lost, "on": "2027-01-01"}]},
    )
    assert refused.status_code == 422 and "assumption 1 (win_deal)" in refused.text and "lost" in refused.text
    assert client.post("/v1/scenarios", json={"name": "plans"}).status_code == 409  # the name is taken
    assert client.post("/v1/scenarios", json={"name": "Bad Name"}).status_code == 422
    assert client.get("/v1/scenarios/nothing-here").status_code == 404
    both = client.get("/v1/reports/cash-forecast", params={**FORECAST, "scenario": "plans", "known_at": "5"})
    assert both.status_code == 422 and "known_at" in both.text
    missing = client.get("/v1/reports/cash-forecast", params={**FORECAST, "scenario": "nothing-here"})
    assert missing.status_code == 404
    code, said = cli_run(keel, "scenarios", "add", "plans", "--win-deal", "depot", "--on", "2027-01-01")
    assert code != 0 and said.strip().count("\n") == 0 and "lost" in said, said
    code, said = cli_run(keel, "scenarios", "add", "plans", "--hire", "Designer", "--lose-deal", "depot")
    assert code != 0 and "give one of" in said, said


def test_more_of_the_same_kind_is_folded_at_the_base_and_otherwise_it_builds_again_on_the_head(
    demo: tuple[Keel, TestClient],
) -> None:
    keel, client = demo
    assert client.post("/v1/scenarios", json={"name": "grow", "on": "2026-10-15"}).status_code == 201
    first = client.post("/v1/scenarios/grow/assumptions", json={"assumptions": [HIRE]}).json()
    base = first["scenario"]["base_position"]
    second = client.post("/v1/scenarios/grow/assumptions", json={"assumptions": [HIRE]}).json()
    assert second["scenario"]["base_position"] == base and second["events"] == 2  # folded in: nothing moved
    moved = client.post("/v1/planned-costs", json={"name": "Rent", "amount": "100.00", "start": "2026-11-01"})
    assert moved.status_code == 201  # the books move on
    compared = client.get("/v1/reports/cash-forecast/compare", params={**FORECAST, "scenario": "grow"}).json()
    assert {d["net"] for d in compared["difference"]} == {"-10000.00"}  # both hires; the rent is the books'
    orbit = orbit_deal(client)
    third = client.post(
        "/v1/scenarios/grow/assumptions", json={"assumptions": [{"kind": "lose_deal", "deal_id": orbit}]}
    )
    assert third.json()["scenario"]["base_position"] == keel.app.head_position() > base  # built again on the head
    assert sorted(third.json()["branched"]) == ["crm", "planned_costs"] and third.json()["events"] == 3


def real_tables(keel: Keel) -> dict[str, str]:
    """Every row of the real read models a scenario's branch copies, as a digest per table (not the
    reports: the report cache would answer them the same whatever the tables held)."""
    import hashlib

    from projections.catalog import default_projections

    digests = {}
    with keel.views.read() as cur:
        for projection in default_projections(keel.functional_currency):
            if projection.name in ("crm", "planned_costs", "expected_delays"):
                for table in projection.tables:
                    cur.execute(f"SELECT * FROM {table}")
                    rows = sorted(repr(tuple(row)) for row in cur.fetchall())
                    digests[table] = hashlib.sha256("\n".join(rows).encode()).hexdigest()
    return digests


def test_questions_at_once_a_lost_branch_and_the_real_tables(demo: tuple[Keel, TestClient]) -> None:
    from concurrent.futures import ThreadPoolExecutor

    from projections.scenarios import branch

    keel, client = demo
    before = real_tables(keel)
    assert client.post("/v1/scenarios", json={"name": "busy", "on": "2026-10-15"}).status_code == 201
    every = [HIRE, {"kind": "lose_deal", "deal_id": orbit_deal(client)}]
    assert client.post("/v1/scenarios/busy/assumptions", json={"assumptions": every}).status_code == 200
    assert real_tables(keel) == before  # nothing folded into the real read models

    def ask(_: int) -> int:
        asked = {**FORECAST, "scenario": "busy", "limit": 100}
        return client.get("/v1/reports/cash-forecast", params=asked).status_code

    with ThreadPoolExecutor(4) as pool:
        assert list(pool.map(ask, range(8))) == [200] * 8  # four questions at once on one branch

    found = client.get("/v1/scenarios/busy").json()
    keel.kept.clear()  # a new process's view: nothing open
    branch.drop(keel.views, UUID(found["id"]))  # the branch lost (as by a read model's new version)
    lost = client.get("/v1/reports/cash-forecast", params={**FORECAST, "scenario": "busy"})
    assert lost.status_code == 409 and "rebase" in lost.text  # never answered from the books instead
    assert client.post("/v1/scenarios/busy/rebase").status_code == 200
    assert client.get("/v1/reports/cash-forecast", params={**FORECAST, "scenario": "busy"}).status_code == 200
    assert client.delete("/v1/scenarios/busy").status_code == 204
    assert real_tables(keel) == before
