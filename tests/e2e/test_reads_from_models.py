"""GETs of one resource answered by the read models, not by loading aggregates (issue 17).

Each route is asked, on the demo quarter plus a few later changes, for every resource of its kind,
and must answer what it answered when it read the aggregate (``before``: the former route's code,
kept here as the oracle) — the same JSON, key order included, and the same ETag, the aggregate's
version that writes take as If-Match — right after the change, with ``min_position``. Then the
read model is shown to be the source: emptied, the route no longer answers so (the aggregates are
all still there); rebuilt from the log, it answers as before again. A missing resource is a 404
with the former detail."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api import schemas
from api.demo import load_demo
from api.system import Keel
from ledger.errors import NotFound
from ledger.events import KeelAggregate
from ledger.expense_policy import POLICY_ID, CostCenter, cost_center_id

Answer = tuple[int, str, str | None]  # status, the JSON body as sent (keys in order), the ETag


def events_of(keel: Keel, kind: type[KeelAggregate.Event]) -> list[Any]:
    return [e for _, e in keel.app.read_log(0, 1_000_000, topics=[kind.TOPIC])]


def answer(client: TestClient, path: str, position: int) -> Answer:
    response = client.get(path, params={"min_position": position})
    body = response.json()
    if response.status_code != 200:
        return response.status_code, body["detail"], None
    return 200, json.dumps(body), response.headers.get("ETag")


def former(make: Callable[[Keel, str], tuple[Any, int | None]]) -> Callable[[Keel, str], Answer]:
    """The former route's answer: its body as JSON and its ETag, or its 404."""

    def run(keel: Keel, path: str) -> Answer:
        try:
            body, version = make(keel, path)
        except NotFound as exc:
            return 404, str(exc), None
        return 200, json.dumps(body.model_dump(mode="json")), None if version is None else f'"{version}"'

    return run


# -- the former routes, verbatim but for their parameters ------------------------------------------


def policy_before(keel: Keel, _path: str) -> tuple[Any, int | None]:
    stored = POLICY_ID in keel.app.repository
    policy = keel.app.expense_policy()
    version = policy.version if stored else 0
    return schemas.ExpensePolicyOut(
        steps=[schemas.ApprovalStepIn(approver=s.approver, above=str(s.above)) for s in policy.steps],
        fallback_approver=policy.fallback_approver,
        categories=dict(policy.categories),
        version=version,
    ), version


def cost_center_before(keel: Keel, path: str) -> tuple[Any, int | None]:
    code = path.rsplit("/", 1)[1]
    center = keel.app.get(CostCenter, cost_center_id(code.upper()))
    return schemas.CostCenter(code=center.code, name=center.name, manager=center.manager, version=center.version), (
        center.version
    )


# -- later changes, each written over HTTP: the GET after it must see it ---------------------------


def position_of(response: Any) -> int:
    assert response.status_code in (200, 201), response.text
    return int(response.json()["position"])


def reconfigure_policy(client: TestClient, _keel: Keel) -> int:
    steps = [{"approver": "cost_center_manager", "above": "0"}, {"approver": "olaf", "above": "1500.50"}]
    categories = {"travel": "6200", "software": "6100", "meals": "6300"}  # not in alphabetical order
    body = {"steps": steps, "fallback_approver": "finance", "categories": categories, "on": "2026-09-30"}
    return position_of(client.put("/v1/expense-policy", json=body))


def change_a_manager(client: TestClient, _keel: Keel) -> int:
    return position_of(client.post("/v1/cost-centers/ops/manager", json={"manager": "nina", "on": "2026-09-30"}))


@dataclass(frozen=True)
class Route:
    name: str
    read_model: str
    paths: Callable[[Keel], list[str]]
    before: Callable[[Keel, str], Answer]
    change: Callable[[TestClient, Keel], int]
    missing: str


ROUTES = [
    Route(
        "expense-policy",
        "claims",
        lambda keel: ["/v1/expense-policy"],
        former(policy_before),
        reconfigure_policy,
        "",
    ),
    Route(
        "cost-center",
        "claims",
        lambda keel: [f"/v1/cost-centers/{e.code.lower()}" for e in events_of(keel, CostCenter.Defined)],
        former(cost_center_before),
        change_a_manager,
        "/v1/cost-centers/nope",
    ),
]


@pytest.fixture
def demo(keel: Keel, client: TestClient) -> TestClient:
    load_demo(keel.app)
    keel.engine.wait_for(keel.app.head_position(), [], timeout=60)
    return client


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: r.name)
def test_a_resource_is_answered_from_its_read_model_as_it_was_from_its_aggregate(
    route: Route, keel: Keel, demo: TestClient
) -> None:
    position = route.change(demo, keel)
    paths = route.paths(keel)
    assert paths
    before = {path: route.before(keel, path) for path in paths}
    assert all(found[0] == 200 for found in before.values())
    assert {path: answer(demo, path, position) for path in paths} == before
    if route.missing:
        assert answer(demo, route.missing, position) == route.before(keel, route.missing)

    with keel.views.transaction() as cur:  # the read model emptied, the aggregates untouched
        for table in keel.engine.projections[route.read_model].tables:
            cur.execute(f"DELETE FROM {table}")
    assert all(answer(demo, path, position) != before[path] for path in paths)

    keel.engine.rebuild(route.read_model)
    assert {path: answer(demo, path, position) for path in paths} == before


def test_the_default_policy_is_answered_at_version_zero_until_one_is_configured(client: TestClient, keel: Keel) -> None:
    head = keel.app.head_position()
    assert answer(client, "/v1/expense-policy", head) == former(policy_before)(keel, "")
    assert answer(client, "/v1/expense-policy", head)[2] == '"0"'
    position = reconfigure_policy(client, keel)
    found = answer(client, "/v1/expense-policy", position)
    assert found == former(policy_before)(keel, "") and found[2] == '"1"'
