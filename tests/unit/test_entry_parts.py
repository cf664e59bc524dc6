"""An entry written in parts (ADR 0046): the whole balance proven as ``balanced`` proves one event's,
the part events' stored forms, and the input policy checking each part's lines as before."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from uuid import UUID

import pytest
from stored_forms import AGG, decode

from commands.application import KeelApplication
from ledger.errors import InvalidTransition, InvalidValue, Unbalanced
from ledger.events import Meta
from ledger.imports import ImportedEntry
from ledger.journal import EntryBalance, JournalLine, balanced
from ledger.policy import MAX_MINOR_UNITS

META = Meta("test")
DAY = date(2026, 1, 1)


def _lines(*spec: tuple[str, str, str, str]) -> list[JournalLine]:
    return [JournalLine(a, Decimal(x), c, Decimal(v)) for a, x, c, v in spec]


def _whole(lines: list[JournalLine]) -> EntryBalance:
    totals = EntryBalance("EUR")
    for line in lines:
        totals.add(line.currency, line.amount, line.value)
    return totals


@pytest.mark.parametrize(
    "spec",
    [
        [("1000", "10.00", "EUR", "10.00"), ("3000", "-10.00", "EUR", "-10.00")],
        [("1000", "10.00", "EUR", "10.00"), ("3000", "-9.99", "EUR", "-9.99")],
        [("1000", "10.00", "USD", "9.00"), ("3000", "-9.00", "EUR", "-9.00")],
        [("1000", "10.00", "USD", "9.00"), ("3900", "-10.00", "USD", "-9.00")],
        [("1000", "0", "EUR", "0")],
        [("1000", str(MAX_MINOR_UNITS), "EUR", "1"), ("3000", f"-{MAX_MINOR_UNITS}", "EUR", "-1")],
        [("1000", str(MAX_MINOR_UNITS // 100), "EUR", "1"), ("3000", f"-{MAX_MINOR_UNITS // 100}", "EUR", "-1")],
    ],
)
def test_the_whole_entrys_balance_refuses_what_balanced_refuses_with_the_same_words(
    spec: list[tuple[str, str, str, str]],
) -> None:
    lines = _lines(*spec)
    try:
        balanced(lines, "EUR")
    except (InvalidValue, Unbalanced) as exc:
        with pytest.raises(type(exc)) as caught:
            _whole(lines).check()
        if "larger than Keel accepts" not in str(exc):  # one line beyond the bound: the entry's bound words
            assert str(caught.value) == str(exc)
    else:
        _whole(lines).check()


def test_an_entry_in_parts_has_as_many_parts_as_it_planned() -> None:
    first = _lines(("1000", "10.00", "EUR", "10.00"))
    entry = ImportedEntry.begin(AGG, "Opening balances", "o.csv", first, 2, DAY, META)
    entry.continue_with(_lines(("3000", "-10.00", "EUR", "-10.00")), DAY, META)
    assert (entry.version, entry.parts, entry.planned) == (2, 2, 2)
    with pytest.raises(InvalidTransition, match="has all of its 2 parts"):
        entry.continue_with(first, DAY, META)
    with pytest.raises(InvalidValue, match="one part is posted whole"):
        ImportedEntry.begin(AGG, "Opening balances", "o.csv", first, 1, DAY, META)
    with pytest.raises(InvalidValue, match="at least one non-zero line"):
        ImportedEntry.begin(AGG, "Opening balances", "o.csv", _lines(("1000", "0", "EUR", "0")), 2, DAY, META)


def test_a_parts_lines_are_checked_by_the_input_policy_naming_the_field() -> None:
    bad = [JournalLine("1000", Decimal("10.00"), "EUR", Decimal("10.00"), memo="a\x00b")]
    with pytest.raises(InvalidValue, match=r"journal\[0\]\.memo: control character U\+0000"):
        ImportedEntry.begin(AGG, "Opening balances", "o.csv", bad, 2, DAY, META)
    huge = [JournalLine("1000", Decimal(10) ** 15, "EUR", Decimal("10.00"))]
    with pytest.raises(InvalidValue, match=r"journal\[0\]\.amount: .* outside the accepted range"):
        ImportedEntry.begin(AGG, "Opening balances", "o.csv", huge, 2, DAY, META)
    long = [JournalLine("1000", Decimal("10.00"), "EUR", Decimal("10.00"), party_id="p" * 10_000)]
    with pytest.raises(InvalidValue, match=r"journal\[0\]\.party_id: at most"):
        ImportedEntry.begin(AGG, "Opening balances", "o.csv", long, 2, DAY, META)


LINE = (
    '{"_type_":"keel_journal_line","_data_":{"account":"1000","amount":"10.00","currency":"EUR",'
    '"functional":"10.00","memo":"Opening balance","role":""}}'
)

CREDIT = LINE.replace('"10.00"', '"-10.00"')


def test_the_stored_forms_of_an_entry_in_one_event_and_in_parts_read_and_fold() -> None:
    app = KeelApplication("memory://")
    posted = decode(
        app,
        "keel.importedentry.Posted.v1",
        1,
        '"originator_topic":"keel.ImportedEntry","memo":"Opening balances","source":"o.csv",'
        f'"journal":[{LINE},{CREDIT}]',
    )
    assert isinstance(posted, ImportedEntry.Posted)
    assert [line.amount for line in posted.journal] == [Decimal("10.00"), Decimal("-10.00")]
    begun = decode(
        app,
        "keel.importedentry.Begun.v1",
        1,
        '"originator_topic":"keel.ImportedEntry","memo":"Opening balances","source":"o.csv","parts":2,'
        f'"journal":[{LINE}]',
    )
    assert isinstance(begun, ImportedEntry.Begun) and begun.parts == 2
    continued = decode(app, "keel.importedentry.Continued.v1", 2, f'"part":2,"journal":[{LINE}]')
    assert isinstance(continued, ImportedEntry.Continued) and continued.part == 2
    assert continued.journal == [
        JournalLine("1000", Decimal("10.00"), "EUR", Decimal("10.00"), memo="Opening balance", role="")
    ]
    entry = begun.mutate(None)
    continued.mutate(entry)
    assert isinstance(entry, ImportedEntry) and entry.id == UUID(int=1) and (entry.parts, entry.planned) == (2, 2)
