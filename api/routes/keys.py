"""API keys (administrators) and bearer tokens (any key holder)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Request, status
from pydantic import Field, StringConstraints

from api.deps import Cursor, KeelDep, Limit, MetaDep, PrincipalDep, reads
from api.schemas import Body, CommandAccepted, Out, Page
from commands import messages as m
from commands.access.keys import MintedKey, mint_key
from ledger.access import ROLES, SCOPES
from ledger.errors import InvalidValue, NotFound
from ledger.events import Meta
from projections.access import api_keys
from projections.engine.pages import Page as Pages

router = APIRouter(prefix="/v1", tags=["access"])
KeyId = Annotated[str, Path(pattern=r"^[0-9a-f]{12}$", description="The 12 hex digits after keel_")]

Role = Literal["auditor", "analyst", "sales", "accountant", "admin", "integration"]
assert set(Role.__args__) == set(ROLES)  # type: ignore[attr-defined]


class CreateKeyBody(Body):
    name: Annotated[
        str,
        StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9._@+-]{0,63}$"),
        Field(description="Who holds the key: the actor its events record", examples=["maria"]),
    ]
    roles: list[Role] = Field(min_length=1, max_length=5, examples=[["accountant"]])

    def to_command(self, meta: Meta, minted: MintedKey) -> m.IssueApiKey:
        return m.IssueApiKey(
            meta=meta, key_id=minted.key_id, name=self.name, roles=tuple(self.roles), secret_sha256=minted.secret_sha256
        )


class CreatedKey(Out):
    id: str = Field(description="The key's aggregate id (its history: GET /v1/aggregates/{id}/history)")
    key_id: str
    name: str
    roles: list[str]
    api_key: str | None = Field(
        description="The secret, shown this once and stored nowhere (null when a retry replays the answer)"
    )
    version: int
    position: int


class Key(Out):
    key_id: str
    name: str
    roles: list[str]
    issued_by: str
    issued_at: datetime
    revoked_by: str | None
    revoked_at: datetime | None
    revoke_reason: str | None
    version: int


class RevokeKeyBody(Body):
    reason: Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)] = ""

    def to_command(self, meta: Meta, key_id: str) -> m.RevokeApiKey:
        return m.RevokeApiKey(meta=meta, key_id=key_id, reason=self.reason)


@router.post("/keys", status_code=status.HTTP_201_CREATED, response_model=CreatedKey)
def create_key(body: CreateKeyBody, keel: KeelDep, meta: MetaDep) -> CreatedKey:
    """Issue an API key with one or more roles. The answer holds the secret; it is never shown again."""
    minted = mint_key()
    done = keel.app.handle(body.to_command(meta, minted))
    return CreatedKey(
        id=str(done.id),
        key_id=minted.key_id,
        name=body.name,
        roles=sorted(set(body.roles)),
        api_key=minted.token,
        version=done.version,
        position=done.position,
    )


@router.get("/keys", response_model=Page[Key], dependencies=[reads("access")])
def list_keys(
    keel: KeelDep,
    cursor: Cursor = None,
    limit: Limit = 100,
    active: Annotated[bool | None, Query(description="Only keys in use (true) or revoked (false)")] = None,
) -> Pages[api_keys.KeyView]:
    """Every key ever issued, oldest first; secrets are never listed (Keel does not have them)."""
    return api_keys.list_keys(keel.views, active, cursor, limit)


@router.get("/keys/{key_id}", response_model=Key, dependencies=[reads("access")])
def get_key(key_id: KeyId, keel: KeelDep) -> api_keys.KeyView:
    found = api_keys.get_key(keel.views, key_id)
    if found is None:
        raise NotFound(f"API key {key_id} not found")
    return found


@router.post("/keys/{key_id}/revoke", response_model=CommandAccepted)
def revoke_key(key_id: KeyId, body: RevokeKeyBody, keel: KeelDep, meta: MetaDep) -> m.CommandResult:
    """Revoke a key: it and every bearer token exchanged for it stop working at once."""
    return keel.app.handle(body.to_command(meta, key_id))


class TokenBody(Body):
    roles: list[Role] | None = Field(
        None, description="Narrow the token to some of the key's roles (least privilege); all of them when omitted"
    )
    ttl_seconds: int = Field(900, ge=60, le=86_400, description="Lifetime; capped by KEEL_TOKEN_MAX_TTL_SECONDS")


class Token(Out):
    access_token: str | None
    token_type: Literal["Bearer"] = "Bearer"  # noqa: S105 (the scheme's name, not a secret)
    expires_in: int
    roles: list[str]


@router.post("/auth/tokens", status_code=status.HTTP_201_CREATED, response_model=Token, tags=["access"])
def issue_token(body: TokenBody, request: Request, keel: KeelDep, principal: PrincipalDep) -> Token:
    """Exchange an API key for a short-lived bearer token (a JWT signed by Keel)."""
    if getattr(request.state, "via", None) == "token":
        raise InvalidValue("a bearer token cannot mint another; authenticate with your API key")
    roles = tuple(sorted(set(body.roles))) if body.roles else principal.roles
    missing = [r for r in roles if r not in principal.roles]
    if missing:
        raise InvalidValue(f"the key does not hold the role(s) {', '.join(missing)}")
    ttl = min(body.ttl_seconds, keel.settings.token_max_ttl_seconds)
    token = request.app.state.tokens.issue(principal, roles, ttl)
    return Token(access_token=token, expires_in=ttl, roles=list(roles))


class WhoAmI(Out):
    name: str
    roles: list[str]
    scopes: list[str]
    key_id: str


@router.get("/auth/whoami", response_model=WhoAmI)
def whoami(principal: PrincipalDep) -> WhoAmI:
    """Who the credentials stand for, and what they may do."""
    return WhoAmI(
        name=principal.name,
        roles=list(principal.roles),
        scopes=sorted(s for s in principal.scopes if s in SCOPES),
        key_id=principal.client,
    )
