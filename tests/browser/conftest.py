"""Browser-test fixtures: the real app on loopback, Debian's Chromium driven by Playwright.

The server is ``create_app`` on a fresh data directory with the demo knowledge base ingested and
the extractive backend (answers quote the sources: fast, no model). Every page records requests
that leave the server and script errors; a test fails on either, so "works offline, no CDN" is
checked on every page load. Screenshots go to ``test-artifacts/browser/``. The tests skip, saying
why, where Playwright or /usr/bin/chromium is missing; Playwright never downloads a browser here.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.browser.harness import (
    CHROMIUM,
    CHROMIUM_ARGS,
    PROJECT,
    LiveServer,
    ingested_settings,
    page_opener,
    serving,
)

ARTIFACTS = PROJECT / "test-artifacts" / "browser"


@pytest.fixture(scope="session")
def sync_api():  # type: ignore[no-untyped-def]
    api = pytest.importorskip(
        "playwright.sync_api", reason="playwright is not installed (pip install '.[dev]')"
    )
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} not found (apt-get install chromium)")
    return api


@pytest.fixture(scope="session")
def browser(sync_api):  # type: ignore[no-untyped-def]
    playwright = sync_api.sync_playwright().start()
    browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
    yield browser
    browser.close()
    playwright.stop()


@pytest.fixture(scope="session")
def live_server(sync_api, tmp_path_factory) -> Iterator[LiveServer]:  # type: ignore[no-untyped-def]
    """The app answering extractively (no model): fast, and the answers quote the sources."""
    data_dir = tmp_path_factory.mktemp("browser") / "data"
    with serving(*ingested_settings(data_dir, llm={"backend": "extractive"})) as server:
        yield server


@pytest.fixture(scope="session")
def artifacts() -> Path:
    shutil.rmtree(ARTIFACTS, ignore_errors=True)
    ARTIFACTS.mkdir(parents=True)
    return ARTIFACTS


@pytest.fixture
def open_page(browser, live_server):  # type: ignore[no-untyped-def]
    """Opens a path of the app in a fresh browser context of the given width."""
    yield from page_opener(browser, live_server)
