"""The staff console's 热点发现 tab in a real browser: the Gradio console (``ui.console.build``) served
against the real app, tickets confirmed over the API, and the tab showing the group with its size,
trend, place, the problem, why its tickets belong together and example calls, all without leaving the machine."""

from __future__ import annotations

import re

import httpx
import pytest

from tests.browser.harness import _free_port

pytestmark = pytest.mark.browser
gradio = pytest.importorskip("gradio", reason="gradio is not installed (pip install '.[ui]')")
sync_api = pytest.importorskip(
    "playwright.sync_api", reason="playwright is not installed (pip install '.[dev]')"
)
expect = sync_api.expect


@pytest.fixture
def console_url(live_server):  # type: ignore[no-untyped-def]
    from ui.console import ApiClient, build

    port = _free_port()
    console = build(ApiClient(live_server.url, live_server.agent_key), "示例市")
    console.launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, quiet=True)
    yield f"http://127.0.0.1:{port}"
    console.close()


def test_the_hot_issues_tab_shows_a_group_and_why_it_is_one(browser, live_server, console_url, artifacts):
    headers = {"Authorization": f"Bearer {live_server.agent_key}"}
    for number, address in enumerate(
        ["北岸区枫林苑", "枫林苑3号楼", "北岸枫林苑", "示例市北岸区枫林苑2单元"]
    ):
        fields = {
            "address": address,
            "category": "城乡建设/供水供气",
            "service_item": f"{number + 1}号楼停水了",
        }
        reply = httpx.post(f"{live_server.url}/v1/hotline/tickets", json={"fields": fields}, headers=headers)
        assert reply.status_code == 201
    outside: list[str] = []
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")

    def guard(route) -> None:  # type: ignore[no-untyped-def]
        if route.request.url.startswith((console_url, "data:", "blob:")):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    context.route("**/*", guard)
    page = context.new_page()
    page.goto(console_url)
    page.get_by_role("tab", name="热点发现").click()
    page.get_by_role("button", name="查找热点").click()
    shown = page.get_by_label("各组为何同组与来电示例（已脱敏）")
    expect(shown).to_have_value(re.compile("为何同组"), timeout=30_000)
    text = shown.input_value()
    assert "北岸区枫林苑 · 停水（城乡建设/供水供气，4 条）" in text and "问题同为「停水」" in text
    assert "北岸枫林苑" in text  # how a caller put the place, shown beside why it is the same place
    table = page.locator("table").filter(has_text="北岸区枫林苑")
    expect(table).to_contain_text("上升")
    page.screenshot(path=artifacts / "console-hot-issues.png", full_page=True)
    context.close()
    assert outside == [], "the console must work offline: nothing outside the machine"
