"""Pages rendered on the server (ADR 0048): Jinja2 with autoescaping, numbers by locale (babel).

A report page renders the query layer's ``Table`` (the CLI's table and the CSV's rows): every
report is one template, its cells formatted by their column's kind. The amounts are the query's
decimals; only their spelling is the locale's.
"""

from __future__ import annotations

from contextvars import ContextVar
from datetime import date, datetime
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from babel.core import Locale, negotiate_locale
from babel.numbers import format_decimal
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.responses import HTMLResponse

from api.web.nav import NAV
from ledger.errors import InvalidValue
from ledger.money import minor_units
from projections.queries.core import Column

if TYPE_CHECKING:
    from starlette.requests import Request

    from api.web.visits import Visit

TEMPLATES = Path(__file__).parent / "templates"
LOCALE = "en_GB"  # when the browser asks for none Keel speaks: thousands with commas, a decimal point
# The locales a page's numbers may be spelled in, chosen from the browser's Accept-Language (the
# words stay English: only numbers follow the locale)
LOCALES = ("en_GB", "en_US", "de_DE", "fr_FR", "es_ES", "it_IT", "nl_NL", "el_GR", "pt_PT", "sv_SE")
_locale: ContextVar[str] = ContextVar("keel_web_locale", default=LOCALE)

_ENV = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=select_autoescape(default=True, default_for_string=True),
    trim_blocks=True,
    lstrip_blocks=True,
)


def cell(value: Any, column: Column, currency: str | None = None) -> str:
    """A table cell as the page shows it: numbers grouped by locale, an amount to its currency's
    minor unit (the row's ``currency``, when it has one), dates ISO."""
    if value is None or value == "":
        return ""
    if column.kind == "amount" and currency and isinstance(value, (Decimal, int)):
        return amount(value, _places(currency), _locale.get())
    if column.kind in ("amount", "number", "percent") and isinstance(value, (Decimal, int)):
        shown = format_decimal(value, locale=_locale.get(), decimal_quantization=False)
        return f"{shown} %" if column.kind == "percent" else shown
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def amount(value: Decimal | int, places: int, locale: str) -> str:
    """``value`` grouped by thousands and to ``places`` decimals, in ``locale``'s symbols: what babel's
    ``format_decimal`` with the pattern ``#,##0.00…`` gives (a property test holds them equal),
    at a tenth of its cost — a report page spells thousands of amounts."""
    group, point = _symbols(locale)
    shown = format(Decimal(value), f",.{places}f")
    return shown.translate({ord(","): group, ord("."): point})


@cache
def _symbols(locale: str) -> tuple[str, str]:
    symbols = Locale.parse(locale).number_symbols["latn"]
    return symbols["group"], symbols["decimal"]


def _places(currency: str) -> int:
    try:
        return minor_units(currency)
    except InvalidValue:  # not a currency code: the value as it is
        return 2


def row_currency(row: Any, columns: tuple[Column, ...]) -> str | None:
    """The row's currency, if the table has a currency column."""
    for i, column in enumerate(columns):
        found = row[i] if column.name == "currency" and i < len(row) else None
        if isinstance(found, str):
            return found
    return None


def table_rows(
    rows: Any, columns: tuple[Column, ...], kept: list[tuple[int, Column]], account_at: int | None, drill: str
) -> list[list[tuple[str, str, str]]]:
    """A report's rows as the page shows them: per cell its kind (the CSS class), its text and, for an
    amount on an account's row, the address of that account's entries. Spelled here, not in the
    template, so a page of thousands of rows costs one function call per row, not a macro per cell."""
    shown: list[list[tuple[str, str, str]]] = []
    for row in rows:
        currency = row_currency(row, columns)
        code = row[account_at] if account_at is not None else ""
        link = f"/accounts/{quote(str(code), safe='')}?{drill}" if code else ""
        line: list[tuple[str, str, str]] = []
        for i, column in kept:
            text = cell(row[i], column, currency)
            line.append((column.kind, text, link if link and column.kind == "amount" and text else ""))
        shown.append(line)
    return shown


_ENV.globals["cell"] = cell
_ENV.globals["table_rows"] = table_rows
_ENV.globals["row_currency"] = row_currency
_ENV.globals["money"] = Column("amount", "amount")  # an amount to its currency's minor unit
_ENV.globals["day"] = Column("day", "date")
_ENV.globals["hours"] = Column("hours", "number")
_ENV.globals["percent"] = Column("percent", "percent")


# Every page: scripts, styles and images only from Keel itself (no inline script, no inline
# style), never framed, forms only to Keel; not cached (a page shows one user's books).
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:;"
        " frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


def page(name: str, status: int = 200, **context: Any) -> HTMLResponse:
    html = _ENV.get_template(name).render(**context)
    return HTMLResponse(html, status_code=status, headers=SECURITY_HEADERS)


def show(request: Request, visit: Visit, name: str, status: int = 200, **context: Any) -> HTMLResponse:
    """A page for a logged-in visitor: the menu their roles allow, the page marked in it."""
    menu = [(href, label) for href, label, scope in NAV if visit.can(scope)]
    chosen = _locale.set(locale_of(request.headers.get("accept-language", "")))
    try:
        return page(name, status, visit=visit, nav=menu, here=request.url.path, **context)
    finally:
        _locale.reset(chosen)


def locale_of(accept_language: str) -> str:
    """The locale of ``LOCALES`` the browser prefers most, else ``LOCALE``. Quality values order the
    wishes; a region Keel lacks falls back to its language (``de-CH`` → de_DE), and a bare language
    takes its first locale here (``en`` → en_GB)."""
    wishes: list[tuple[float, str]] = []
    for part in accept_language.split(",")[:20]:
        tag, _, params = part.strip().partition(";")
        try:
            quality = float(params.strip().removeprefix("q=")) if params.strip().startswith("q=") else 1.0
        except ValueError:
            continue
        if tag and tag != "*" and len(tag) <= 35:
            wishes.append((quality, tag.replace("-", "_")))
    for _, tag in sorted(wishes, key=lambda wish: -wish[0]):
        language = next((x for x in LOCALES if x.split("_")[0] == tag.split("_")[0].lower()), None)
        found = (negotiate_locale([tag], LOCALES) if "_" in tag else None) or language
        if found:
            return found
    return LOCALE
