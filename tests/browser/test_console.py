"""The staff console (Gradio) in Chromium against the running service: it names the service's
city, and a question in 问答调试 shows the answer with the retrieved passages and their scores.
Everything the page loads comes from the console itself (no CDN, no web fonts)."""

from __future__ import annotations

import os
import socket

import pytest

from assistant.api.security import create_api_key

pytestmark = pytest.mark.browser


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def console_url(live_server):  # type: ignore[no-untyped-def]
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    pytest.importorskip("gradio", reason="gradio is not installed (pip install '.[dev]')")
    from ui.console import ApiClient, build

    key = create_api_key(live_server.app.state.services.database, "admin", "控制台测试")
    client = ApiClient(live_server.url, key)
    console = build(client, client.city(fallback="（本机设置）"))
    port = _free_port()
    console.launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, quiet=True)
    yield f"http://127.0.0.1:{port}"
    console.close()


def test_the_console_shows_the_services_city_and_what_a_question_retrieved(browser, console_url, artifacts):
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="zh-CN")
    outside: list[str] = []
    errors: list[str] = []

    def guard(route) -> None:  # type: ignore[no-untyped-def]
        if route.request.url.startswith((console_url, "data:", "blob:")):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    context.route("**/*", guard)
    page = context.new_page()
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(console_url)
    page.get_by_text("示例市政务助手 · 工作人员控制台").first.wait_for(timeout=30_000)
    assert "（本机设置）" not in page.content()  # the city came from the service
    page.get_by_label("问题").first.fill("办理居住证需要哪些材料？")
    page.get_by_role("button", name="提问并查看检索过程").click()
    page.get_by_text("检索到的片段与各路得分").first.wait_for()
    page.get_by_text("已回答").first.wait_for(timeout=60_000)
    body = page.inner_text("body")
    assert "身份证" in body  # the answer quotes the material list
    assert "申领居住证需要提交哪些材料？" in body and "BM25(词)" in body  # the hits with each channel's score
    boxes = page.eval_on_selector_all("textarea", "boxes => boxes.map(box => box.value).join('\\n')")
    assert "可答阈值" in boxes and "问题覆盖" in boxes  # why it was answerable, in Chinese
    assert "include_" not in boxes and "coverage" not in boxes
    assert "{" not in body.split("已回答", 1)[1].split("\n", 1)[0]  # timings in words, not a dict
    page.screenshot(path=str(artifacts / "console-inspector.png"), full_page=True)
    context.close()
    assert outside == [], "the console must work offline: nothing outside it"
    assert errors == []
