"""Gap-free numbers, and strict numbering: a number is not taken dated before the latest one."""

from __future__ import annotations

from datetime import date
from uuid import uuid4

import pytest

from ledger.errors import InvalidTransition
from ledger.events import Meta
from ledger.sequence import NumberSequence

META = Meta(actor="unit")


def test_strict_numbering_refuses_a_date_before_the_latest_one_taken_and_lax_numbering_does_not() -> None:
    seq = NumberSequence.start("INV-2026", date(2026, 1, 1), META)
    assert seq.take(uuid4(), date(2026, 3, 10), META, in_date_order=True) == "INV-2026-0001"
    assert seq.take(uuid4(), date(2026, 3, 5), META) == "INV-2026-0002"  # backdated while not strict
    with pytest.raises(InvalidTransition, match="INV-2026 has a number issued on 2026-03-10"):
        seq.take(uuid4(), date(2026, 3, 8), META, in_date_order=True)
    assert seq.take(uuid4(), date(2026, 3, 10), META, in_date_order=True) == "INV-2026-0003"  # the same day is fine


def test_a_sequence_from_before_dates_were_kept_is_not_checked_until_its_next_number() -> None:
    seq = NumberSequence.start("INV-2026", date(2026, 1, 1), META)
    seq.take(uuid4(), date(2026, 3, 10), META)
    del seq.latest_on  # as a snapshot taken before the sequence kept the date reads
    assert seq.take(uuid4(), date(2026, 3, 1), META, in_date_order=True) == "INV-2026-0002"
    with pytest.raises(InvalidTransition):
        seq.take(uuid4(), date(2026, 2, 1), META, in_date_order=True)
