"""Report schemas are derived from the read side's dataclasses: a field added there is in the API."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from api import schemas
from api.schemas.derive import derived
from projections.crm.reports import CrmScope
from projections.finance.scope import ReportScope


def test_a_field_added_to_a_projection_type_appears_in_its_response_model() -> None:
    @dataclass(frozen=True)
    class Row:
        name: str
        amount: Decimal
        added_later: date

        @property
        def doubled(self) -> Decimal:
            return self.amount * 2

    model = derived(Row)
    document = model.model_validate(Row("a", Decimal("1.50"), date(2026, 7, 1)), from_attributes=True)
    assert list(model.model_fields) == ["name", "amount", "added_later", "doubled"]
    assert document.model_dump(mode="json") == {
        "name": "a",
        "amount": "1.50",
        "added_later": "2026-07-01",
        "doubled": "3.00",
    }


def test_one_scope_answers_for_every_report_and_writes_no_currency_the_crm_never_had() -> None:
    finance = schemas.Scope.model_validate(ReportScope(date(2026, 7, 31), None, 7), from_attributes=True)
    crm = schemas.Scope.model_validate(CrmScope(date(2026, 7, 31), None, 7), from_attributes=True)
    assert finance.model_dump(mode="json")["currency"] is None
    assert "currency" not in crm.model_dump(mode="json")
    assert schemas.PipelineReport.model_fields["scope"].annotation is schemas.Scope
    assert schemas.Margins.model_fields["scope"].annotation is schemas.Scope
