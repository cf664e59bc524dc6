"""A deterministic demo: the third quarter of Lumen & Co, a twelve-person design agency.

Same ids and same figures on every run: four customers (one billed in USD), four suppliers,
expense claims through two approval levels, a rent accrual and its reversal, a credit note, July
closed on 4 August — and reopened on 12 August for a printer's July bill that arrived late; a
pipeline of leads and deals, one won (opening a project draft), one lost, one stage move recorded
late and backdated.

The story is told on its own clock (ADR 0026): each command is recorded on the day it is entered
(its business date, unless ``ENTERED_LATE`` says otherwise), from 09:00 UTC every ten minutes, so
"known at 4 August" is what the books knew on 4 August. Entries are recorded out of business-date
order on purpose (an August invoice is only entered at quarter end), so the two time axes show
different pictures.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from api.demo.ids import demo_id
from api.demo.quarter import quarter
from commands.adapters.clock import SetClock
from commands.application import KeelApplication
from commands.messages import Command

OFFICE_OPENS = time(9, 0, tzinfo=UTC)  # the first entry of a day; the next ones every ENTRY_GAP
ENTRY_GAP = timedelta(minutes=10)
# Entered on a later day than the one they are dated, by step (the rest: on their business date).
ENTERED_LATE: dict[str, date] = {
    "hire:maria": date(2026, 7, 1),  # terms effective since January, entered when the books opened
    "hire:jon": date(2026, 7, 1),
    "bill:copperline-31": date(2026, 8, 12),  # dated 29 July, arrived after July's close
    "move:atlas-proposal": date(2026, 9, 3),  # the Atlas proposal went out on 20 August
    "draft:he-3": date(2026, 9, 29),  # the August retainer, entered at quarter end
    "issue:he-3": date(2026, 9, 29),
}


class DemoRefused(Exception):
    """The demo cannot be told on its own clock in this store."""


def demo_story() -> list[tuple[datetime, Command]]:
    """The demo's commands in the order they are recorded, each with the moment it is recorded at:
    the day it is entered (``ENTERED_LATE``, else its business date), from ``OFFICE_OPENS`` on."""
    late = {str(demo_id(f"command:{step}")): day for step, day in ENTERED_LATE.items()}
    entered = sorted(
        ((late.get(c.meta.command_id) or _dated(c), n, c) for n, c in enumerate(quarter())),
        key=lambda e: (e[0], e[1]),
    )
    story: list[tuple[datetime, Command]] = []
    earlier = 0  # entries already recorded that day
    for n, (day, _, command) in enumerate(entered):
        earlier = earlier + 1 if n and entered[n - 1][0] == day else 0
        story.append((datetime.combine(day, OFFICE_OPENS) + earlier * ENTRY_GAP, command))
    return story


def demo_commands() -> list[Command]:
    """The demo's commands in the order they are recorded."""
    return [command for _, command in demo_story()]


def _dated(command: Command) -> date:
    day = command.on or getattr(command, "day", None)
    if not isinstance(day, date):
        raise AssertionError(f"the demo's {type(command).__name__} has no date to be entered on: give it one")
    return day


def is_loaded(app: KeelApplication) -> bool:
    return demo_id("customer:northwind") in app.repository


def story_begins() -> datetime:
    return demo_story()[0][0]


def check_clock(app: KeelApplication, begins: datetime, what: str = "the demo") -> None:
    """Refuse to tell a story in a log whose clock has already passed its first moment: the log's
    clock never goes back, so its events would all be recorded at that later moment (ADR 0026)."""
    head = app.head_position()
    last = app.moment_of(head) if head else None
    if last is not None and last > begins:
        last = last.astimezone(UTC)
        raise DemoRefused(
            f"{what} is recorded on its own clock, from {begins:%Y-%m-%d %H:%M}Z; this store's log already"
            f" reaches {last:%Y-%m-%d %H:%M}Z (position {head}) and its clock never goes back: load {what}"
            " into an empty store (another KEEL_DATA_DIR or database) before anything else"
        )


def load_demo(app: KeelApplication) -> int:
    """Run the demo's commands, each recorded at its moment in the story (the app's log clock is the
    story's meanwhile); return how many ran (0 when the demo is already loaded). Raise DemoRefused
    when the log's clock has already passed the story's beginning."""
    if is_loaded(app):
        return 0
    story = demo_story()
    check_clock(app, story[0][0])
    clock, saved = SetClock(story[0][0]), app.log_clock
    app.log_clock = clock
    try:
        for moment, command in story:
            clock.set(moment)
            app.handle(command)
    finally:
        app.log_clock = saved
    return len(story)


__all__ = [
    "ENTERED_LATE",
    "DemoRefused",
    "check_clock",
    "demo_commands",
    "demo_id",
    "demo_story",
    "is_loaded",
    "load_demo",
    "story_begins",
]
