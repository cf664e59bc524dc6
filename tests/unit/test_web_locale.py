"""Numbers on a page are spelled in the browser's locale (issue 20: babel); the amounts are the
query's decimals whatever the spelling."""

from __future__ import annotations

from decimal import Decimal

import pytest
from babel.numbers import format_decimal
from hypothesis import given, settings
from hypothesis import strategies as st

from api.web import render
from api.web.render import cell, locale_of
from projections.queries.core import Column


@pytest.mark.parametrize(
    ("header", "chosen"),
    [
        ("", "en_GB"),
        ("en", "en_GB"),
        ("en-US,en;q=0.9", "en_US"),
        ("de-CH,de;q=0.9,en;q=0.8", "de_DE"),
        ("de;q=0.1, fr;q=0.9", "fr_FR"),
        ("xx-YY, el;q=0.5", "el_GR"),
        ("*", "en_GB"),
        ("en;q=abc, de", "de_DE"),
    ],
)
def test_the_browser_s_preferred_locale_that_keel_speaks(header: str, chosen: str) -> None:
    assert locale_of(header) == chosen


@pytest.mark.parametrize(
    ("locale", "currency", "shown"),
    [
        ("en_GB", "EUR", "1,234,567.50"),
        ("de_DE", "EUR", "1.234.567,50"),
        ("fr_FR", "EUR", "1\u202f234\u202f567,50"),
        ("el_GR", "EUR", "1.234.567,50"),
        ("en_GB", "JPY", "1,234,568"),
        ("en_GB", "KWD", "1,234,567.500"),
    ],
)
def test_an_amount_is_grouped_by_locale_to_its_currency_s_minor_unit(locale: str, currency: str, shown: str) -> None:
    token = render._locale.set(locale)
    try:
        assert cell(Decimal("1234567.5"), Column("amount", "amount"), currency) == shown
    finally:
        render._locale.reset(token)


@settings(max_examples=300, deadline=None)
@given(
    value=st.decimals(min_value=Decimal("-1e15"), max_value=Decimal("1e15"), allow_nan=False, places=4),
    places=st.sampled_from([0, 2, 3]),
    locale=st.sampled_from(render.LOCALES),
)
def test_the_quick_spelling_of_an_amount_is_babel_s(value: Decimal, places: int, locale: str) -> None:
    pattern = "#,##0" + ("." + "0" * places if places else "")
    assert render.amount(value, places, locale) == format_decimal(value, format=pattern, locale=locale)
