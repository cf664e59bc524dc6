"""Statement readers, by property: whatever a bank's CSV layout, what was written is what is read,
and line keys name each line once and the same way in every statement that covers its day."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from api.statements import ColumnMapping, read_statement

ACCOUNT = "GR1601101250000000012300695"
TEXT = st.text(alphabet="abcdefghijklmnopqrstuvwxyzÄÖÜäöüéß0123456789-/.,;:'\"", min_size=0, max_size=30).map(
    lambda s: " ".join(s.split())
)
LINE = st.tuples(
    st.dates(min_value=date(2026, 1, 1), max_value=date(2026, 1, 10)),
    st.integers(min_value=-(10**9), max_value=10**9).filter(lambda n: n != 0),  # cents
    TEXT,
    st.one_of(st.none(), st.from_regex(r"[A-Z]{2}-[0-9]{1,6}", fullmatch=True)),
)


@st.composite
def mappings(draw: st.DrawFn) -> ColumnMapping:
    decimal = draw(st.sampled_from([".", ","]))
    thousands = draw(st.sampled_from(["", " ", "'", "," if decimal == "." else "."]))
    split = draw(st.booleans())
    return ColumnMapping(
        date="Date",
        date_format=draw(st.sampled_from(["%Y-%m-%d", "%d.%m.%Y", "%m/%d/%Y"])),
        amount=None if split else "Amount",
        debit="Out" if split else None,
        credit="In" if split else None,
        description=("Text", "More"),
        reference="Ref",
        decimal=decimal,  # type: ignore[arg-type]
        thousands=thousands,
        delimiter=draw(st.sampled_from([",", ";", "\t", "|"])),
        encoding=draw(st.sampled_from(["utf-8", "utf-8-sig", "cp1252", "latin-1"])),
        skip_rows=draw(st.integers(min_value=0, max_value=2)),
        sign=draw(st.sampled_from(["credit-positive", "debit-positive"])),
    )


def written(cents: int, mapping: ColumnMapping) -> str:
    units, rest = divmod(abs(cents), 100)
    grouped = f"{units:,}".replace(",", mapping.thousands)
    return f"{'-' if cents < 0 else ''}{grouped}{mapping.decimal}{rest:02d}"


def export(lines: list[tuple[date, int, str, str | None]], mapping: ColumnMapping) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=mapping.delimiter, lineterminator="\r\n")
    for _ in range(mapping.skip_rows):
        writer.writerow(["Bank export", "account"])
    writer.writerow(["Date", "Text", "Amount", "In", "Out", "More", "Ref"])
    for day, cents, text, ref in lines:
        signed = -cents if mapping.sign == "debit-positive" else cents
        first, _, second = text.partition(" ")
        writer.writerow(
            [
                day.strftime(mapping.date_format),
                first,
                written(signed, mapping),
                written(cents, mapping) if cents > 0 else "",
                written(-cents, mapping) if cents < 0 else "",
                second,
                ref or "",
            ]
        )
    return out.getvalue().encode(mapping.encoding)


@given(st.lists(LINE, max_size=25), mappings())
def test_a_csv_written_with_any_mapping_reads_back_as_written(
    lines: list[tuple[date, int, str, str | None]], mapping: ColumnMapping
) -> None:
    statement = read_statement(export(lines, mapping), mapping=mapping, account=ACCOUNT, currency="EUR")
    assert [(line.booking_date, line.amount.amount, line.description, line.reference) for line in statement.lines] == [
        (day, Decimal(cents).scaleb(-2), text, ref) for day, cents, text, ref in lines
    ]
    assert statement.total().amount == Decimal(sum(cents for _, cents, _, _ in lines)).scaleb(-2)


SAME_DAY = st.lists(
    st.tuples(st.integers(0, 4), st.sampled_from([100, -100, 250]), st.sampled_from(["coffee", "fee", ""])),
    max_size=40,
)


@given(SAME_DAY, st.integers(0, 4), st.integers(0, 4))
def test_line_keys_are_distinct_in_a_statement_and_equal_across_overlapping_statements(
    drawn: list[tuple[int, int, str]], cut_a: int, cut_b: int
) -> None:
    """Many identical lines (no bank reference): each gets its own key, and a later statement that
    covers some of the same days gives those days' lines the very same keys."""
    mapping = ColumnMapping(date="Date", amount="Amount", description=("Text",))
    rows = sorted((date(2026, 3, 1) + timedelta(days=d), cents, text, None) for d, cents, text in drawn)
    whole = read_statement(export(rows, mapping), mapping=mapping, account=ACCOUNT, currency="EUR")
    keys = [line.line_key for line in whole.lines]
    assert len(set(keys)) == len(keys)
    first, last = sorted((cut_a, cut_b))
    window = [r for r in rows if first <= (r[0] - date(2026, 3, 1)).days <= last]
    part = read_statement(export(window, mapping), mapping=mapping, account=ACCOUNT, currency="EUR")
    in_window = [line.line_key for line in whole.lines if first <= (line.booking_date - date(2026, 3, 1)).days <= last]
    assert [line.line_key for line in part.lines] == in_window
