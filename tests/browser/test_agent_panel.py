"""The agent panel in a real browser: API-key login (wrong and right), the three-column layout,
knowledge search and cited answers rated by the agent (好差评), and a call from a recording, streamed as if live, and heard
through the microphone, each filling the transcript, suggestions and ticket draft."""

from __future__ import annotations

import re

import pytest

from tests.browser.harness import CHROMIUM, CHROMIUM_ARGS, page_opener

pytestmark = pytest.mark.browser
sync_api = pytest.importorskip(
    "playwright.sync_api", reason="playwright is not installed (pip install '.[dev]')"
)
expect = sync_api.expect

# How many settled (not partial) lines the transcript has shown, after every change.
RECORD_LINES = """
window.__lines = [0];
new MutationObserver(() => {
  const transcript = document.getElementById("transcript");
  if (transcript) window.__lines.push(transcript.querySelectorAll("li:not(.partial)").length);
}).observe(document, { childList: true, subtree: true, characterData: true, attributes: true });
"""


def log_in(page, key: str) -> None:  # type: ignore[no-untyped-def]
    page.get_by_label("API 密钥").fill(key)
    with page.expect_response("**/v1/agent/me"):
        page.get_by_role("button", name="登录").click()


def test_a_wrong_key_is_refused_with_a_clear_message(open_page, artifacts):
    page = open_page("/agent")
    log_in(page, "gva_wrong-key")
    expect(page.get_by_role("alert")).to_contain_text("API 密钥无效或已停用")
    expect(page.get_by_role("heading", name="知识推荐")).to_be_hidden()
    assert page.evaluate("sessionStorage.getItem('govassist.agent_key')") is None
    page.screenshot(path=artifacts / "agent-login-error.png", full_page=True)


def test_an_agent_logs_in_searches_and_asks(open_page, live_server, artifacts):
    page = open_page("/agent")
    log_in(page, live_server.agent_key)
    expect(page.locator("#agent-name")).to_have_text("测试坐席")
    for heading in ("通话转写", "知识推荐", "工单草稿"):
        expect(page.get_by_role("heading", name=heading)).to_be_visible()
    for label in ("来电人", "联系电话", "地址", "事项", "诉求", "分类", "承办单位", "紧急程度"):
        expect(page.get_by_label(label, exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="确认工单")).to_be_disabled()  # nothing to confirm before a call

    page.get_by_label("检索知识库").fill("居住证 申领材料")
    with page.expect_response("**/v1/search") as response:
        page.get_by_label("检索知识库").press("Enter")
    assert response.value.request.headers["authorization"] == f"Bearer {live_server.agent_key}"
    results = page.locator("#search-results li")
    expect(results.first).to_be_visible()
    assert results.count() >= 1
    expect(page.locator("#search-results h4").first).to_contain_text("居住证")

    page.get_by_label("向助手提问").fill("灵活就业人员怎么参加社保？")
    page.get_by_role("button", name="提问").click()
    answer = page.locator("#agent-answer")
    expect(answer).to_have_attribute("aria-busy", "false")
    expect(answer.locator(".answer-text")).to_contain_text("灵活就业")
    answer.locator(".source-list button").first.click()
    expect(answer.get_by_role("region", name="来源详情").locator("blockquote")).not_to_be_empty()
    answer.get_by_role("button", name="基本满意").click()
    with page.expect_response("**/v1/ratings") as rated:
        answer.get_by_role("button", name="提交评价").click()
    assert (
        rated.value.status == 201
        and rated.value.request.headers["authorization"] == f"Bearer {live_server.agent_key}"
    )
    assert rated.value.request.post_data_json["channel"] == "agent"
    expect(answer.get_by_role("status")).to_have_text("感谢您的评价！")
    page.screenshot(path=artifacts / "agent-panel.png", full_page=True)

    page.reload()  # the key lives in sessionStorage: a reload keeps the agent logged in
    expect(page.locator("#agent-name")).to_have_text("测试坐席")
    page.get_by_role("button", name="退出登录").click()
    expect(page.get_by_label("API 密钥")).to_be_visible()


def test_the_panel_stacks_on_a_narrow_screen(open_page, live_server, artifacts):
    page = open_page("/agent", width=375, height=812)
    log_in(page, live_server.agent_key)
    expect(page.get_by_role("heading", name="工单草稿")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    transcript = page.get_by_role("heading", name="通话转写").bounding_box()
    knowledge = page.get_by_role("heading", name="知识推荐").bounding_box()
    assert knowledge["y"] > transcript["y"] and abs(knowledge["x"] - transcript["x"]) < 1
    page.screenshot(path=artifacts / "agent-mobile.png", full_page=True)


def test_a_recorded_call_is_transcribed_and_its_ticket_confirmed(
    open_page, live_server, artifacts, shared_data
):
    clip = shared_data / "asr_zh" / "real" / "funasr_asr_example.wav"
    page = open_page("/agent")
    log_in(page, live_server.agent_key)
    page.get_by_label("上传通话录音", exact=False).set_input_files(str(clip))
    with page.expect_response("**/v1/hotline/transcribe", timeout=120_000):
        page.get_by_role("button", name="转写并分析").click()
    expect(page.locator("#transcript")).to_contain_text("识别模型")
    expect(page.locator("#call-status")).to_contain_text("转写完成")
    expect(page.get_by_role("heading", name="建议答复")).to_be_visible()
    expect(page.get_by_label("诉求", exact=True)).not_to_have_value("")
    expect(page.get_by_label("通话摘要", exact=True)).to_have_value(re.compile("来电"))
    # Each proposal comes with its evidence: a prediction's confidence, an extracted field's words.
    expect(page.get_by_label("承办单位", exact=True)).not_to_have_value("")
    expect(page.locator("#ticket-department-evidence")).to_contain_text("置信度")
    expect(page.locator("#ticket-department-evidence")).to_contain_text(
        "职责："
    )  # the duty line (权责清单) it matched
    expect(page.get_by_label("分类", exact=True)).to_have_value(re.compile("/"))  # a path of the taxonomy
    page.get_by_label("分类", exact=True).focus()  # the taxonomy is offered as the agent types
    expect(page.locator("#category-options option[value='城市管理/噪声扰民']")).to_have_count(1)
    expect(page.locator("#ticket-item-evidence")).to_contain_text("原文")
    page.get_by_label("来电人", exact=True).fill("王先生")
    page.get_by_label("诉求类型", exact=True).select_option("咨询")
    with page.expect_response("**/v1/hotline/tickets"):
        page.get_by_role("button", name="确认工单").click()
    expect(page.locator("#ticket-note")).to_contain_text("已确认提交")
    page.screenshot(path=artifacts / "agent-call.png", full_page=True)


def test_a_call_streamed_live_fills_the_transcript_as_it_goes(open_page, live_server, artifacts, shared_data):
    clip = shared_data / "asr_zh" / "real" / "funasr_asr_example.wav"
    page = open_page("/agent")
    log_in(page, live_server.agent_key)
    page.get_by_label("上传通话录音", exact=False).set_input_files(str(clip))
    page.get_by_role("button", name="按实时通话播放转写").click()
    expect(page.locator("#call-status")).to_contain_text("转写完成", timeout=90_000)
    expect(page.locator("#transcript")).to_contain_text("识别模型")
    expect(page.get_by_role("heading", name="建议答复")).to_be_visible()
    expect(page.get_by_label("诉求", exact=True)).not_to_have_value("")
    page.screenshot(path=artifacts / "agent-live-call.png", full_page=True)


def test_lines_closed_at_short_pauses_become_one_revised_line(open_page, live_server, artifacts, shared_data):
    """A speaker going on after short pauses: three finals appear; once the speaker stops, the revision of the
    last two (recognised again as one stretch) takes their place as one line."""
    clip = shared_data / "asr_zh" / "noref" / "funasr_cs_1.wav"
    page = open_page("/agent", init_script=RECORD_LINES)
    log_in(page, live_server.agent_key)
    page.get_by_label("上传通话录音", exact=False).set_input_files(str(clip))
    page.get_by_role("button", name="按实时通话播放转写").click()
    expect(page.locator("#call-status")).to_contain_text("转写完成", timeout=90_000)
    assert max(page.evaluate("window.__lines")) == 3, "the finals were shown as lines of their own first"
    lines = page.locator("#transcript li")
    expect(lines).to_have_count(2)
    expect(lines.first).not_to_have_class(re.compile(r"\brevised\b"))
    expect(lines.last).to_have_class(re.compile(r"\brevised\b"))
    expect(lines.last).to_have_attribute("title", "已结合前后语音整段重新识别")
    expect(lines.last).to_contain_text("正义")
    page.screenshot(path=artifacts / "agent-live-revised.png", full_page=True)


@pytest.fixture
def microphone_page(browser, live_server, shared_data):  # type: ignore[no-untyped-def]
    """The panel in a Chromium whose microphone plays a real recording (Chromium's fake capture
    device, looping the file), with the permission granted."""
    clip = shared_data / "asr_zh" / "real" / "funasr_asr_example.wav"
    args = [
        *CHROMIUM_ARGS,
        "--use-fake-ui-for-media-stream",
        "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-audio-capture={clip}",
    ]
    with_microphone = browser.browser_type.launch(executable_path=str(CHROMIUM), args=args)
    try:
        opener = page_opener(with_microphone, live_server)
        yield next(opener)("/agent")
        next(opener, None)  # the opener's checks: nothing outside the server, no script errors
    finally:
        with_microphone.close()


def test_a_call_heard_through_the_microphone_is_transcribed_live(microphone_page, live_server, artifacts):
    page = microphone_page
    log_in(page, live_server.agent_key)
    microphone = page.get_by_role("button", name="麦克风实时转写")
    microphone.click()
    expect(page.locator("#call-status")).to_contain_text("通话中")
    expect(page.get_by_role("button", name="结束通话")).to_have_attribute("aria-pressed", "true")
    expect(page.locator("#transcript")).to_contain_text("识别模型", timeout=60_000)
    page.get_by_role("button", name="结束通话").click()
    expect(page.locator("#call-status")).to_contain_text("转写完成", timeout=60_000)
    expect(microphone).to_have_attribute("aria-pressed", "false")
    expect(page.get_by_role("heading", name="建议答复")).to_be_visible()
    expect(page.get_by_label("诉求", exact=True)).not_to_have_value("")
    page.screenshot(path=artifacts / "agent-microphone-call.png", full_page=True)


def test_no_other_page_can_frame_the_agent_panel(browser, live_server):  # type: ignore[no-untyped-def]
    context = browser.new_context()  # not open_page: the refused frame is an expected console error
    try:
        page = context.new_page()
        page.set_content(f'<iframe src="{live_server.url}/agent" width="800" height="600"></iframe>')
        framed = page.frames[-1]
        framed.wait_for_load_state()
        assert framed.locator("#login").count() == 0  # the key field never renders inside another page
    finally:
        context.close()
