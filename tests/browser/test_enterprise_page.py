"""企业找政策 in a real browser: a profile typed into the form → matched policies, each condition
marked with the policy sentence, and what to supply for the unknown ones."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser
sync_api = pytest.importorskip(
    "playwright.sync_api", reason="playwright is not installed (pip install '.[dev]')"
)
expect = sync_api.expect


def test_an_enterprise_finds_its_policies_with_reasons(open_page, artifacts):
    page = open_page("/enterprise")
    page.get_by_label("企业名称").fill("示例精密机械有限公司")
    page.get_by_label("注册地").fill("示例市东城区")
    page.get_by_label("行业代码（国民经济行业分类）").fill("C3511")
    page.get_by_label("成立日期").fill("2019-05-01")
    page.get_by_label("从业人员（人）").fill("120")
    page.get_by_label("上年度营业收入（万元）").fill("8000")
    page.get_by_label("研发费用占营业收入比例（%）").fill("4.5")
    page.get_by_label("高新技术企业").check()
    page.get_by_label("按此日期判断申报期（默认今天）").fill(
        "2025-06-30"
    )  # the written policies' windows are in 2025
    with page.expect_response("**/v1/policy-matching/match"):
        page.get_by_role("button", name="查找可申报的政策").click()
    expect(page.locator("#results-status")).to_contain_text("项可申报")
    first = page.locator("#matches > li").first
    expect(first.locator(".condition").first).to_be_visible()
    expect(page.locator(".condition.met").first).to_contain_text("符合")
    expect(page.locator(".condition .quote").first).to_contain_text("政策原文")
    expect(page.locator(".condition.unknown .ask").first).to_contain_text("需补充")
    page.screenshot(path=artifacts / "enterprise-matches.png", full_page=True)


def test_a_profile_without_a_name_is_refused_clearly(open_page):
    page = open_page("/enterprise")
    page.get_by_label("企业名称").fill(" ")
    page.get_by_label("企业名称").evaluate("input => input.removeAttribute('required')")
    page.get_by_role("button", name="查找可申报的政策").click()
    expect(page.locator("#form-error")).to_contain_text("企业名称")
