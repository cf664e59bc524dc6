"""The API docs render with the network unplugged: /docs and /redoc load nothing from outside the
app, every asset they name is served by the app itself, and / leads to them — without a key."""

from __future__ import annotations

import re
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
from fastapi.testclient import TestClient

from api.http import create_app
from api.settings import Settings
from api.system import Keel

BASE = "http://testserver"
CONTENT_TYPES = {
    ".js": ("text/javascript", "application/javascript"),
    ".css": ("text/css",),
    ".svg": ("image/svg+xml",),
    ".png": ("image/png",),
    ".json": ("application/json",),
}


class References(HTMLParser):
    """Every src= and href= of a page, and the text of its inline scripts."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.scripts: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.urls += [value for name, value in attrs if name in ("src", "href", "spec-url") and value]
        self._in_script = tag == "script"

    def handle_endtag(self, tag: str) -> None:
        self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script and data.strip():
            self.scripts.append(data)


def references(html: str) -> References:
    parser = References()
    parser.feed(html)
    return parser


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    """Keel as production runs it: every /v1 request needs a key (the docs must not)."""
    with (
        Keel.start(Settings(data_dir=tmp_path, database_url=None, auth="keys", _env_file=None), follow=False) as keel,  # type: ignore[call-arg]
        TestClient(create_app(keel=keel), base_url=BASE, raise_server_exceptions=False) as c,
    ):
        yield c


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
def test_a_docs_page_names_only_assets_the_app_serves_itself(client: TestClient, page: str) -> None:
    response = client.get(page)
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")
    found = references(response.text)
    # URLs inside inline scripts: quoted strings that look like a path or an address
    in_scripts = [u for s in found.scripts for u in re.findall(r"""["'`]((?:https?:)?//[^"'`]*|/[^"'`\s]*)["'`]""", s)]
    urls = found.urls + in_scripts
    assert "/openapi.json" in urls
    assert len(found.urls) >= 2  # a script and an icon at least
    for text in (response.text, *found.scripts):
        assert not re.search(r"(https?:)?//(?!testserver)[\w.-]+\.[a-z]{2,}", text), "a page reaches outside the app"
    for url in urls:
        address = urlsplit(urljoin(f"{BASE}{page}", url))
        assert f"{address.scheme}://{address.netloc}" == BASE, f"{page} names {url}, outside the app"
        asset = client.get(address.path)
        assert asset.status_code == 200, f"{page} names {url}: {asset.status_code}"
        expected = CONTENT_TYPES[Path(address.path).suffix]
        assert asset.headers["content-type"].startswith(expected), f"{url}: {asset.headers['content-type']}"
        assert len(asset.content) > 100


def test_swagger_ui_asks_no_validator_and_redoc_no_web_fonts(client: TestClient) -> None:
    swagger = client.get("/docs").text
    assert '"validatorUrl": null' in swagger  # otherwise the document goes to validator.swagger.io
    assert "fonts.googleapis.com" not in client.get("/redoc").text


def test_the_bundled_assets_are_the_pinned_versions() -> None:
    vendor = Path(__file__).parents[2] / "api" / "static" / "vendor"
    pinned = dict(line.split()[:2] for line in (vendor / "VERSIONS").read_text().splitlines())
    script = (Path(__file__).parents[2] / "scripts" / "vendor-assets.sh").read_text()
    assert f"SWAGGER_UI_VERSION={pinned['swagger-ui-dist']}" in script
    assert f"REDOC_VERSION={pinned['redoc']}" in script
    assert (vendor / "swagger-ui" / "LICENSE").is_file() and (vendor / "redoc" / "LICENSE").is_file()


def test_the_root_is_the_web_apps_login_and_the_docs_need_no_key(client: TestClient) -> None:
    response = client.get("/", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/login?next=%2F"
    assert client.get("/docs").status_code == 200
    assert client.get("/v1/reports/trial-balance").status_code == 401  # the API itself stays closed


def test_the_docs_pages_are_not_operations_of_the_api(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert not {"/", "/docs", "/redoc", "/login", "/logout"} & set(paths)
    assert not any(p.startswith(("/static", "/reports")) for p in paths)


def test_a_missing_asset_is_a_404_problem(client: TestClient) -> None:
    response = client.get("/static/vendor/nothing.js")
    assert response.status_code == 404


def test_the_bundled_scripts_fetch_nothing_from_a_cdn_or_a_font_host() -> None:
    """A script can load what the page does not name (ReDoc drew Redocly's logo from its CDN):
    no bundled asset points at a CDN or a web-font host."""
    vendor = Path(__file__).resolve().parents[2] / "api" / "static" / "vendor"
    hosts = ("cdn.", "unpkg.com", "jsdelivr", "fonts.googleapis", "fonts.gstatic")
    for asset in (*vendor.rglob("*.js"), *vendor.rglob("*.css")):
        text = asset.read_text(encoding="utf-8", errors="replace")
        assert not [h for h in hosts if h in text], asset.name
