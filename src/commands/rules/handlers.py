"""Sales rules: defined, paused, resumed, removed (one aggregate, so loops are refused against all
the others), and fired: one rule, one cause, its effect and its record in one transaction."""

from __future__ import annotations

import re
from datetime import date

from commands.rules import messages as m
from commands.rules.acting import act, read_trigger
from commands.unit_of_work import CommandResult, Handlers, UnitOfWork
from ledger.crm import DEFAULT_STAGES, PIPELINE_ID, Pipeline
from ledger.email_sequences import EmailSequence
from ledger.errors import DomainError, InvalidTransition, NotFound
from ledger.events import Meta
from ledger.money import to_decimal
from ledger.rule_firings import RuleFiring
from ledger.sales_rule_book import SalesRules
from ledger.sales_rules import RULES_ACTOR, SALES_RULES_ID, START_SEQUENCE, RuleSpec, canonical_cause, firing_id, plan


def pipeline_stages(uow: UnitOfWork) -> list[str]:
    try:
        return [s.key for s in uow.load(Pipeline, PIPELINE_ID, label="pipeline").stages]
    except NotFound:
        return [s.key for s in DEFAULT_STAGES]


def _book(uow: UnitOfWork, on: date, meta: Meta, create: bool = False) -> SalesRules:
    try:
        return uow.load(SalesRules, SALES_RULES_ID, label="sales rules")
    except NotFound:
        if not create:
            raise NotFound("no sales rule is defined") from None
        return SalesRules.start(on, meta)


def set_sales_rule(uow: UnitOfWork, c: m.SetSalesRule) -> CommandResult:
    on = c.on or uow.today()
    book = _book(uow, on, c.meta, create=True)
    spec = RuleSpec(
        name=c.name,
        trigger=c.trigger,
        action=c.action,
        stage=c.stage,
        source=c.source,
        days=c.days,
        in_days=c.in_days,
        note=c.note,
        team=tuple(c.team),
        probability=None if c.probability is None else to_decimal(c.probability),
        target_stage=c.target_stage,
        sequence_id="" if c.sequence_id is None else str(c.sequence_id),
    )
    if spec.action == START_SEQUENCE and c.sequence_id is not None:
        sequence = uow.load(EmailSequence, c.sequence_id, label="sequence")
        if sequence.retired:
            raise InvalidTransition(f"sequence_id: the sequence {sequence.name!r} is retired")
    changed = book.set_rule(c.rule_id, spec, pipeline_stages(uow), c.replace, on, c.meta)
    if not changed and not book.pending_events:
        return CommandResult(id=c.rule_id, version=book.version, position=0)  # the same: nothing recorded
    result = uow.commit(book)
    return CommandResult(id=c.rule_id, version=result.version, position=result.position)


def _change(uow: UnitOfWork, c: m.PauseSalesRule | m.ResumeSalesRule | m.RemoveSalesRule) -> CommandResult:
    on = c.on or uow.today()
    book = _book(uow, on, c.meta)
    if isinstance(c, m.PauseSalesRule):
        book.pause(c.rule_id, c.reason, on, c.meta)
    elif isinstance(c, m.ResumeSalesRule):
        book.resume(c.rule_id, on, c.meta)
    else:
        book.remove(c.rule_id, on, c.meta)
    result = uow.commit(book)
    return CommandResult(id=c.rule_id, version=result.version, position=result.position)


def fire_sales_rule(uow: UnitOfWork, c: m.FireSalesRule) -> CommandResult:
    """Record what the rule does for the cause. The cause is checked against the log (the entry at
    its position, the follow-up still open and due that day, the deal still open): a cause that is
    not one is refused and nothing is written. What the rule cannot do (the deal closed meanwhile,
    the owner has no address) is recorded as skipped with the reason, so it is not asked again."""
    # A rule's changes are stamped as the rules' own, whoever runs them: never a person's touch.
    meta = Meta(actor=RULES_ACTOR, command_id=c.meta.command_id, correlation_id=c.meta.correlation_id)
    uow.ensure_new(firing_id(c.rule_id, c.cause), f"the firing of rule {c.rule_id} for {c.cause[:80]}")
    book = _book(uow, c.at.date(), meta)
    spec = book.spec(c.rule_id)
    if book.paused(c.rule_id):
        raise InvalidTransition(f"the rule {spec.name!r} is paused")
    canonical_cause(spec.trigger, c.cause)
    trigger = read_trigger(uow, spec, c.cause)
    effect = plan(spec, trigger, book.turns(c.rule_id))
    try:
        made, changed = act(uow, book, c.rule_id, spec, trigger, effect, c, meta)
    except DomainError as exc:
        reason = re.sub(r"^[a-z_]+: ", "", str(exc))  # the field a command would name means nothing here
        skipped = RuleFiring.skipped(c.rule_id, spec.name, spec.action, trigger, reason, meta)
        return uow.commit(skipped)
    fired = RuleFiring.fired(c.rule_id, spec.name, spec.action, trigger, effect.summary, made, meta)
    return uow.commit(fired, *changed)


HANDLERS: Handlers = {
    m.SetSalesRule: set_sales_rule,
    m.PauseSalesRule: _change,
    m.ResumeSalesRule: _change,
    m.RemoveSalesRule: _change,
    m.FireSalesRule: fire_sales_rule,
}
