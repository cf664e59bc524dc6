"""The sales rules' commands (ADR 0067). A rule's fields are those of ``ledger.sales_rules.RuleSpec``;
``FireSalesRule`` is the worker's: one rule, one cause, recorded once."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from uuid import UUID, uuid4

from commands.unit_of_work import Command


@dataclass(frozen=True, kw_only=True)
class SetSalesRule(Command):
    """Define a rule, or replace the definition of ``rule_id``."""

    name: str
    trigger: str
    action: str
    stage: str = ""
    source: str = ""
    days: int = 0
    in_days: int = 0
    note: str = ""
    team: tuple[str, ...] = ()
    probability: str | None = None
    target_stage: str = ""
    sequence_id: UUID | None = None
    rule_id: UUID = field(default_factory=uuid4)
    replace: bool = False  # replace the definition of ``rule_id`` (else a rule of that id is refused)


@dataclass(frozen=True, kw_only=True)
class PauseSalesRule(Command):
    rule_id: UUID
    reason: str = ""


@dataclass(frozen=True, kw_only=True)
class ResumeSalesRule(Command):
    rule_id: UUID


@dataclass(frozen=True, kw_only=True)
class RemoveSalesRule(Command):
    rule_id: UUID


@dataclass(frozen=True, kw_only=True)
class FireSalesRule(Command):
    """What ``rule_id`` does for ``cause`` (``ledger.sales_rules`` names the causes), once."""

    rule_id: UUID
    cause: str
    at: datetime
