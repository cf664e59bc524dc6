"""An answer's bytes are the standard library's compact JSON, whichever encoder makes them."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from api.answers import json_bytes

# what a document holds once pydantic has made it JSON: no floats (money and dates are strings)
values: st.SearchStrategy[Any] = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-(2**80), max_value=2**80) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)


@given(values, st.booleans())
def test_the_bytes_are_what_json_dumps_writes(value: Any, sort_keys: bool) -> None:
    expected = json.dumps(value, sort_keys=sort_keys, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    assert json_bytes(value, sort_keys) == expected.encode()
