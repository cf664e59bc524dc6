"""The HTTP contract: request and response bodies, by business context. Amounts are decimal strings,
never floats. Routes use ``schemas.X``; each context's module holds its own bodies and answers.

Nothing is imported until it is asked for: ``schemas.TrialBalance`` imports ``api.schemas.reports``
(and what that needs) the first time, so a command that answers one report does not build every
context's pydantic models (about a second of every ``keel`` command). Type checkers read the
imports below; ``_GIVES`` says the same for the interpreter (a test keeps the two in step)."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # re-exported: mypy's implicit_reexport is on for this module (pyproject.toml)
    from api.schemas.accounts import (
        Account,
        AccountChangeBody,
        AddAccountBody,
        InitBooksBody,
        MapRoleBody,
        MoveAccountBody,
        RenameAccountBody,
        RoleMapping,
    )
    from api.schemas.bank import (
        BankAccount,
        BankAccountBody,
        BankLine,
        BankReconciliation,
        BankRuleBody,
        CloseBankAccountBody,
        CsvMappingBody,
        MatchBody,
        MatchItemBody,
        Proposed,
        ReconcileBody,
        ReconcileOutcome,
        RenameBankAccountBody,
        StatementImported,
        UnmatchBody,
    )
    from api.schemas.base import (
        AccountCode,
        Amount,
        Body,
        CommandAccepted,
        CurrencyCode,
        DecimalStr,
        DerivedDate,
        EffectiveDate,
        Identifier,
        Name,
        Note,
        OptionalText,
        Out,
        Page,
        Percent,
        Provenance,
        Rate,
        Report,
        Text,
    )
    from api.schemas.crm import (
        ActivityBody,
        ContactBody,
        ConvertLeadBody,
        DealIn,
        FollowUpBody,
        LeadBody,
        MergeBody,
        MoveDealBody,
        NoteBody,
        OpenDealBody,
        OutcomeBody,
        OwnerBody,
        PipelineBody,
        Probability,
        ReopenBody,
        RescheduleBody,
        ServiceIn,
        StageIn,
        UpdateDealBody,
    )
    from api.schemas.crm_views import (
        Activity,
        Contact,
        ConversionReport,
        Customer360,
        DealState,
        FollowUpItem,
        FollowUpsReport,
        FunnelStep,
        Lead,
        OwnerFollowUps,
        PipelineReport,
        PipelineRow,
        SourceRow,
        Stage,
        TimelineEntry,
        WinRateReport,
    )
    from api.schemas.delivery import (
        AllocationBody,
        BillingRunBody,
        BudgetBurn,
        BurnRow,
        ConfigureProjectBody,
        CorrectTimeBody,
        Day,
        HireBody,
        Hours,
        MarginRow,
        Margins,
        MilestoneIn,
        Person,
        Project,
        ProjectBody,
        RetainerFeeBody,
        TermsIn,
        TimeBody,
        Timesheet,
        TimesheetEntry,
        Utilisation,
        UtilisationRow,
        WipRow,
        WorkInProgress,
    )
    from api.schemas.derive import Partial, derived, list_of, page_of
    from api.schemas.expenses import (
        ApprovalStepIn,
        Claim,
        ClaimIn,
        CostCenter,
        CostCenterBody,
        DateBody,
        ExpensePolicyBody,
        ExpensePolicyOut,
        ManagerBody,
        ReimburseBody,
        ResubmitClaimBody,
        SubmitClaimBody,
    )
    from api.schemas.finance import (
        Bill,
        BillAllocationOut,
        BillBody,
        BillLineIn,
        BillPaymentIn,
        ClosePeriodBody,
        CloseYearBody,
        EntryLineIn,
        JournalEntry,
        JournalEntryBody,
        JournalLine,
        NumberingBody,
        PaymentAllocation,
        PaymentDetail,
        PaymentSummary,
        ReopenPeriodBody,
        Supplier,
        SupplierBody,
        SupplierPayment,
        SupplierPaymentBody,
    )
    from api.schemas.reports import (
        AccountLedger,
        Ageing,
        AgeingItem,
        BalanceSheet,
        CashFlowReport,
        CashForecast,
        CashPeriod,
        CurrencyTotal,
        ForecastItem,
        ForecastVsActual,
        ForecastVsActualPeriod,
        LateEvent,
        LateLine,
        LedgerEntry,
        ProfitAndLoss,
        ProjectionStatus,
        ReceivableRow,
        Receivables,
        RestatedAccount,
        Restatement,
        Scope,
        StatementLine,
        TaxLine,
        TaxSummary,
        TrialBalance,
        TrialBalanceRow,
    )
    from api.schemas.sales import (
        AllocationIn,
        ApplyCreditBody,
        CreditNote,
        CreditNoteBody,
        CreditNoteLine,
        Customer,
        DraftInvoiceBody,
        ExpectedPaymentDelayBody,
        Invoice,
        InvoiceLine,
        InvoiceLineIn,
        IssueInvoiceBody,
        PaymentTermsBody,
        ReasonBody,
        RecordPaymentBody,
        RefundCreditBody,
        RegisterCustomerBody,
        RenameCustomerBody,
        SendInvoiceBody,
        UnallocateBody,
    )
    from ledger.policy import FIRST_DAY, LAST_DAY

# Each module and the names this package gives from it.
_GIVES: dict[str, str] = {
    "api.schemas.accounts": (
        "Account AccountChangeBody AddAccountBody InitBooksBody MapRoleBody MoveAccountBody "
        "RenameAccountBody RoleMapping"
    ),
    "api.schemas.bank": (
        "BankAccount BankAccountBody BankLine BankReconciliation BankRuleBody CloseBankAccountBody "
        "CsvMappingBody MatchBody MatchItemBody Proposed ReconcileBody ReconcileOutcome "
        "RenameBankAccountBody StatementImported UnmatchBody"
    ),
    "api.schemas.base": (
        "AccountCode Amount Body CommandAccepted CurrencyCode DecimalStr DerivedDate EffectiveDate "
        "Identifier Name Note OptionalText Out Page Percent Provenance Rate Report Text"
    ),
    "api.schemas.crm": (
        "ActivityBody ContactBody ConvertLeadBody DealIn FollowUpBody LeadBody MergeBody MoveDealBody "
        "NoteBody OpenDealBody OutcomeBody OwnerBody PipelineBody Probability ReopenBody "
        "RescheduleBody ServiceIn StageIn UpdateDealBody"
    ),
    "api.schemas.crm_views": (
        "Activity Contact ConversionReport Customer360 DealState FollowUpItem FollowUpsReport "
        "FunnelStep Lead OwnerFollowUps PipelineReport PipelineRow SourceRow Stage TimelineEntry "
        "WinRateReport"
    ),
    "api.schemas.delivery": (
        "AllocationBody BillingRunBody BudgetBurn BurnRow ConfigureProjectBody CorrectTimeBody Day "
        "HireBody Hours MarginRow Margins MilestoneIn Person Project ProjectBody RetainerFeeBody TermsIn TimeBody "
        "Timesheet TimesheetEntry Utilisation UtilisationRow WipRow WorkInProgress"
    ),
    "api.schemas.derive": "Partial derived list_of page_of",
    "api.schemas.expenses": (
        "ApprovalStepIn Claim ClaimIn CostCenter CostCenterBody DateBody ExpensePolicyBody "
        "ExpensePolicyOut ManagerBody ReimburseBody ResubmitClaimBody SubmitClaimBody"
    ),
    "api.schemas.finance": (
        "Bill BillAllocationOut BillBody BillLineIn BillPaymentIn ClosePeriodBody CloseYearBody "
        "EntryLineIn JournalEntry JournalEntryBody JournalLine NumberingBody PaymentAllocation "
        "PaymentDetail PaymentSummary ReopenPeriodBody Supplier SupplierBody SupplierPayment "
        "SupplierPaymentBody"
    ),
    "api.schemas.reports": (
        "AccountLedger Ageing AgeingItem BalanceSheet CashFlowReport CashForecast CashPeriod "
        "CurrencyTotal ForecastItem ForecastVsActual ForecastVsActualPeriod LateEvent LateLine "
        "LedgerEntry ProfitAndLoss ProjectionStatus ReceivableRow Receivables RestatedAccount "
        "Restatement Scope StatementLine TaxLine TaxSummary TrialBalance TrialBalanceRow"
    ),
    "api.schemas.sales": (
        "AllocationIn ApplyCreditBody CreditNote CreditNoteBody CreditNoteLine Customer "
        "DraftInvoiceBody ExpectedPaymentDelayBody Invoice InvoiceLine InvoiceLineIn IssueInvoiceBody PaymentTermsBody "
        "ReasonBody RecordPaymentBody RefundCreditBody RegisterCustomerBody RenameCustomerBody "
        "SendInvoiceBody UnallocateBody"
    ),
    "ledger.policy": "FIRST_DAY LAST_DAY",
}
_HOME = {name: module for module, names in _GIVES.items() for name in names.split()}


def __getattr__(name: str) -> Any:
    """A name of the package, imported from its module the first time it is asked for."""
    try:
        module = _HOME[name]
    except KeyError:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # later lookups find it here, without coming back
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_HOME})
