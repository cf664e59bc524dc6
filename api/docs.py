"""The API's documentation pages, served from bundled assets so they render with no network.

``/docs`` (Swagger UI) and ``/redoc`` load their scripts, styles and icon from ``/static``
(``api/static/vendor``, fetched by ``scripts/vendor-assets.sh``), never from a CDN (``/`` is the
web app's, ``api/web``). Like FastAPI's own docs routes they are plain routes outside the schema,
so the app-wide scope check does not apply to them, and the authentication middleware only
guards ``/v1/``: a browser opens them without a key.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

STATIC_DIR = Path(__file__).parent / "static"
STATIC_URL = "/static"
VENDOR_URL = f"{STATIC_URL}/vendor"
FAVICON_URL = f"{STATIC_URL}/favicon.svg"
DOCS_URL = "/docs"
REDOC_URL = "/redoc"

SWAGGER_UI_PARAMETERS = {
    # Swagger UI would otherwise send the document to validator.swagger.io for a badge.
    "validatorUrl": None,
    # A key entered under "Authorize" survives a reload of the page.
    "persistAuthorization": True,
}


def install_docs(app: FastAPI) -> None:
    """Mount the bundled assets and add ``/``, ``/docs`` and ``/redoc`` (create the app with
    ``docs_url=None, redoc_url=None`` so FastAPI's CDN-backed pages are not there too)."""
    app.mount(STATIC_URL, StaticFiles(directory=STATIC_DIR), name="static")

    def prefix(request: Request) -> str:  # behind a proxy that strips a path prefix
        return str(request.scope.get("root_path", "")).rstrip("/")

    async def swagger_ui(request: Request) -> HTMLResponse:
        root = prefix(request)
        return get_swagger_ui_html(
            openapi_url=f"{root}{app.openapi_url}",
            title=f"{app.title} — API",
            swagger_js_url=f"{root}{VENDOR_URL}/swagger-ui/swagger-ui-bundle.js",
            swagger_css_url=f"{root}{VENDOR_URL}/swagger-ui/swagger-ui.css",
            swagger_favicon_url=f"{root}{FAVICON_URL}",
            swagger_ui_parameters=SWAGGER_UI_PARAMETERS,
        )

    async def redoc(request: Request) -> HTMLResponse:
        root = prefix(request)
        return get_redoc_html(
            openapi_url=f"{root}{app.openapi_url}",
            title=f"{app.title} — API reference",
            redoc_js_url=f"{root}{VENDOR_URL}/redoc/redoc.standalone.js",
            redoc_favicon_url=f"{root}{FAVICON_URL}",
            with_google_fonts=False,
        )

    app.add_route(DOCS_URL, swagger_ui, include_in_schema=False)
    app.add_route(REDOC_URL, redoc, include_in_schema=False)
