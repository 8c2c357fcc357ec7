"""Helpers of the browser tests: Debian's Chromium and its flags, the real app under uvicorn on
loopback, and a page opener that fails a test when a page reaches outside the server or throws a
script error."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import uvicorn
from fastapi import FastAPI

from assistant.api.app import create_app
from assistant.api.security import create_api_key
from assistant.cli.service import server_config
from assistant.config import Settings
from assistant.policy_matching.service import PolicyMatching
from assistant.wiring import Services
from ingest.pipeline import ingest_paths

PROJECT = Path(__file__).resolve().parents[2]
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


@dataclass
class LiveServer:
    url: str
    app: FastAPI
    agent_key: str


@dataclass
class PageWatch:
    """What a page did that it must not: reach outside the server, throw, or break its Content
    Security Policy (an inline script or style, a foreign source)."""

    outside_requests: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def ingested_settings(data_dir: Path, **overrides) -> tuple[Settings, str]:  # type: ignore[no-untyped-def]
    """Settings on ``data_dir`` with the demo knowledge base ingested, and a new agent key."""
    settings = Settings(
        _env_file=None, data_dir=data_dir, api={"public_rate_per_minute": 10_000}, **overrides
    )
    services = Services(settings)
    ingest_paths([PROJECT / "ingest" / "demo_kb"], services.knowledge_base, settings.ingest)
    PolicyMatching(services.database, settings.policy_matching).extract(
        [PROJECT / "eval_sets" / "policy_matching" / "policies"]
    )
    agent_key = create_api_key(services.database, role="agent", name="测试坐席")
    services.close()
    return settings, agent_key


@contextmanager
def serving(settings: Settings, agent_key: str, log_level: str = "warning") -> Iterator[LiveServer]:
    """The real app under uvicorn on a free loopback port, in a thread, configured as
    ``govassist serve`` configures it."""
    app = create_app(settings)
    port = _free_port()
    server = uvicorn.Server(server_config(app, "127.0.0.1", port, log_level=log_level))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            pytest.fail("the API server did not start")
        time.sleep(0.05)
    try:
        yield LiveServer(f"http://127.0.0.1:{port}", app, agent_key)
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def _note_policy_violation(watch: PageWatch, message) -> None:  # type: ignore[no-untyped-def]
    if message.type == "error" and "Content Security Policy" in message.text:
        watch.errors.append(message.text)


def page_opener(browser, live_server: LiveServer):  # type: ignore[no-untyped-def]
    """Yields a function that opens a path of the app in a fresh browser context of the given
    width; on teardown, checks that no page reached outside the server or threw."""
    contexts = []
    watch = PageWatch()

    def guard(route) -> None:  # type: ignore[no-untyped-def]
        url = route.request.url
        if url.startswith((live_server.url, "data:")):
            route.continue_()
        else:
            watch.outside_requests.append(url)
            route.abort()

    def open_(path: str, width: int = 1280, height: int = 900, init_script: str = ""):  # type: ignore[no-untyped-def]
        context = browser.new_context(viewport={"width": width, "height": height}, locale="zh-CN")
        contexts.append(context)
        context.route("**/*", guard)
        if init_script:
            context.add_init_script(init_script)
        page = context.new_page()
        page.on("pageerror", lambda error: watch.errors.append(str(error)))
        page.on("console", lambda message: _note_policy_violation(watch, message))
        page.goto(live_server.url + path)
        return page

    yield open_
    for context in contexts:
        context.close()
    assert watch.outside_requests == [], "pages must work offline: nothing outside the server"
    assert watch.errors == [], "the page threw script errors or broke its Content Security Policy"
