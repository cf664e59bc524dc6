"""The OpenAPI document, completed: security, the scope each operation needs, problem responses."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from api.access import AUTHENTICATED, PUBLIC, required_scopes
from api.examples import add_examples
from ledger.access import SCOPES, roles_with

PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "RFC 9457 problem details",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string", "examples": ["urn:keel:problem:forbidden"]},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string", "description": "What was refused and why, in one line"},
        "instance": {"type": "string"},
    },
    "additionalProperties": True,
}


def _problem(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}},
    }


def _scope_note(scopes: tuple[str, ...]) -> str:
    if scopes == (AUTHENTICATED,):
        return "**Access:** any valid API key or bearer token."
    options = "; or ".join(f"`{s}` ({', '.join(roles_with(s))})" for s in scopes)
    return f"**Access:** scope {options}."


def install_openapi(app: FastAPI, description: str) -> None:
    def build() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = get_openapi(title=app.title, version=app.version, description=description, routes=app.routes)
        components = schema.setdefault("components", {})
        schemas = components.setdefault("schemas", {})
        schemas["Problem"] = PROBLEM_SCHEMA
        for unused in ("HTTPValidationError", "ValidationError"):
            schemas.pop(unused, None)
        components["securitySchemes"] = {
            "bearer": {
                "type": "http",
                "scheme": "bearer",
                "description": "An API key (`keel keys create`, `POST /v1/keys`) or a token (`POST /v1/auth/tokens`)",
            }
        }
        schema["security"] = [{"bearer": []}]
        schema["x-keel-scopes"] = SCOPES
        for path, operations in schema["paths"].items():
            for method, operation in operations.items():
                scopes = required_scopes(method.upper(), path) or ()
                responses = operation.setdefault("responses", {})
                if scopes == (PUBLIC,):
                    operation["security"] = []
                else:
                    operation["x-keel-scopes"] = list(scopes)
                    operation["description"] = f"{operation.get('description', '')}\n\n{_scope_note(scopes)}".strip()
                    responses.setdefault("401", _problem("No valid credentials (missing, unknown, revoked, expired)"))
                    responses.setdefault("403", _problem("The credentials lack the scope this operation needs"))
                if "422" in responses:  # FastAPI documents its own shape; Keel answers with a problem
                    responses["422"] = _problem("The request or a value in it is invalid")
                responses.setdefault("4XX", _problem("Refused: the problem says what and why"))
                responses.setdefault("5XX", _problem("Unexpected error or read model not caught up (503)"))
        add_examples(schema)
        app.openapi_schema = schema
        return schema

    app.openapi = build  # type: ignore[method-assign]
