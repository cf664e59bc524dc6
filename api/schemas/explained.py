"""Schema errors said as a person would: the CLI's one line and the web app's field messages
say what a value must look like ("not a decimal amount … (e.g. 1210.00)"), never the regular
expression behind it."""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import Any, get_args


def _pattern(kind: Any) -> str:
    from pydantic.types import StringConstraints

    return next(str(m.pattern) for m in get_args(kind)[1:] if isinstance(m, StringConstraints) and m.pattern)


@cache
def _patterns() -> dict[str, str]:
    """What a pattern means, said as a person would (pydantic only names the regular expression).
    Read from the schemas when a value is refused, not when the CLI starts."""
    from api import schemas

    series = next(m.pattern for m in schemas.DraftInvoiceBody.model_fields["series"].metadata if hasattr(m, "pattern"))
    return {
        _pattern(schemas.Amount): "not a decimal amount with at most 15 digits and 8 decimals (e.g. 1210.00)",
        _pattern(schemas.Percent): "not a percentage with at most 3 digits and 4 decimals (e.g. 24 or 5.5)",
        _pattern(schemas.Rate): "not an exchange rate with at most 9 digits and 12 decimals (e.g. 0.92)",
        _pattern(schemas.CurrencyCode): "not an ISO 4217 currency code (three letters, e.g. EUR)",
        _pattern(schemas.Hours): "not a number of hours with at most 2 decimals (e.g. 7.5)",
        _pattern(schemas.Identifier): "not a code: a letter or digit first, then letters, digits, spaces and . _ : / @ "
        "# & + ' ( ) -",
        series: "not a series: 2 to 6 capital letters (e.g. INV)",
    }


_TYPES = {
    "date_parsing": "not a date (YYYY-MM-DD)",
    "date_from_datetime_parsing": "not a date (YYYY-MM-DD)",
    "date_from_datetime_inexact": "not a date (YYYY-MM-DD)",
    "date_type": "not a date (YYYY-MM-DD)",
    "int_parsing": "not a whole number",
    "int_from_float": "not a whole number",
    "missing": "required",
}


def explain(error: Mapping[str, Any], with_input: bool = True) -> str:
    """A schema error as a person reads it: what a pattern means rather than the pattern, and
    (``with_input``) the value given."""
    kind = error["type"]
    if kind == "string_pattern_mismatch":
        pattern = error.get("ctx", {}).get("pattern", "")
        text = _patterns().get(pattern, f"does not match {pattern}")
    elif kind in _TYPES:
        text = _TYPES[kind]
    else:
        message = str(error["msg"]).removeprefix("Value error, ")
        text = message[:1].lower() + message[1:]
    given = error.get("input")
    if with_input and kind != "missing" and isinstance(given, str | int) and not isinstance(given, bool):
        text += f": {given!r}"
    return text
