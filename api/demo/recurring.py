"""What the worker bills by itself (issue 19 item 5, ADR 0044), entered at quarter end after the
automation: Helios' social-content retainer moves onto a project from September (August's was
typed by hand, ``he-3``), and Northwind signs a hosting and maintenance subscription from
15 September, its first half month prorated. Nothing here posts: the worker drafts the invoices
(``keel worker --once --as-of 2026-10-15``: September's and October's retainer, Northwind's half
September and October), each once. Dated 30 September and recorded last, so the quarter's reports
and the positions the README names stay as they were."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from api.demo.ids import demo_id, meta
from commands.messages import (
    ActivateProject,
    Command,
    ConfigureProject,
    DraftProject,
    LineInput,
    SetSchedule,
    SetUpRecurringInvoice,
)

QUARTER_END = date(2026, 9, 30)
RETAINER = demo_id("project:helios-retainer")
HOSTING = demo_id("recurring:northwind-hosting")


def recurring_work() -> Iterator[Command]:
    helios = demo_id("customer:helios")
    yield DraftProject(
        meta=meta("draft:helios-retainer"),
        on=QUARTER_END,
        project_id=RETAINER,
        customer_id=helios,
        name="Helios social content",
    )
    yield ConfigureProject(
        meta=meta("configure:helios-retainer"),
        on=QUARTER_END,
        project_id=RETAINER,
        model="retainer",
        start=date(2026, 9, 1),
        monthly_fee="1500.00",
        tax_percent="24",
        cost_center="DESIGN",
    )
    yield ActivateProject(meta=meta("activate:helios-retainer"), on=QUARTER_END, project_id=RETAINER)
    yield SetUpRecurringInvoice(
        meta=meta("recurring:northwind-hosting"),
        on=QUARTER_END,
        recurring_id=HOSTING,
        customer_id=demo_id("customer:northwind"),
        name="Website hosting and maintenance",
        lines=(
            LineInput(description="Website hosting", quantity="1", unit_price="120.00", service_code="HOST"),
            LineInput(description="Maintenance hours", quantity="2", unit_price="95.00", service_code="MAINT"),
        ),
        tax_percent="24",
        frequency="monthly",
        start=date(2026, 9, 15),
        anchor=date(2026, 10, 1),
        auto_issue=False,  # the account manager reviews each before it is issued
    )
    yield SetSchedule(
        meta=meta("schedule:recurring"), on=QUARTER_END, kind="recurring", cron="0 6 1 * *", timezone="Europe/Berlin"
    )
