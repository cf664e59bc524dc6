"""The chart of accounts: its accounts and role mappings as of a date, as known at a moment, and
the commands that change it (ADR 0032)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request, Response, status

from api import schemas
from api.answers import JSON_OR_CSV, respond
from api.deps import AS_CSV, AsOf, KeelDep, KnownAt, MetaDep, reads
from api.schemas.accounts import ROLE_KEY_PATTERN
from commands.messages import CommandResult, DeactivateAccount, ReactivateAccount
from projections.queries import Params

router = APIRouter(prefix="/v1/accounts", tags=["accounts"])
Code = Annotated[str, Path(pattern=r"^[0-9A-Za-z]{1,10}$", description="The account's code")]


@router.get(
    "", response_model=schemas.page_of(schemas.Account), responses=JSON_OR_CSV, dependencies=[reads("chart"), AS_CSV]
)
async def list_accounts(request: Request, keel: KeelDep, as_of: AsOf = None, known_at: KnownAt = None) -> Response:
    """The chart of accounts as it stood on ``as_of`` (today by default) as known at ``known_at``:
    each account's name, type, sub-type, parent, currency restriction and whether it takes postings."""
    return await respond(request, keel, "accounts", Params(as_of=as_of))


@router.post("", status_code=status.HTTP_201_CREATED, response_model=schemas.CommandAccepted)
def add_account(body: schemas.AddAccountBody, keel: KeelDep, meta: MetaDep, response: Response) -> CommandResult:
    """Add an account (never deleted once added). A parent must exist, have the same type and be a
    group (sub-type ``group``: it groups accounts in reports and takes no postings)."""
    result = keel.app.handle(body.to_command(meta))
    response.headers["Location"] = f"/v1/accounts?as_of={body.on.isoformat()}" if body.on else "/v1/accounts"
    return result


@router.get(
    "/roles",
    response_model=schemas.page_of(schemas.RoleMapping),
    responses=JSON_OR_CSV,
    dependencies=[reads("chart"), AS_CSV],
)
async def list_roles(request: Request, keel: KeelDep, as_of: AsOf = None, known_at: KnownAt = None) -> Response:
    """Which account each role posts to (receivable, revenue, bank, …), as of a date, as known at a moment."""
    return await respond(request, keel, "roles", Params(as_of=as_of))


@router.put("/roles/{role}", response_model=schemas.CommandAccepted)
def map_role(
    role: Annotated[str, Path(pattern=ROLE_KEY_PATTERN, description="A role, output_tax:RATE, or revenue:SERVICE")],
    body: schemas.MapRoleBody,
    keel: KeelDep,
    meta: MetaDep,
) -> CommandResult:
    """Map a role (or ``output_tax:RATE``, ``revenue:SERVICE``) to an account of the type it needs;
    the account is then locked."""
    return keel.app.handle(body.to_command(meta, role))


@router.patch("/{code}", response_model=schemas.CommandAccepted)
def rename_account(code: Code, body: schemas.RenameAccountBody, keel: KeelDep, meta: MetaDep) -> CommandResult:
    """Rename an account from ``on``: reports as of earlier dates, or known before, keep the old name."""
    return keel.app.handle(body.to_command(meta, code))


@router.post("/{code}/rename", response_model=schemas.CommandAccepted)
def rename_account_post(code: Code, body: schemas.RenameAccountBody, keel: KeelDep, meta: MetaDep) -> CommandResult:
    """The same as ``PATCH /v1/accounts/{code}``, for clients that only POST."""
    return keel.app.handle(body.to_command(meta, code))


@router.post("/{code}/move", response_model=schemas.CommandAccepted)
def move_account(code: Code, body: schemas.MoveAccountBody, keel: KeelDep, meta: MetaDep) -> CommandResult:
    """Group an account under another group account (``parent``; null: at the top) from ``on``:
    reports as of earlier dates, or known before, keep the old grouping."""
    return keel.app.handle(body.to_command(meta, code))


@router.post("/{code}/deactivate", response_model=schemas.CommandAccepted)
def deactivate_account(code: Code, body: schemas.AccountChangeBody, keel: KeelDep, meta: MetaDep) -> CommandResult:
    """Stop an account taking postings (it keeps its history). A locked account (mapped to a role) cannot be."""
    return keel.app.handle(body.to_command(meta, DeactivateAccount, code))


@router.post("/{code}/reactivate", response_model=schemas.CommandAccepted)
def reactivate_account(code: Code, body: schemas.AccountChangeBody, keel: KeelDep, meta: MetaDep) -> CommandResult:
    return keel.app.handle(body.to_command(meta, ReactivateAccount, code))
