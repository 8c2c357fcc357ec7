"""Streaming on the citizen page with a generating model: each sentence appears once it has passed
the source check, an unsupported sentence the model wrote never appears, and the final answer
(with its sources) takes the stream's place.

The model is the OpenAI-compatible backend talking to the local stub server that speaks the real
wire protocol; it answers with the first evidence sentence it was given, cited and sent in two
pieces, then one invented sentence that the source check must keep from the citizen.
"""

from __future__ import annotations

import re

import pytest

from tests.browser.harness import ingested_settings, page_opener, serving
from tests.stub_openai import stub_server

pytestmark = pytest.mark.browser
sync_api = pytest.importorskip(
    "playwright.sync_api", reason="playwright is not installed (pip install '.[dev]')"
)
expect = sync_api.expect

INVENTED = "此外，每位申请人每月还可以领取五千元的住房租金补贴。"
# Every text the streaming paragraph shows, in order.
RECORD_STREAM = """
window.__streamed = [];
new MutationObserver((records) => {
  for (const record of records) {
    if (record.target.classList && record.target.classList.contains("streaming")) {
      window.__streamed.push(Array.from(record.addedNodes, (node) => node.textContent).join(""));
    }
  }
}).observe(document, { childList: true, subtree: true, characterData: true });
"""


def reply(body):  # type: ignore[no-untyped-def]
    evidence = re.search(r"\[1\] ([^\n]+?。)", body["messages"][-1]["content"])
    grounded = evidence.group(1) if evidence else ""
    return 200, [grounded[: len(grounded) // 2], grounded[len(grounded) // 2 :] + "[1]", INVENTED + "[1]"]


@pytest.fixture(scope="module")
def generating_server(sync_api, tmp_path_factory):  # type: ignore[no-untyped-def]
    with stub_server(reply) as (base_url, requests):
        llm = {"backend": "openai", "base_url": base_url, "model": "stub", "max_retries": 0}
        answer = {"faq_first": False}  # FAQ-first off: every answer is generated
        data_dir = tmp_path_factory.mktemp("streaming") / "data"
        with serving(*ingested_settings(data_dir, llm=llm, answer=answer)) as server:
            yield server, requests


@pytest.fixture
def open_generating_page(browser, generating_server):  # type: ignore[no-untyped-def]
    yield from page_opener(browser, generating_server[0])


def test_only_checked_text_streams_and_the_final_answer_takes_its_place(
    open_generating_page, generating_server, artifacts
):
    page = open_generating_page("/", init_script=RECORD_STREAM)
    page.get_by_label("请输入您的问题").fill("高校毕业生有哪些就业创业补贴？")
    page.get_by_label("请输入您的问题").press("Enter")
    answer = page.locator("li.message.assistant").last
    expect(answer).to_have_attribute("aria-busy", "false")
    assert generating_server[1], "the model was asked"

    streamed = page.evaluate("window.__streamed")
    assert any("2000元" in text for text in streamed), "the checked sentence was shown while it streamed"
    assert not any("五千元" in text for text in streamed), "the invented sentence was never shown"
    final = answer.locator(".answer-text")
    expect(final).not_to_contain_text("五千元")
    expect(final).to_contain_text("2000元")
    expect(final.locator("button.cite")).to_have_count(1)
    # GB 45438-2025: the generated answer carries the visible AI label, once.
    expect(final.locator(".ai-notice")).to_have_text("内容由人工智能生成，仅供参考，以官方发布为准")
    expect(answer.locator(".ai-notice")).to_have_count(1)
    page.screenshot(path=artifacts / "citizen-generated.png")
