"""The website widget in a real browser, embedded by a foreign page served from another port:
the one script tag adds the button and panel, a question gets a cited answer that can be rated,
the host page's own CSS and JS are exactly what they were without the widget, it fills a phone
screen, and a page from an origin the assistant does not allow gets no widget at all."""

from __future__ import annotations

import functools
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from sqlalchemy import select

from assistant.ratings import RatingRow
from tests.browser.harness import LiveServer, ingested_settings, serving

pytestmark = pytest.mark.browser
sync_api = pytest.importorskip(
    "playwright.sync_api", reason="playwright is not installed (pip install '.[dev]')"
)
expect = sync_api.expect

COLOR = "#0b7a3e"
# A host page with aggressive styles of its own (they must not reach the widget, and the widget must
# not change them) and globals of its own (the widget must not add to them or replace them).
HOST_PAGE = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>示例市人民政府门户网站</title>
<style>
  * {{ font-family: serif !important; color: #800080; letter-spacing: 3px; }}
  button {{ background: #ff0000 !important; border: 4px dashed #000; }}
  div {{ border: 3px solid orange; }}
  :root {{ --primary: #ff00ff; }}
</style>
<script>window.el = "host"; window.clicks = 0;</script>
</head><body>
<h1 id="title">示例市人民政府</h1>
<div id="notice">通知公告</div>
<button id="host-button" onclick="window.clicks++">站内搜索</button>
{widget}
</body></html>"""
WIDGET = '<script src="{server}/static/widget.js" data-title="示例市政务服务助手" data-greeting="您好，我是示例市政务服务助手。" data-color="{color}" data-background="#fffbe6"></script>'
HOST_STATE = """() => {
  const probe = (id) => { const s = getComputedStyle(document.getElementById(id));
    return [s.color, s.fontFamily, s.backgroundColor, s.borderTopStyle, s.borderTopColor, s.letterSpacing, s.fontSize]; };
  return { styles: ["title", "notice", "host-button"].map(probe), sheets: document.styleSheets.length,
           globals: Object.keys(window).sort(), el: window.el, clicks: window.clicks,
           head: document.head.children.length };
}"""


def _free_host(folder: Path) -> tuple[ThreadingHTTPServer, str]:
    handler = functools.partial(SimpleHTTPRequestHandler, directory=str(folder))
    handler.log_message = lambda *args: None  # type: ignore[method-assign]
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


@pytest.fixture(scope="module")
def sites(sync_api, tmp_path_factory) -> Iterator[tuple[LiveServer, str, str]]:  # type: ignore[no-untyped-def]
    """The assistant (allowing one origin), that origin's site and a site it does not allow."""
    folder = tmp_path_factory.mktemp("host-site")
    allowed, allowed_url = _free_host(folder)
    other, other_url = _free_host(folder)
    settings, agent_key = ingested_settings(
        tmp_path_factory.mktemp("widget") / "data", llm={"backend": "extractive"}
    )
    settings = settings.model_copy(
        update={"api": settings.api.model_copy(update={"cors_origins": [allowed_url]})}
    )
    with serving(settings, agent_key) as server:
        (folder / "with-widget.html").write_text(
            HOST_PAGE.format(widget=WIDGET.format(server=server.url, color=COLOR))
        )
        (folder / "without-widget.html").write_text(HOST_PAGE.format(widget=""))
        yield server, allowed_url, other_url
    for site in (allowed, other):
        site.shutdown()


@pytest.fixture
def open_site(browser, sites):  # type: ignore[no-untyped-def]
    """Opens a host page; fails the test if a page reaches beyond the two sites or throws."""
    server, allowed_url, other_url = sites
    contexts, outside, errors = [], [], []

    def guard(route) -> None:  # type: ignore[no-untyped-def]
        if route.request.url.startswith((server.url, allowed_url, other_url)):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    def open_(url: str, width: int = 1280, height: int = 860):  # type: ignore[no-untyped-def]
        context = browser.new_context(viewport={"width": width, "height": height}, locale="zh-CN")
        contexts.append(context)
        context.route("**/*", guard)
        page = context.new_page()
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(url)
        return page

    yield open_
    for context in contexts:
        context.close()
    assert outside == [] and errors == []


def _ask(page, question: str):  # type: ignore[no-untyped-def]
    widget = page.locator("govassist-widget")
    widget.get_by_role("button", name="打开示例市政务服务助手").click()
    panel = widget.get_by_role("dialog", name="示例市政务服务助手")
    expect(panel).to_be_visible()
    expect(panel).to_contain_text("您好，我是示例市政务服务助手。")
    panel.get_by_label("您的问题").fill(question)
    with page.expect_response("**/v1/chat"):
        panel.get_by_label("您的问题").press("Enter")
    answer = panel.locator("li.assistant").last
    expect(answer.locator(".source-list button").first).to_be_visible(timeout=30_000)
    return panel, answer


def test_the_widget_answers_with_citations_and_leaves_the_host_page_as_it_was(open_site, sites, artifacts):
    server, allowed_url, _ = sites
    control = open_site(f"{allowed_url}/without-widget.html")
    before = control.evaluate(HOST_STATE)
    page = open_site(f"{allowed_url}/with-widget.html")
    panel, answer = _ask(page, "办理居住证需要哪些材料？")
    expect(answer.locator(".answer-text")).to_contain_text("居住证")
    answer.locator(".source-list button").first.click()
    expect(answer.get_by_role("region", name="来源详情").locator("blockquote")).not_to_be_empty()

    # The host's styles do not reach in: the widget's button has the configured colour, our type.
    launcher = page.locator("govassist-widget").get_by_role("button", name="打开示例市政务服务助手")
    launcher_style = launcher.evaluate(
        "b => [getComputedStyle(b).backgroundColor, getComputedStyle(b).fontFamily]"
    )
    assert launcher_style[0] == "rgb(11, 122, 62)" and launcher_style[1].startswith('"PingFang SC"')
    host_styles = page.locator("govassist-widget").evaluate(
        "w => [getComputedStyle(w).borderTopStyle, getComputedStyle(w).position]"
    )
    assert host_styles == ["none", "fixed"]  # the host page's div rule does not frame it
    assert (
        panel.evaluate("p => getComputedStyle(p).backgroundColor") == "rgb(255, 251, 230)"
    )  # data-background
    assert (
        panel.evaluate("p => getComputedStyle(p.querySelector('.answer-text p')).color") != "rgb(128, 0, 128)"
    )

    # ... and nothing of the widget reaches out: same styles, sheets, head, and no new globals.
    page.locator("#host-button").click()
    after = page.evaluate(HOST_STATE)
    assert (
        after["styles"] == before["styles"]
        and after["sheets"] == before["sheets"]
        and after["head"] == before["head"]
    )
    assert after["globals"] == before["globals"] and after["el"] == "host" and after["clicks"] == 1

    panel.get_by_role("button", name="满意", exact=True).click()
    panel.get_by_role("button", name="通俗易懂").click()
    with page.expect_response("**/v1/ratings") as rated:
        panel.get_by_role("button", name="提交评价").click()
    assert rated.value.status == 201
    expect(answer.get_by_role("status")).to_have_text("感谢您的评价！")
    page.screenshot(path=artifacts / "widget-desktop.png")
    with server.app.state.services.database.session() as session:
        assert [
            (r.level, r.channel)
            for r in session.scalars(select(RatingRow).where(RatingRow.channel == "widget"))
        ] == [(4, "widget")]


def test_the_widget_fills_a_phone_screen(open_site, sites, artifacts):
    _, allowed_url, _ = sites
    page = open_site(f"{allowed_url}/with-widget.html", width=375, height=740)
    panel, answer = _ask(page, "灵活就业人员怎么参加社保？")
    box = panel.bounding_box()
    assert box is not None and box["width"] == 375 and box["height"] == 740
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, "nothing wider than the screen"
    page.screenshot(path=artifacts / "widget-phone.png")


def test_an_origin_not_allowed_gets_no_widget(open_site, sites):
    _, _, other_url = sites
    page = open_site(f"{other_url}/with-widget.html")
    expect(page.locator("govassist-widget")).to_have_count(0)
    expect(page.locator("#host-button")).to_be_visible()
