"""The bank (issue 18, ADR 0034): bank accounts, their statements and lines, CSV mappings, rules,
matching lines to the books and the reconciliation report."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, File, Form, Path, Request, Response, UploadFile, status
from starlette.concurrency import run_in_threadpool

from api import schemas
from api.answers import JSON_OR_CSV, respond
from api.bank import auto_reconcile, bank_account, check_name_free, close_account, import_statement, proposal_items
from api.deps import AS_CSV, AsOf, Cursor, KeelDep, KnownAt, Limit, MetaDep, reads
from api.statements import FORMATS, Format
from commands.messages import CommandResult, RemoveBankRule
from ledger.errors import InvalidValue
from ledger.reconciliation import Proposal, Tolerance
from projections.queries import Params, named

router = APIRouter(tags=["bank"])
AccountId = Annotated[str, Path(max_length=200, description="The bank account's id (or its name)")]
STATEMENTS = "/v1/bank-accounts/{bank_account_id}/statements"


@router.get(
    "/v1/bank-accounts",
    response_model=schemas.page_of(schemas.BankAccount),
    responses=JSON_OR_CSV,
    dependencies=[reads("bank"), AS_CSV],
)
async def list_bank_accounts(request: Request, keel: KeelDep, as_of: AsOf = None, known_at: KnownAt = None) -> Response:
    """The business's bank accounts, each with the ledger account its money is booked on."""
    return await respond(request, keel, "bank-accounts", Params(as_of=as_of))


@router.post("/v1/bank-accounts", status_code=status.HTTP_201_CREATED, response_model=schemas.CommandAccepted)
def add_bank_account(body: schemas.BankAccountBody, keel: KeelDep, meta: MetaDep, response: Response) -> CommandResult:
    """Add a bank account: its ledger account must be an active asset account of sub-type bank."""
    result = keel.app.handle(body.to_command(meta))
    response.headers["Location"] = f"/v1/bank-accounts/{result.id}/lines"
    return result


@router.post(
    "/v1/bank-accounts/{bank_account_id}/rename",
    response_model=schemas.CommandAccepted,
    dependencies=[reads("bank")],
)
def rename_bank_account(
    bank_account_id: AccountId, body: schemas.RenameBankAccountBody, keel: KeelDep, meta: MetaDep
) -> CommandResult:
    """Rename a bank account (its id stays); the list as of an earlier date shows the earlier name."""
    account = bank_account(keel, bank_account_id)
    check_name_free(keel, body.name, account)
    return keel.app.handle(body.to_command(meta, UUID(account.id)))


@router.post(
    "/v1/bank-accounts/{bank_account_id}/close",
    response_model=schemas.CommandAccepted,
    dependencies=[reads("bank", "general_ledger")],
)
def close_bank_account(
    bank_account_id: AccountId, keel: KeelDep, meta: MetaDep, body: schemas.CloseBankAccountBody | None = None
) -> CommandResult:
    """Close a bank account: refused while a statement line is unmatched or the books hold money on
    it; a closed account takes no statements."""
    return close_account(keel, bank_account(keel, bank_account_id), meta, (body or schemas.CloseBankAccountBody()).on)


@router.get(
    "/v1/bank-accounts/{bank_account_id}/lines",
    response_model=schemas.page_of(schemas.BankLine),
    responses=JSON_OR_CSV,
    dependencies=[reads("bank"), AS_CSV],
)
async def list_lines(
    request: Request,
    keel: KeelDep,
    bank_account_id: AccountId,
    unmatched: bool = False,
    as_of: AsOf = None,
    known_at: KnownAt = None,
    cursor: Cursor = None,
    limit: Limit = 100,
) -> Response:
    """The account's statement lines booked by ``as_of`` as known at ``known_at`` (only the unmatched
    ones with ``unmatched=true``), each with what it was matched to."""
    account = await run_in_threadpool(bank_account, keel, bank_account_id)
    filters = named(bank_account=account.id, unmatched="true" if unmatched else None)
    return await respond(request, keel, "bank-lines", Params(as_of=as_of, filters=filters, cursor=cursor, limit=limit))


@router.post(
    STATEMENTS,
    status_code=status.HTTP_201_CREATED,
    response_model=schemas.StatementImported,
    dependencies=[reads("bank")],
)
def upload_statement(
    keel: KeelDep,
    meta: MetaDep,
    bank_account_id: AccountId,
    file: Annotated[UploadFile, File(description="A CAMT.053, OFX or CSV statement")],
    format: Annotated[str | None, Form(description="camt053, ofx or csv; detected when left out")] = None,
    mapping: Annotated[str | None, Form(max_length=200, description="A saved CSV mapping's name")] = None,
    accept_mismatch: Annotated[bool, Form()] = False,
    force: Annotated[bool, Form()] = False,
) -> schemas.StatementImported:
    """Import a statement file (at most ``KEEL_STATEMENT_MAX_BYTES``): all of it or nothing. Lines an
    overlapping statement brought already are not added twice; the same file again is refused unless
    ``force``; balances that do not agree are refused unless ``accept_mismatch``."""
    if format is not None and format not in FORMATS:
        raise InvalidValue(f"format: one of {', '.join(FORMATS)}, not {format[:20]!r}")
    account = bank_account(keel, bank_account_id)
    kind: Format | None = format
    done = import_statement(
        keel,
        account,
        file.file,
        meta,
        filename=(file.filename or "upload")[-200:],
        format=kind,
        mapping=mapping,
        accept_mismatch=accept_mismatch,
        force=force,
    )
    return schemas.StatementImported.model_validate(done, from_attributes=True)


@router.post(
    "/v1/bank-accounts/{bank_account_id}/reconcile",
    response_model=schemas.ReconcileOutcome,
    dependencies=[reads("bank", "invoices", "documents", "general_ledger", "claims")],
)
def reconcile(
    keel: KeelDep,
    meta: MetaDep,
    bank_account_id: AccountId,
    body: schemas.ReconcileBody | None = None,
) -> schemas.ReconcileOutcome:
    """Match what is certain (an invoice number and its exact amount, a rule) and suggest the rest with
    a score (``apply=false``: suggest only). Running it again matches nothing twice. It decides from
    the read models: pass the import's position as ``min_position`` to include its lines."""
    body = body or schemas.ReconcileBody()
    account = bank_account(keel, bank_account_id)
    tolerance = Tolerance(Decimal(body.tolerance_amount), Decimal(body.tolerance_percent))
    done = auto_reconcile(keel, account, meta.actor, tolerance, apply=body.apply)

    def shown(found: list[Proposal]) -> list[schemas.Proposed]:
        return [schemas.Proposed(line_id=p.line_id, score=p.score, why=p.why, items=proposal_items(p)) for p in found]

    return schemas.ReconcileOutcome(
        matched=shown(done.matched), suggested=shown(done.suggested), unmatched=done.unmatched, position=done.position
    )


@router.post("/v1/bank-lines/{line_id}/match", response_model=schemas.CommandAccepted)
def match_line(line_id: UUID, body: schemas.MatchBody, keel: KeelDep, meta: MetaDep) -> CommandResult:
    """Match a line to open invoices (recording the customer's payment, less a bank fee), open bills
    (the supplier's payment), an approved expense claim (its reimbursement) and/or accounts (a
    journal entry against the bank account); the items explain the whole amount, signed as on the
    statement (negative for money out)."""
    return keel.app.handle(body.to_command(meta, line_id))


@router.post("/v1/bank-lines/{line_id}/unmatch", response_model=schemas.CommandAccepted)
def unmatch_line(line_id: UUID, keel: KeelDep, meta: MetaDep, body: schemas.UnmatchBody | None = None) -> CommandResult:
    """Take a match back: what it recorded is reversed as such (``Payment.Reversed``,
    ``SupplierPayment.Reversed``, the reimbursement's reversal, a journal entry's reversal)."""
    return keel.app.handle((body or schemas.UnmatchBody()).to_command(meta, line_id))


@router.post("/v1/bank-mappings", status_code=status.HTTP_201_CREATED, response_model=schemas.CommandAccepted)
def save_mapping(body: schemas.CsvMappingBody, keel: KeelDep, meta: MetaDep) -> CommandResult:
    """Save a bank's CSV column mapping by name (saving the name again changes it)."""
    return keel.app.handle(body.to_command(meta))


@router.post("/v1/bank-rules", status_code=status.HTTP_201_CREATED, response_model=schemas.CommandAccepted)
def add_rule(body: schemas.BankRuleBody, keel: KeelDep, meta: MetaDep) -> CommandResult:
    """A reconciliation rule: lines containing the text (in the direction) are booked to the account."""
    return keel.app.handle(body.to_command(meta))


@router.delete("/v1/bank-rules/{name}", response_model=schemas.CommandAccepted)
def remove_rule(name: Annotated[str, Path(max_length=200)], keel: KeelDep, meta: MetaDep) -> CommandResult:
    return keel.app.handle(RemoveBankRule(meta=meta, name=name))


@router.get(
    "/v1/reports/reconciliation",
    response_model=schemas.BankReconciliation,
    responses=JSON_OR_CSV,
    dependencies=[reads("bank", "general_ledger"), AS_CSV],
)
async def reconciliation(
    request: Request, keel: KeelDep, bank_account_id: str, as_of: AsOf = None, known_at: KnownAt = None
) -> Response:
    """A bank account's balance per its statements and per the books as of ``as_of`` as known at
    ``known_at``, and the statement lines not in the books that explain the difference."""
    account = await run_in_threadpool(bank_account, keel, bank_account_id)
    return await respond(request, keel, "reconciliation", Params(as_of=as_of, filters=named(bank_account=account.id)))
