"""The demo quarter's sales pipeline and delivery: leads, deals, a won deal's project, people, time."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from api.demo.ids import demo_id, meta
from commands.messages import (
    ActivateProject,
    ApproveTimesheet,
    CaptureLead,
    Command,
    CompleteMilestone,
    ConfigureProject,
    ConvertLead,
    DealInput,
    DisqualifyLead,
    HirePerson,
    LogActivity,
    LogTime,
    LoseDeal,
    MilestoneInput,
    MoveDeal,
    OpenDeal,
    QualifyLead,
    ScheduleFollowUp,
    ServiceInput,
    SubmitTimesheet,
    TermsInput,
    WinDeal,
)
from ledger.events import Meta
from ledger.project_terms import project_id_for_deal


def delivery() -> Iterator[Command]:
    """The won Kite deal becomes a fixed-fee project; a week of design time; the first milestone billed."""
    project = project_id_for_deal(demo_id("deal:kite"))
    for handle, name, cost, bill in (("maria", "Maria Costa", "55", "110"), ("jon", "Jon Berg", "40", "95")):
        yield HirePerson(
            meta=meta(f"hire:{handle}"),
            handle=handle,
            name=name,
            terms=TermsInput(
                effective=date(2026, 1, 1),
                role="designer",
                cost_center="DESIGN",
                weekly_capacity="40",
                cost_rate=cost,
                bill_rate=bill,
            ),
        )
    yield ConfigureProject(
        meta=meta("configure:kite"),
        on=date(2026, 9, 22),
        project_id=project,
        model="fixed",
        start=date(2026, 9, 22),
        end=date(2026, 12, 18),
        budget_hours="120",
        budget_amount="7000",
        cost_center="DESIGN",
        tax_percent="24",
        milestones=(
            MilestoneInput(key="design", name="Design sprints", amount="9600"),
            MilestoneInput(key="launch", name="Build and launch", amount="6800"),
        ),
    )
    yield ActivateProject(meta=meta("activate:kite"), on=date(2026, 9, 22), project_id=project)
    for handle, hours in (("jon", "6"), ("maria", "2")):
        for day in range(22, 26):
            yield LogTime(
                meta=Meta(handle, str(demo_id(f"command:time:{handle}:{day}"))),
                person=handle,
                day=date(2026, 9, day),
                project_id=project,
                hours=hours,
                entry_id=str(demo_id(f"time:{handle}:{day}")),
            )
        yield SubmitTimesheet(
            meta=Meta(handle, str(demo_id(f"command:submit:{handle}"))),
            on=date(2026, 9, 25),
            person=handle,
            week=date(2026, 9, 21),
        )
        yield ApproveTimesheet(
            meta=Meta("fiona", str(demo_id(f"command:approve-time:{handle}"))),
            person=handle,
            week=date(2026, 9, 21),
            on=date(2026, 9, 28),
        )
    yield CompleteMilestone(
        meta=meta("milestone:kite-design"), on=date(2026, 9, 30), project_id=project, milestone="design"
    )


def sales() -> Iterator[Command]:
    """The quarter's pipeline: three leads, four deals, one won (its project draft opens), one lost."""
    alice, bob = "alice", "bob"

    def by(actor: str, step: str) -> Meta:
        return Meta(actor=actor, command_id=str(demo_id(f"command:{step}")))

    for key, name, company, source, owner, on in (
        ("kite", "Dana Lee", "Kite Labs", "referral", alice, date(2026, 7, 7)),
        ("orbit", "Ravi Shah", "Orbit Health", "website", bob, date(2026, 8, 12)),
        ("cold", "Pat Doe", "Cold Corp", "event", bob, date(2026, 8, 20)),
    ):
        yield CaptureLead(
            meta=by(owner, f"lead:{key}"),
            on=on,
            lead_id=demo_id(f"lead:{key}"),
            name=name,
            company=company,
            source=source,
            owner=owner,
            email=f"{name.split()[0].lower()}@{key}.example",
        )
    yield LogActivity(
        meta=by(alice, "activity:kite-call"),
        on=date(2026, 7, 8),
        activity_id=demo_id("activity:kite-call"),
        kind="call",
        about_kind="lead",
        about_id=demo_id("lead:kite"),
        subject="Discovery call",
    )
    yield QualifyLead(meta=by(alice, "qualify:kite"), on=date(2026, 7, 9), lead_id=demo_id("lead:kite"))
    yield ConvertLead(
        meta=by(alice, "convert:kite"),
        on=date(2026, 7, 14),
        lead_id=demo_id("lead:kite"),
        contact_role="CTO",
        new_customer_id=demo_id("customer:kite"),
        contact_id=demo_id("contact:kite-dana"),
        deal_id=demo_id("deal:kite"),
        deal=DealInput(
            title="Kite Labs website relaunch",
            expected_close=date(2026, 9, 30),
            stage="qualified",
            services=(
                ServiceInput(description="Design sprint", quantity="4", unit_price="2400.00"),
                ServiceInput(description="Build and launch", quantity="1", unit_price="6800.00"),
            ),
        ),
    )
    yield MoveDeal(
        meta=by(alice, "move:kite-proposal"), on=date(2026, 8, 3), deal_id=demo_id("deal:kite"), stage="proposal"
    )
    yield OpenDeal(
        meta=by(bob, "deal:atlas-2"),
        on=date(2026, 8, 10),
        customer_id=demo_id("customer:atlas"),
        deal_id=demo_id("deal:atlas-2"),
        source="existing customer",
        deal=DealInput(title="Depot signage, phase 2", value="14500.00", stage="qualified", owner=bob),
    )
    yield ConvertLead(
        meta=by(bob, "convert:orbit"),
        on=date(2026, 8, 18),
        lead_id=demo_id("lead:orbit"),
        contact_role="COO",
        new_customer_id=demo_id("customer:orbit"),
        contact_id=demo_id("contact:orbit-ravi"),
        deal_id=demo_id("deal:orbit"),
        deal=DealInput(title="Patient app redesign", value="22000.00", stage="qualified", owner=bob),
    )
    yield DisqualifyLead(
        meta=by(bob, "disqualify:cold"),
        on=date(2026, 8, 21),
        lead_id=demo_id("lead:cold"),
        reason="No budget before next year",
    )
    yield MoveDeal(
        meta=by(bob, "move:orbit-negotiation"), on=date(2026, 9, 8), deal_id=demo_id("deal:orbit"), stage="negotiation"
    )
    yield LogActivity(
        meta=by(bob, "activity:atlas-meeting"),
        on=date(2026, 9, 2),
        activity_id=demo_id("activity:atlas-meeting"),
        kind="meeting",
        about_kind="deal",
        about_id=demo_id("deal:atlas-2"),
        subject="Signage walkthrough at the Lyon depot",
    )
    # Recorded late and backdated: the Atlas proposal actually went out on 20 August.
    yield MoveDeal(
        meta=by(bob, "move:atlas-proposal"), on=date(2026, 8, 20), deal_id=demo_id("deal:atlas-2"), stage="proposal"
    )
    yield WinDeal(
        meta=by(alice, "win:kite"),
        on=date(2026, 9, 21),
        deal_id=demo_id("deal:kite"),
        reason="Chosen over two agencies",
    )
    yield LoseDeal(
        meta=by(bob, "lose:atlas-2"),
        on=date(2026, 9, 28),
        deal_id=demo_id("deal:atlas-2"),
        reason="Price: went with a local printer",
    )
    yield ScheduleFollowUp(
        meta=by(bob, "followup:orbit"),
        on=date(2026, 9, 15),
        followup_id=demo_id("followup:orbit"),
        about_kind="deal",
        about_id=demo_id("deal:orbit"),
        owner=bob,
        due=date(2026, 9, 25),
        note="Send the revised estimate",
    )
    yield ScheduleFollowUp(
        meta=by(alice, "followup:kite"),
        on=date(2026, 9, 22),
        followup_id=demo_id("followup:kite"),
        about_kind="customer",
        about_id=demo_id("customer:kite"),
        owner=alice,
        due=date(2026, 10, 2),
        note="Kick-off date for the project",
    )
