"""The web app's assets (ADR 0048): every script and style a page names is Keel's own file, and all
the JavaScript shipped stays under issue 20's budget of 200 KB gzipped."""

from __future__ import annotations

import gzip
import re
from pathlib import Path

import api

STATIC = Path(api.__file__).parent / "static"
TEMPLATES = Path(api.__file__).parent / "web" / "templates"


def test_every_asset_a_template_names_is_served_from_keel() -> None:
    named = set()
    for template in TEMPLATES.glob("*.html"):
        named |= set(re.findall(r'(?:src|href)="(/static/[^"]+)"', template.read_text()))
    assert "/static/vendor/htmx/htmx.min.js" in named
    for path in named:
        assert (STATIC / path.removeprefix("/static/")).is_file(), path
    assert not any(re.search(r'(?:src|href)="(?:https?:)?//', t.read_text()) for t in TEMPLATES.glob("*.html"))


def test_the_javascript_shipped_to_a_browser_is_under_200_kb_gzipped() -> None:
    scripts = [*(STATIC / "web").glob("*.js"), STATIC / "vendor" / "htmx" / "htmx.min.js"]
    shipped = sum(len(gzip.compress(path.read_bytes(), 9)) for path in scripts)
    assert shipped <= 200 * 1024, f"{shipped / 1024:.0f} KB gzipped"
