"""Path segments as Keel reads them: any value, percent-encoded whole (a "/" in an id stays in it)."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote


def segment(value: Any) -> str:
    return quote(str(value), safe="")
