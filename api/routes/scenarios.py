"""What-if scenarios (ADR 0066): named assumptions layered on the books — a hire, a recurring
cost, a customer paying later, a deal lost, won or slipping — answered by every report with
``?scenario=NAME`` from a branch of the read models; nothing of them reaches the books."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Response, status
from starlette.concurrency import run_in_threadpool

from api import scenario_answers as answers
from api.answers import json_bytes
from api.deps import KeelDep, MetaDep
from api.scenarios import scenarios
from api.schemas import scenarios as sc

router = APIRouter(prefix="/v1/scenarios", tags=["scenarios"])
Name = Annotated[str, Path(pattern=r"^[a-z0-9][a-z0-9-]{0,62}$", description="The scenario's name")]
JSON = "application/json"


@router.post("", status_code=status.HTTP_201_CREATED, response_model=sc.ScenarioChanged)
async def new_scenario(body: sc.NewScenarioBody, keel: KeelDep, meta: MetaDep) -> Response:
    """A scenario with no assumptions yet, its branch built on the head of the log (its base)."""
    changed = await run_in_threadpool(scenarios(keel).create, body.name, body.on, meta.actor)
    headers = {"Location": f"/v1/scenarios/{body.name}"}
    return Response(answers.changed_document(keel, changed), 201, headers, JSON)


@router.get("", response_model=sc.ScenarioList)
async def list_scenarios(keel: KeelDep) -> Response:
    """Every scenario, by name."""
    return Response(await run_in_threadpool(answers.list_document, keel), media_type=JSON)


@router.get("/{name}", response_model=sc.ScenarioOut)
async def show_scenario(name: Name, keel: KeelDep) -> Response:
    """The scenario: its base, how far the log has moved on since, its assumptions in order."""
    found = await run_in_threadpool(scenarios(keel).get, name)
    return Response(json_bytes(answers.scenario_document(keel, found)), media_type=JSON)


@router.post("/{name}/assumptions", response_model=sc.ScenarioChanged)
async def add_assumptions(name: Name, body: sc.AddAssumptionsBody, keel: KeelDep) -> Response:
    """Assumptions added at the end, each run as the command it stands for on the books as they
    stand (and on those before it), nothing saved: one the books would refuse is a 422 naming it,
    and none is added. The branch is built again on the head."""
    assumptions = [a.to_assumption() for a in body.assumptions]
    changed = await run_in_threadpool(scenarios(keel).add, name, assumptions)
    return Response(answers.changed_document(keel, changed), media_type=JSON)


@router.post("/{name}/rebase", response_model=sc.ScenarioChanged)
async def rebase_scenario(name: Name, keel: KeelDep) -> Response:
    """The branch built again on the head of the log: assumptions that became real (the deal it
    loses was lost) or that the books now contradict (the deal it wins was lost) are taken out
    and listed in ``dropped``."""
    changed = await run_in_threadpool(scenarios(keel).rebase, name)
    return Response(answers.changed_document(keel, changed), media_type=JSON)


@router.delete("/{name}", status_code=status.HTTP_204_NO_CONTENT)
async def drop_scenario(name: Name, keel: KeelDep) -> Response:
    """The scenario and its branch, gone."""
    await run_in_threadpool(scenarios(keel).drop, name)
    return Response(status_code=204)
