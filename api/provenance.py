"""Every report answers with its provenance: the log position it reflects, the parameters it was
asked with, the read-model versions that answered, and a digest of its content.

A report is any successful GET whose JSON body has a ``scope``. With ``known_at`` given, the
position is the one reached at that moment (not the read model's current one), so the same
request gives the same bytes for as long as the read models keep their versions.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Awaitable, Callable

from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse

SKIPPED_HEADERS = {"content-length", "content-type"}


def install_provenance(app: FastAPI) -> None:
    @app.middleware("http")
    async def provenance(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        response = await call_next(request)
        json_answer = response.headers.get("content-type", "").startswith("application/json")
        if request.method != "GET" or response.status_code != 200 or not json_answer:
            return response
        content = b"".join([chunk async for chunk in response.body_iterator])  # type: ignore[attr-defined]
        headers = {k: v for k, v in response.headers.items() if k.lower() not in SKIPPED_HEADERS}
        try:
            body = json.loads(content)
        except ValueError:
            body = None
        if not isinstance(body, dict) or not isinstance(body.get("scope"), dict):
            return Response(content, status_code=200, headers=headers, media_type="application/json")
        body.pop("provenance", None)
        knowledge = getattr(request.state, "knowledge", None)
        if knowledge is not None:
            body["scope"]["position"] = knowledge.position
        canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        digest = "sha256:" + hashlib.sha256(canonical.encode()).hexdigest()
        engine = request.app.state.keel.engine
        body["provenance"] = {
            "position": body["scope"].get("position", 0),
            "parameters": {k: v for k, v in sorted(request.query_params.items()) if k != "min_position"},
            "projections": {name: p.schema_version for name, p in sorted(engine.projections.items())},
            "digest": digest,
        }
        headers["ETag"] = f'"{digest}"'
        return JSONResponse(body, status_code=200, headers=headers)
