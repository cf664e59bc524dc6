"""The log's clock is a port: each append is recorded at the moment the injected clock says, never
earlier than the append before it, and the hash chain does not care where the time came from."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from support import register

from api.settings import Settings
from api.system import Keel
from commands.adapters.clock import SYSTEM_CLOCK, SetClock
from commands.audit import verify

TENTH_OF_JULY = datetime(2026, 7, 10, 9, 30, tzinfo=UTC)


def test_each_append_is_recorded_at_the_moment_the_injected_clock_says(keel: Keel) -> None:
    clock = SetClock(TENTH_OF_JULY)
    keel.app.log_clock = clock
    first = keel.app.head_position() + 1
    register(keel, "Acme", on=date(2026, 7, 10))
    clock.advance(timedelta(hours=2, microseconds=250))
    register(keel, "Globex", on=date(2026, 7, 10))
    head = keel.app.head_position()
    assert keel.app.moment_of(first) == TENTH_OF_JULY
    assert keel.app.moment_of(head) == TENTH_OF_JULY + timedelta(hours=2, microseconds=250)
    assert keel.app.position_at(TENTH_OF_JULY + timedelta(hours=1)) == first
    assert keel.app.position_at(TENTH_OF_JULY - timedelta(microseconds=1)) == first - 1
    assert keel.app.today() == date(2026, 7, 10)  # today's date follows the log's clock


def test_a_clock_set_back_records_at_the_previous_append_and_the_chain_verifies(keel: Keel) -> None:
    clock = SetClock(TENTH_OF_JULY)
    keel.app.log_clock = clock
    register(keel, "Acme")
    clock.set(TENTH_OF_JULY - timedelta(days=3))  # a clock that steps back cannot move the log's back
    register(keel, "Globex")
    head = keel.app.head_position()
    assert keel.app.moment_of(head) == TENTH_OF_JULY
    assert keel.app.position_at(TENTH_OF_JULY) == head
    assert verify(keel.app).ok


def test_the_system_clock_is_the_default_and_can_be_given_back(keel: Keel) -> None:
    assert keel.app.log_clock is SYSTEM_CLOCK
    keel.app.log_clock = SetClock(TENTH_OF_JULY)
    register(keel, "Acme")
    keel.app.log_clock = SYSTEM_CLOCK
    before = datetime.now(UTC)
    register(keel, "Globex")
    recorded = keel.app.moment_of(keel.app.head_position())
    assert recorded is not None and before - timedelta(seconds=5) <= recorded <= datetime.now(UTC) + timedelta(
        seconds=5
    )


def test_keel_starts_on_the_clock_it_is_given(keel_settings: Settings) -> None:
    with Keel.start(keel_settings, follow=False, clock=SetClock(TENTH_OF_JULY)) as keel:
        register(keel, "Acme")
        assert keel.app.moment_of(keel.app.head_position()) == TENTH_OF_JULY
        assert keel.app.position_at(TENTH_OF_JULY) == keel.app.head_position()
