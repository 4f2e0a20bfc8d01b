"""Fixtures for the browser tests: Debian's Chromium driven by Playwright against a live server.

Run with `pytest -m browser`. Never `playwright install`: the system's /usr/bin/chromium is used.
"""

import os

import pytest

from tests.conftest import load_all_reference_data

# Playwright's sync API runs an event loop in this thread; the test itself still reads the
# database synchronously, which Django would otherwise refuse inside a running loop.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
LAPTOP = {"width": 1366, "height": 768}


@pytest.fixture(scope="module", autouse=True)
def _reference_data_back_after_flush(django_db_setup, django_db_blocker):
    """Transactional tests empty every table when they end; put the session's reference data
    back so that tests running after these in the same session still find it."""
    yield
    with django_db_blocker.unblock():
        load_all_reference_data()


@pytest.fixture
def reference_data(transactional_db):
    load_all_reference_data()


@pytest.fixture(scope="session")
def chromium():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(chromium, live_server):
    """A fresh browser tab on a 1366x768 laptop screen, collecting console errors (a CSP
    violation shows up there)."""
    context = chromium.new_context(viewport=LAPTOP, base_url=live_server.url)
    tab = context.new_page()
    tab.set_default_timeout(10_000)
    tab.console_errors = []
    tab.on("console", lambda m: tab.console_errors.append(m.text) if m.type == "error" else None)
    yield tab
    context.close()
