"""A real browser for the page tests: Debian's headless Chromium driven by Playwright
against a live server. The `browser` fixture is registered for every test module by
tests/conftest.py (pytest_plugins). Without /usr/bin/chromium the tests are skipped, unless
TIMEBANK_REQUIRE_BROWSER=1 (as in CI), where that is a failure."""

import os
from pathlib import Path

import pytest
from django.db import connections

from tests.conftest import PASSWORD

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


def _reload_live_server_middleware(live_server) -> None:
    """pytest-django starts the live server once per session, and Django builds the
    middleware chain with the settings of that moment: rebuild it so it sees this
    test's settings (above all SECURE_SSL_REDIRECT off, as the server speaks HTTP)."""
    app = live_server.thread.httpd.get_app()
    # The static and media file handlers wrap Django's own handler, the one that runs the middleware.
    while hasattr(app, "application"):
        app = app.application
    app.load_middleware()


def _unavailable(reason: str):
    if os.environ.get("TIMEBANK_REQUIRE_BROWSER") == "1":
        pytest.fail(f"TIMEBANK_REQUIRE_BROWSER=1 but {reason}")
    pytest.skip(reason)


@pytest.fixture
def browser(transactional_db, live_server, settings, monkeypatch, tmp_path):
    """A headless Chromium; the live server shares this process's settings and database."""
    if not CHROMIUM.exists():
        _unavailable(f"{CHROMIUM} is missing (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("the playwright Python package is not installed")
    # Playwright's sync API runs an event loop in this thread; the ORM calls the
    # test makes between browser steps are still synchronous and safe.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    # The live server speaks plain HTTP, so cookies must not be Secure-only.
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False
    settings.SECURE_SSL_REDIRECT = False
    settings.MEDIA_ROOT = tmp_path / "media"
    _reload_live_server_middleware(live_server)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()
            # Inside sync_playwright the test runs in a greenlet whose context holds
            # its own database connections; close them here, or PostgreSQL refuses
            # to drop the test database at the end ("being accessed by other users").
            connections.close_all()


def demo_page(browser, base_url: str, username: str, viewport):
    """A new page in its own context, signed in as a demo login (password DEMO_PASSWORD)."""
    from timebank.demo.management.commands.seed_demo import DEMO_PASSWORD

    page = browser.new_context(viewport=viewport).new_page()
    page.goto(base_url + "/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(base_url + "/")
    return page


def sign_in(page, base_url: str, username: str) -> None:
    """Through the form, as a person does: the keyboard submits it."""
    page.goto(base_url + "/")
    assert "/accounts/login/" in page.url
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_label("Password").press("Enter")
    page.wait_for_url(base_url + "/")
