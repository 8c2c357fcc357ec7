"""The citizen chat page in a real browser: ask, read the cited answer, rate it (好差评), get handed to
12345 when the knowledge base has no answer, and use it on a 375 px phone screen."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from assistant.ratings import FollowUpRow, RatingRow

pytestmark = pytest.mark.browser
sync_api = pytest.importorskip(
    "playwright.sync_api", reason="playwright is not installed (pip install '.[dev]')"
)
expect = sync_api.expect

QUESTION = "办理居住证需要哪些材料？"
ALERT = re.compile(r"\balert\b")
# Records whether the question box was disabled when the page sent its request.
RECORD_BUSY = """
window.__inputDisabledAtFetch = [];
const originalFetch = window.fetch;
window.fetch = (...args) => {
  const input = document.getElementById("question");
  if (String(args[0]).includes("/v1/chat")) window.__inputDisabledAtFetch.push(input.disabled);
  return originalFetch(...args);
};
"""


def ask(page, question: str):  # type: ignore[no-untyped-def]
    """Types the question, sends it with Enter and returns the finished answer bubble."""
    page.get_by_label("请输入您的问题").fill(question)
    with page.expect_response("**/v1/chat") as response:
        page.get_by_label("请输入您的问题").press("Enter")
    assert response.value.headers["content-type"].startswith("text/event-stream")
    answer = page.locator("li.message.assistant").last
    expect(answer).to_have_attribute("aria-busy", "false", timeout=60_000)
    return answer.locator(".bubble")


def test_asking_shows_a_cited_answer_and_its_source(open_page, artifacts):
    page = open_page("/", init_script=RECORD_BUSY)
    expect(page.get_by_role("heading", name="示例市政务服务智能助手")).to_be_visible()
    expect(page.get_by_role("link", name="转人工 / 拨打12345")).to_have_attribute("href", "tel:12345")

    answer = ask(page, QUESTION)
    expect(page.locator("li.message.user").last).to_contain_text(QUESTION)
    expect(answer.locator(".answer-text")).to_contain_text("居住证")
    expect(answer.locator(".answer-text")).to_contain_text("身份证")
    expect(answer.locator(".ai-notice")).to_have_count(0)  # quoted official text is not AI-generated
    assert page.evaluate("window.__inputDisabledAtFetch") == [True]
    expect(page.get_by_label("请输入您的问题")).to_be_enabled()
    expect(page.get_by_label("请输入您的问题")).to_be_focused()

    sources = answer.locator(".source-list button")
    assert sources.count() >= 1
    panel = answer.get_by_role("region", name="来源详情")
    expect(panel).to_be_hidden()
    sources.first.click()
    expect(panel).to_be_visible()
    expect(sources.first).to_have_attribute("aria-expanded", "true")
    expect(panel.locator(".source-title")).to_contain_text("居住证")
    expect(panel.locator("blockquote")).to_contain_text("身份证")
    page.screenshot(path=artifacts / "citizen-answer.png", full_page=True)

    sources.first.click()
    expect(panel).to_be_hidden()


def test_suggested_questions_are_buttons_that_ask(open_page, live_server):
    page = open_page("/")
    suggested = page.locator("#suggestions button")
    expect(suggested.first).to_be_visible()
    first = suggested.first.inner_text()
    with page.expect_response("**/v1/chat"):
        suggested.first.click()
    expect(page.locator("li.message.user").last).to_contain_text(first)
    expect(page.locator("li.message.assistant .answer-text").last).not_to_be_empty()


def test_a_rating_with_tags_and_a_comment_is_recorded_and_a_negative_one_followed_up(
    open_page, live_server, artifacts
):
    page = open_page("/")
    answer = ask(page, QUESTION)
    rating = answer.get_by_role("group", name="评价这条回答")
    expect(rating.get_by_role("group", name="评价等级").get_by_role("button")).to_have_text(
        ["非常满意", "满意", "基本满意", "不满意", "非常不满意"]
    )
    rating.get_by_role("button", name="不满意", exact=True).click()
    rating.get_by_role("button", name="内容不全").click()
    rating.get_by_label("意见或建议（选填）").fill("没有说明去哪里办理")
    page.screenshot(path=artifacts / "citizen-rating.png", full_page=True)
    with page.expect_response("**/v1/ratings") as response:
        rating.get_by_role("button", name="提交评价").click()
    assert response.value.status == 201
    expect(rating.get_by_role("status")).to_contain_text("感谢您的评价！我们将核实整改")

    with live_server.app.state.services.database.session() as session:
        rows = session.scalars(select(RatingRow).where(RatingRow.comment == "没有说明去哪里办理")).all()
        assert [(row.level, row.tags, row.channel, len(row.answer_id)) for row in rows] == [
            (2, '["内容不全"]', "web", 32)
        ]
        assert (
            session.scalars(select(FollowUpRow).where(FollowUpRow.rating_id == rows[0].id)).one().status
            == "open"
        )


@pytest.mark.parametrize(
    ("question", "name"), [("火星移民政策是什么？", "no-evidence"), ("北京的居住证怎么办？", "out-of-scope")]
)
def test_no_answer_hands_the_citizen_to_12345(open_page, artifacts, question, name):
    page = open_page("/")
    header_link = page.locator("#handoff")
    expect(header_link).not_to_have_class(ALERT)
    answer = ask(page, question)
    expect(answer.locator(".answer-text")).to_contain_text("12345")
    expect(answer.get_by_role("link", name="转人工 / 拨打12345")).to_have_attribute("href", "tel:12345")
    expect(header_link).to_have_class(ALERT)
    expect(answer.locator(".source-list")).to_have_count(0)
    page.screenshot(path=artifacts / f"citizen-handoff-{name}.png")

    # A question the knowledge base answers lifts the alert again.
    answer = ask(page, "租房提取住房公积金需要什么条件和材料？")
    expect(answer.locator(".source-list")).to_have_count(1)
    expect(header_link).not_to_have_class(ALERT)


def test_phone_width_has_no_horizontal_scroll(open_page, artifacts):
    page = open_page("/", width=375, height=812)
    expect(page.locator("#suggestions button").first).to_be_visible()
    page.screenshot(path=artifacts / "mobile-start.png")
    answer = ask(page, "示例市对高校毕业生有哪些补贴政策？")
    answer.locator(".answer-text").scroll_into_view_if_needed()
    page.screenshot(path=artifacts / "mobile-answer.png")
    answer.locator(".answer-text button.cite").first.click()
    panel = answer.get_by_role("region", name="来源详情")
    expect(panel).to_be_visible()
    panel.scroll_into_view_if_needed()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    expect(page.get_by_role("button", name="发送")).to_be_in_viewport()
    expect(page.locator("#handoff")).to_be_in_viewport()
    page.screenshot(path=artifacts / "mobile-source.png")
