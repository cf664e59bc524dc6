"""The chart of accounts: request bodies (each builds its command) and the lists' items, derived
from the read side (ADR 0032)."""

from __future__ import annotations

from typing import Annotated, Literal, get_args

from pydantic import Field, StringConstraints

from api.schemas.base import AccountCode, Body, CurrencyCode, EffectiveDate, Name
from api.schemas.derive import derived
from commands import messages as m
from ledger.accounts import AccountType, Subtype
from ledger.chart_templates import TEMPLATES
from ledger.events import Meta
from projections.finance import chart

AccountKind = Literal["asset", "liability", "equity", "income", "expense"]
SubtypeName = Annotated[
    str,
    StringConstraints(pattern="^(" + "|".join(s.value for s in Subtype) + ")$"),
    Field(description="What the account is for, within its type", examples=["bank"]),
]
# A role, output_tax:<tax code> (input_tax:<tax code>) for one rate, or revenue:<service code>
assert {t.value for t in AccountType} == set(get_args(AccountKind))
ROLE_KEY_PATTERN = r"^[a-z_]{1,40}(:[A-Za-z0-9._-]{1,20})?$"
RoleKey = Annotated[
    str,
    StringConstraints(pattern=ROLE_KEY_PATTERN),
    Field(description="A role (receivable, revenue, bank, …), output_tax:RATE, or revenue:SERVICE", examples=["bank"]),
]


class InitBooksBody(Body):
    template: Literal[tuple(sorted(TEMPLATES))] = "services-eu"  # type: ignore[valid-type]
    currency: CurrencyCode | None = None
    on: EffectiveDate = None

    def to_command(self, meta: Meta) -> m.InitBooks:
        return m.InitBooks(meta=meta, on=self.on, template=self.template, currency=self.currency)


class AddAccountBody(Body):
    code: AccountCode
    name: Name
    type: AccountKind
    subtype: SubtypeName = "other"
    parent: AccountCode | None = None
    currency: CurrencyCode | None = Field(default=None, description="Postings only in this currency")
    on: EffectiveDate = None

    def to_command(self, meta: Meta) -> m.AddAccount:
        return m.AddAccount(
            meta=meta,
            on=self.on,
            code=self.code,
            name=self.name,
            type=self.type,
            subtype=self.subtype,
            parent=self.parent,
            currency=self.currency,
        )


class RenameAccountBody(Body):
    name: Name
    on: EffectiveDate = None

    def to_command(self, meta: Meta, code: str) -> m.RenameAccount:
        return m.RenameAccount(meta=meta, on=self.on, code=code, name=self.name)


class MoveAccountBody(Body):
    parent: AccountCode | Literal[""] | None = Field(
        description="The group account it goes under; null (or empty): at the top"
    )
    on: EffectiveDate = None

    def to_command(self, meta: Meta, code: str) -> m.MoveAccount:
        return m.MoveAccount(meta=meta, on=self.on, code=code, parent=self.parent or None)


class AccountChangeBody(Body):
    """A change of an account that needs nothing but its date (deactivating, reactivating)."""

    on: EffectiveDate = None

    def to_command(
        self, meta: Meta, kind: type[m.DeactivateAccount] | type[m.ReactivateAccount], code: str
    ) -> m.DeactivateAccount | m.ReactivateAccount:
        return kind(meta=meta, on=self.on, code=code)


class MapRoleBody(Body):
    code: AccountCode
    on: EffectiveDate = None

    def to_command(self, meta: Meta, role: str) -> m.MapRole:
        return m.MapRole(meta=meta, on=self.on, role=role, code=self.code)


Account = derived(chart.ChartAccount, name="Account", exclude=("normal_balance",))
RoleMapping = derived(chart.RoleMapping)
