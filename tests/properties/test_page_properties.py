"""Cursor pagination: walking the pages of any list gives the list, in order, each item once."""

from __future__ import annotations

from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from projections.engine.pages import decode_cursor, encode_cursor, page_of

keys = st.tuples(st.dates(min_value=date(1900, 1, 1), max_value=date(2999, 12, 31)), st.text(max_size=8))


@given(st.lists(keys, unique=True, max_size=40), st.integers(min_value=1, max_value=7))
def test_walking_pages_yields_every_item_once_in_order(items: list[tuple[date, str]], limit: int) -> None:
    walked: list[tuple[date, str]] = []
    cursor: str | None = None
    while True:
        page = page_of(items, lambda i: i, cursor, limit)
        assert len(page.items) <= limit
        walked += page.items
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert walked == sorted(items)


@given(st.lists(st.one_of(st.integers(), st.text(), st.none(), st.dates()), max_size=4))
def test_a_cursor_round_trips_its_key(key: list[object]) -> None:
    assert decode_cursor(encode_cursor(key), len(key)) == key
