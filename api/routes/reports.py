from __future__ import annotations

from fastapi import APIRouter

from api import schemas
from api.deps import AsOf, KeelDep, KnownAt, MinPosition, as_of_or_today, catch_up, utc
from projections import reports

router = APIRouter(prefix="/v1/reports", tags=["reports"])


def scope(s: reports.ReportScope) -> schemas.Scope:
    return schemas.Scope(as_of=s.as_of, known_at=s.known_at, position=s.position)


def trial_balance_schema(tb: reports.TrialBalance) -> schemas.TrialBalance:
    return schemas.TrialBalance(
        scope=scope(tb.scope),
        balanced=tb.balanced,
        rows=[
            schemas.TrialBalanceRow(
                account=r.account,
                name=r.name,
                type=r.type,
                currency=r.currency,
                debit=str(r.debit),
                credit=str(r.credit),
            )
            for r in tb.rows
        ],
        totals=[
            schemas.CurrencyTotal(currency=t.currency, debit=str(t.debit), credit=str(t.credit), balanced=t.balanced)
            for t in tb.totals
        ],
    )


@router.get("/trial-balance", response_model=schemas.TrialBalance)
def trial_balance(
    keel: KeelDep, as_of: AsOf = None, known_at: KnownAt = None, min_position: MinPosition = None
) -> schemas.TrialBalance:
    """Balance of every account per currency as of a business date, as the books knew it at ``known_at``."""
    catch_up(keel, min_position, ["general_ledger"])
    return trial_balance_schema(reports.trial_balance(keel.views, as_of_or_today(as_of), utc(known_at)))


@router.get("/receivables", response_model=schemas.Receivables)
def receivables(
    keel: KeelDep, as_of: AsOf = None, known_at: KnownAt = None, min_position: MinPosition = None
) -> schemas.Receivables:
    """Open receivables and unapplied credit per customer, as of a business date and as known at a moment."""
    catch_up(keel, min_position, ["general_ledger", "customers"])
    rec = reports.receivables(keel.views, as_of_or_today(as_of), utc(known_at))
    return schemas.Receivables(
        scope=scope(rec.scope),
        rows=[
            schemas.ReceivableRow(
                customer_id=r.customer_id,
                customer_name=r.customer_name,
                currency=r.currency,
                receivable=str(r.receivable),
                credit=str(r.credit),
                net=str(r.net),
            )
            for r in rec.rows
        ],
        totals={c: str(v) for c, v in rec.totals.items()},
    )
