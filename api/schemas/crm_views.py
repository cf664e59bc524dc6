"""The CRM's answers: deals as of a date, leads, activities, the sales reports and the customer 360,
derived from the read side's dataclasses (``api.schemas.derive``); the scope is the reports' one."""

from __future__ import annotations

from typing import Literal

from api.schemas.base import DerivedDate, Report
from api.schemas.derive import derived
from api.schemas.reports import Scope  # noqa: F401  (derived first: every report holds it)
from projections.crm import customer_360, lists, reports

DealState = derived(reports.DealState, after={"weighted": "since"}, narrow={"expected_close": DerivedDate | None})
Lead = derived(
    lists.LeadView,
    name="Lead",
    narrow={"status": Literal["new", "qualified", "disqualified", "converted"]},
    describe={"customer_id": "The customer a conversion created or chose", "reason": "Why it was disqualified"},
)
Activity = derived(lists.ActivityView, name="Activity")
Contact = derived(lists.ContactView, name="Contact")
Stage = derived(lists.StageView, name="Stage")
PipelineRow = derived(reports.PipelineRow)
PipelineReport = derived(reports.PipelineReport, base=Report)
FunnelStep = derived(reports.FunnelStep)
SourceRow = derived(reports.SourceRow)
ConversionReport = derived(reports.ConversionReport, base=Report)
WinRateReport = derived(reports.WinRateReport, base=Report, after={"win_rate": "lost"})
FollowUpItem = derived(reports.FollowUpItem)
OwnerFollowUps = derived(reports.OwnerFollowUps)
FollowUpsReport = derived(reports.FollowUpsReport, base=Report)
TimelineEntry = derived(customer_360.TimelineEntry)
Customer360 = derived(customer_360.Customer360, base=Report)
