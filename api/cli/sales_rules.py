"""``keel rules add|test|list|show|firings|pause|resume|remove``: sales rules from the command line
(ADR 0067).

A rule is one ``--when-…`` and one action option; ``add`` and ``test`` build the body the HTTP
route takes (``api.schemas.sales_rules.RuleIn``), so the CLI accepts what the API accepts: a
refused value is one line naming the option (exit 1), nothing written. ``test`` writes nothing.
``list``, ``show``, ``firings`` and ``test`` with ``--format json`` print the bytes HTTP sends.
The worker (``keel worker``) runs the rules.
"""

from __future__ import annotations

import csv
import json
import sys
from typing import Annotated, Any

import typer

from api.cli.base import app, catch_up, cli_actor, keel_system
from api.cli.entry_base import as_options, body_of, refuse, said
from api.cli.entry_sales import OnOption
from api.cli.output import Format, out
from api.cli.reports import Fmt

rules_app = typer.Typer(
    help="Sales rules: when a deal enters a stage, a lead comes in, a follow-up is overdue or a deal idles, act.",
    no_args_is_help=True,
)
app.add_typer(rules_app, name="rules")

Name = Annotated[str, typer.Argument(help="The rule's name (or id).")]
WhenStage = Annotated[str | None, typer.Option("--when-stage", metavar="STAGE", help="When a deal enters STAGE.")]
WhenLead = Annotated[bool, typer.Option("--when-lead", help="When a lead is captured (see --source).")]
Source = Annotated[str | None, typer.Option("--source", help="--when-lead: only leads from this source.")]
WhenOverdue = Annotated[
    int | None, typer.Option("--when-overdue", metavar="DAYS", help="When a follow-up is overdue by more than DAYS.")
]
WhenIdle = Annotated[int | None, typer.Option("--when-idle", metavar="DAYS", help="When a deal is idle DAYS days.")]
FollowUpIn = Annotated[
    int | None, typer.Option("--follow-up-in", metavar="DAYS", help="Do: a follow-up for the owner in DAYS.")
]
Assign = Annotated[str | None, typer.Option("--assign", metavar="A,B,…", help="Do: assign owners in turn.")]
Probability = Annotated[str | None, typer.Option("--probability", help="Do: set the win probability (percent).")]
MoveTo = Annotated[str | None, typer.Option("--move-to", metavar="STAGE", help="Do: move the deal to STAGE.")]
Notify = Annotated[bool, typer.Option("--notify", help="Do: e-mail the owner (keel reminders address).")]
StartSequence = Annotated[
    str | None, typer.Option("--start-sequence", metavar="SEQUENCE", help="Do: enrol the lead or contact in it.")
]
Note = Annotated[str | None, typer.Option("--note", help="The follow-up's note, or the e-mail's text.")]
OPTIONS = {
    "name": "NAME",
    "trigger": "--when-…",
    "action": "the action",
    "sequence_id": "--start-sequence",
    "stage": "--when-stage",
    "source": "--source",
    "days": "--when-overdue/--when-idle",
    "in_days": "--follow-up-in",
    "note": "--note",
    "team": "--assign",
    "probability": "--probability",
    "target_stage": "--move-to",
    "from": "--from",
    "to": "--to",
    "limit": "--limit",
    "on": "--on",
}


def _sequence(name: str | None) -> str | None:
    """A sequence's id from its name (``--start-sequence``)."""
    if name is None:
        return None
    from api.cli.sequences import find_sequence

    with keel_system(reading=True) as keel:
        catch_up(keel)
        return find_sequence(keel, name, "--start-sequence").id


def _definition(name: str, **given: Any) -> dict[str, Any]:
    """The rule's fields from the options: exactly one trigger and one action."""
    triggers = {
        "deal_entered_stage": given["when_stage"] is not None,
        "lead_created": given["when_lead"],
        "followup_overdue": given["when_overdue"] is not None,
        "deal_idle": given["when_idle"] is not None,
    }
    actions = {
        "create_followup": given["follow_up_in"] is not None,
        "assign_owner": given["assign"] is not None,
        "change_probability": given["probability"] is not None,
        "move_stage": given["move_to"] is not None,
        "notify_owner": given["notify"],
        "start_sequence": given["start_sequence"] is not None,
    }
    chosen = [t for t, on in triggers.items() if on]
    if len(chosen) != 1:
        many = "only one" if chosen else "one"
        raise refuse("--when-…", f"{many} of --when-stage, --when-lead, --when-overdue, --when-idle")
    done = [a for a, on in actions.items() if on]
    if len(done) != 1:
        many = "only one" if done else "one"
        actions_named = "--follow-up-in, --assign, --probability, --move-to, --notify, --start-sequence"
        raise refuse("the action", f"{many} of {actions_named}")
    team = [t.strip() for t in given["assign"].split(",")] if given["assign"] is not None else None
    fields = {
        "name": name,
        "trigger": chosen[0],
        "action": done[0],
        "stage": given["when_stage"],
        "source": given["source"],
        "days": given["when_overdue"] if given["when_overdue"] is not None else given["when_idle"],
        "in_days": given["follow_up_in"],
        "note": given["note"],
        "team": team,
        "probability": given["probability"],
        "target_stage": given["move_to"],
        "sequence_id": given["start_sequence"],
    }
    return {k: v for k, v in fields.items() if v is not None}


@rules_app.command("add")
def add(
    name: Annotated[str, typer.Argument(help="What to call it, e.g. 'Proposal follow-up'.")],
    when_stage: WhenStage = None,
    when_lead: WhenLead = False,
    source: Source = None,
    when_overdue: WhenOverdue = None,
    when_idle: WhenIdle = None,
    follow_up_in: FollowUpIn = None,
    assign: Assign = None,
    probability: Probability = None,
    move_to: MoveTo = None,
    notify: Notify = False,
    start_sequence: StartSequence = None,
    note: Note = None,
    replace: Annotated[bool, typer.Option("--replace", help="Replace the rule of this name.")] = False,
    on: OnOption = None,
) -> None:
    """Define a rule (active from --on, today): it acts on what happens from then on."""
    from uuid import UUID, uuid4

    from api import sales_rule_answers as answers
    from api.schemas.sales_rules import SalesRuleBody
    from ledger.errors import NotFound
    from ledger.events import Meta

    fields = _definition(
        name, when_stage=when_stage, when_lead=when_lead, source=source, when_overdue=when_overdue,
        when_idle=when_idle, follow_up_in=follow_up_in, assign=assign, probability=probability, move_to=move_to,
        notify=notify, note=note, start_sequence=_sequence(start_sequence),
    )  # fmt: skip
    body = body_of(SalesRuleBody, OPTIONS, **fields, on=on)
    with keel_system() as keel:
        catch_up(keel)
        try:
            existing: UUID | None = answers.find_rule(keel, body.name).id
        except NotFound:
            existing = None
        if existing is not None and not replace:
            raise refuse("NAME", f"a rule is already called {body.name!r} (--replace changes it)")
        command = body.to_command(Meta(cli_actor()), existing or uuid4(), body.on, replace=existing is not None)
        result = as_options(OPTIONS, keel.app.handle, command)
    what = "so already: nothing recorded" if not result.position else f"log position {result.position}"
    said(f"sales rule {body.name!r} {'changed' if existing else 'defined'} ({what})")


@rules_app.command("test")
def test(
    name: Annotated[str | None, typer.Argument(help="A saved rule; or define a draft with the options.")] = None,
    start: Annotated[str, typer.Option("--from", help="The first trigger date looked at, YYYY-MM-DD.")] = "",
    end: Annotated[str, typer.Option("--to", help="The last trigger date looked at, YYYY-MM-DD.")] = "",
    when_stage: WhenStage = None,
    when_lead: WhenLead = False,
    source: Source = None,
    when_overdue: WhenOverdue = None,
    when_idle: WhenIdle = None,
    follow_up_in: FollowUpIn = None,
    assign: Assign = None,
    probability: Probability = None,
    move_to: MoveTo = None,
    notify: Notify = False,
    start_sequence: StartSequence = None,
    note: Note = None,
    limit: Annotated[int, typer.Option("--limit", help="List at most this many.")] = 200,
    fmt: Fmt = Format.table,
) -> None:
    """What a rule would have done between --from and --to: listed, nothing written."""
    from api import sales_rule_answers as answers
    from api.schemas.sales_rules import RuleTestBody

    given = {
        "when_stage": when_stage, "when_lead": when_lead, "source": source, "when_overdue": when_overdue,
        "when_idle": when_idle, "follow_up_in": follow_up_in, "assign": assign, "probability": probability,
        "move_to": move_to, "notify": notify, "note": note, "start_sequence": _sequence(start_sequence),
    }  # fmt: skip
    drafted = any(v not in (None, False) for v in given.values())
    if name is not None and drafted:
        raise refuse("NAME", "test a saved rule by its name, or a draft by its options, not both")
    rule = _definition("draft", **given) if drafted or name is None else None
    body = body_of(RuleTestBody, OPTIONS, rule=rule, **{"from": start or None, "to": end or None}, limit=limit)
    with keel_system(reading=True) as keel:
        catch_up(keel)
        rule_id = None if name is None else str(answers.find_rule(keel, name).id)
        spec = None if body.rule is None else body.rule.to_spec()
        found = as_options(OPTIONS, answers.test_document, keel, spec, rule_id, body.from_, body.to, body.limit)
    if fmt is Format.json:
        _print(found)
        return
    document = json.loads(found)
    if fmt is Format.csv:
        keys = ["on", "subject_kind", "subject_id", "title", "owner", "action", "summary", "cause"]
        _csv(keys, [[i[k] for k in keys] for i in document["items"]])
        return
    out.print(f"{document['rule']['description']}, {document['from']} to {document['to']}:", highlight=False)
    for item in document["items"]:
        out.print(f"  {item['on']}  {item['title'] or item['subject_id']}: {item['summary']}", highlight=False)
    shown = len(document["items"])
    more = f" ({document['total'] - shown} more not listed)" if document["total"] > shown else ""
    said(f"{document['total']} time(s){more}; nothing was written")


@rules_app.command("list")
def list_rules(fmt: Fmt = Format.table) -> None:
    """Every rule, with its counts and latest firings."""
    from api import sales_rule_answers as answers

    with keel_system(reading=True) as keel:
        catch_up(keel)
        if fmt is Format.json:
            _print(answers.list_document(keel))
            return
        found = answers.rules_list(keel)
    if fmt is Format.csv:
        keys = ["name", "status", "pause_reason", "description", "fired", "skipped", "owed", "since", "id"]
        _csv(keys, [[r[k] for k in keys] for r in found])
        return
    if not found:
        said("no sales rules yet: `keel rules add NAME --when-stage proposal --follow-up-in 3` defines one")
    for rule in found:
        counts = f"fired {rule['fired']}, skipped {rule['skipped']}, owed {rule['owed']}"
        why = f": {rule['pause_reason']}" if rule["pause_reason"] else ""
        out.print(f"{rule['name']} [{rule['status']}{why}]: {rule['description']} ({counts})", highlight=False)


@rules_app.command("show")
def show(name: Name, fmt: Fmt = Format.table) -> None:
    """One rule and its latest firings."""
    from api import sales_rule_answers as answers

    with keel_system(reading=True) as keel:
        catch_up(keel)
        found = answers.rule_bytes(keel, name)
    if fmt is Format.json:
        _print(found)
        return
    rule = json.loads(found)
    if fmt is Format.csv:
        keys = ["on", "rule_name", "outcome", "summary", "cause"]
        _csv(keys, [[f[k] for k in keys] for f in rule["recent"]])
        return
    out.print(f"{rule['name']} [{rule['status']}] since {rule['since']}: {rule['description']}", highlight=False)
    _firings(rule["recent"])


@rules_app.command("firings")
def firings(
    name: Annotated[str | None, typer.Argument(help="One rule's (all rules' when left out).")] = None,
    limit: Annotated[int, typer.Option("--limit")] = 50,
    fmt: Fmt = Format.table,
) -> None:
    """What the rules did, newest first: each firing with its cause, or why it was skipped."""
    from api import sales_rule_answers as answers

    if not 1 <= limit <= 1000:
        raise refuse("--limit", "from 1 to 1000")
    with keel_system(reading=True) as keel:
        catch_up(keel)
        found = answers.firings_document(keel, name, limit)
    if fmt is Format.json:
        _print(found)
        return
    if fmt is Format.csv:
        keys = ["on", "rule_name", "outcome", "summary", "cause", "subject_kind", "subject_id", "made", "position"]
        _csv(keys, [[f[k] for k in keys] for f in json.loads(found)["items"]])
        return
    _firings(json.loads(found)["items"])


def _firings(items: list[dict[str, Any]]) -> None:
    if not items:
        said("no firings yet")
    for f in items:
        out.print(f"  {f['on']}  {f['rule_name']}: {f['outcome']}: {f['summary']}  ({f['cause']})", highlight=False)


def _state(name: str, command: str, reason: str = "", on: str | None = None) -> None:
    from api import sales_rule_answers as answers
    from api.schemas.sales_rules import PauseBody
    from commands import messages as m
    from ledger.events import Meta

    when = body_of(PauseBody, OPTIONS, reason=reason, on=on)
    with keel_system() as keel:
        catch_up(keel)
        rule = answers.find_rule(keel, name)
        meta = Meta(cli_actor())
        change = {
            "pause": m.PauseSalesRule(meta=meta, on=when.on, rule_id=rule.id, reason=when.reason),
            "resume": m.ResumeSalesRule(meta=meta, on=when.on, rule_id=rule.id),
            "remove": m.RemoveSalesRule(meta=meta, on=when.on, rule_id=rule.id),
        }[command]
        result = keel.app.handle(change)
    said(f"sales rule {rule.spec.name!r}: {command}d (log position {result.position})")


@rules_app.command("pause")
def pause(
    name: Name, reason: Annotated[str, typer.Option("--reason", help="Why, for the list.")] = "", on: OnOption = None
) -> None:
    """Stop acting; what it owed and had not done is dropped."""
    _state(name, "pause", reason, on)


@rules_app.command("resume")
def resume(name: Name, on: OnOption = None) -> None:
    """Act again, on what happens from now on."""
    _state(name, "resume", on=on)


@rules_app.command("remove")
def remove(name: Name, on: OnOption = None) -> None:
    """Gone from the list; its firings stay in the log."""
    _state(name, "remove", on=on)


def _csv(header: list[str], rows: list[list[Any]]) -> None:
    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)


def _print(body: bytes) -> None:
    sys.stdout.buffer.write(body + b"\n")
    sys.stdout.flush()
