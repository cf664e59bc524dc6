"""At quarter end the agency sets up dunning and staff reminders (ADR 0043): three levels (a friendly
reminder 3 days after the due date, a second notice at 14 days with a 15.00 EUR fee, a final notice
at 30), no reminder for less than 10.00 EUR open or within 7 days of a partial payment; Helios Foods
pays its August retainer in instalments by agreement and is left out. Staff reminders go to the
owners' and approvers' addresses."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from api.demo.ids import demo_id, meta
from commands.messages import Command, LevelInput, SetCustomerDunning, SetDunningLevels, SetStaffAddress

QUARTER_END = date(2026, 9, 30)
STAFF = ("alice", "bob", "maria", "olaf", "fiona")  # follow-up owners, approvers


def reminders() -> Iterator[Command]:
    yield SetDunningLevels(
        meta=meta("dunning:levels"),
        on=QUARTER_END,
        levels=(
            LevelInput(number=1, name="Friendly reminder", days_after_due=3, template="friendly"),
            LevelInput(number=2, name="Second notice", days_after_due=14, template="second", fee="15.00"),
            LevelInput(number=3, name="Final notice", days_after_due=30, template="final"),
        ),
        minimum_open="10.00",
        grace_days=7,
    )
    yield SetCustomerDunning(
        meta=meta("dunning:helios"), on=QUARTER_END, customer_id=demo_id("customer:helios"), reminded=False
    )
    for person in STAFF:
        yield SetStaffAddress(
            meta=meta(f"staff-address:{person}"), on=QUARTER_END, person=person, email=f"{person}@lumen.example"
        )
