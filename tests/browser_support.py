"""What the browser tests share (tests/browser): the people, logging in, the README's screenshots."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Browser, Page

CHROMIUM = Path("/usr/bin/chromium")
SHOTS = Path(__file__).parents[1] / "docs" / "screenshots"
PASSWORD = "a long passphrase"
# login -> (roles, name): one person per role of the API's five
PEOPLE = {
    "ana": (("accountant",), "Ana Lima"),
    "sam": (("sales",), "Sam Okafor"),
    "ada": (("admin",), "Ada Berg"),
    "oli": (("auditor",), "Oli Novak"),
    "ian": (("analyst",), "Ian Rossi"),
}


def logged_in(browser: Browser, server: str, login: str, path: str = "/", width: int = 1280) -> Page:
    """A new browser context (its own cookies) logged in as ``login``, showing ``path``."""
    page = browser.new_context(viewport={"width": width, "height": 900}).new_page()
    page.goto(f"{server}/login?next={path}")
    page.get_by_label("Login").fill(login)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state()
    return page


def shot(page: Page, name: str) -> None:
    """A README screenshot, made by the test run that checks the screen."""
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)
