"""Decisions and explanations: three-valued conditions, item decisions, dates, profile checks."""

from __future__ import annotations

from datetime import date

import pytest

from assistant.errors import BadInput
from assistant.policy_matching.columns import ProfileColumns
from assistant.policy_matching.conditions import Condition, PolicyItem, validate_condition
from assistant.policy_matching.matching import Matcher
from assistant.policy_matching.profiles import EnterpriseProfile, read_profiles

TODAY = date(2025, 6, 30)
MANUFACTURER = EnterpriseProfile(
    "E1",
    "示例精密机械有限公司",
    region="示例市东湖区",
    industry_code="C3511",
    registered_on=date(2020, 3, 1),
    employees=120,
    revenue=3500,
    assets=5000,
    rd_ratio=4.2,
    tax_paid=150,
    qualifications=["专精特新“小巨人”企业"],
    credit_rating="B",
    dishonest=False,
)
UNKNOWN_REVENUE = EnterpriseProfile("E2", "资料不全公司", region="示例市西山区", industry_code="C3511")


def _item(item_id, *conditions, start=None, end=None):
    return PolicyItem(
        item_id,
        item_id,
        "测试政策",
        "test.md",
        "",
        conditions=list(conditions),
        window_start=start,
        window_end=end,
    )


REVENUE = Condition("revenue", ">=", 2000.0, "上年度营业收入不低于2000万元。")
SMALL_MEDIUM = Condition("scale", "in", ["中", "小", "微"], "属于中小企业。")


def test_each_condition_is_met_not_met_or_unknown():
    columns = ProfileColumns.from_profiles([MANUFACTURER, UNKNOWN_REVENUE])
    assert columns.evaluate(REVENUE, TODAY).tolist() == [1, 2]
    assert columns.evaluate(Condition("employees", "<", 100.0), TODAY).tolist() == [0, 2]
    assert columns.evaluate(Condition("region", "in", ["示例市"]), TODAY).tolist() == [1, 1]
    assert columns.evaluate(Condition("industry", "not_in", ["C25"]), TODAY).tolist() == [1, 1]
    assert columns.evaluate(Condition("years_registered", ">=", 5.0), TODAY).tolist() == [1, 2]
    # a 小巨人 also counts as 专精特新中小企业, not the other way round
    assert columns.evaluate(Condition("qualification", "has_any", ["专精特新中小企业"]), TODAY).tolist() == [
        1,
        2,
    ]
    assert columns.evaluate(SMALL_MEDIUM, TODAY).tolist() == [1, 2]


def test_item_is_not_met_when_any_condition_fails_and_unknown_only_otherwise():
    matcher = Matcher(
        [_item("a", REVENUE, Condition("employees", "<=", 100.0)), _item("b", REVENUE, SMALL_MEDIUM)]
    )
    decisions = matcher.decide(ProfileColumns.from_profiles([MANUFACTURER, UNKNOWN_REVENUE]), TODAY)
    assert decisions.tolist() == [[0, 2], [1, 2]]


def test_enterprise_view_explains_each_condition_and_asks_about_unknowns():
    free = Condition("free_text", "review", "近三年未发生重大安全事故", "近三年未发生重大安全事故。")
    matches = Matcher([_item("a", REVENUE, free)]).for_enterprise(UNKNOWN_REVENUE, TODAY)
    [match] = matches
    assert match.decision == "unknown"
    revenue, review = match.conditions
    assert revenue.profile_value == "未填写" and "营业收入" in (revenue.question or "")
    assert revenue.condition.sentence == "上年度营业收入不低于2000万元。"
    assert "近三年未发生重大安全事故" in (review.question or "")


def test_expired_items_are_left_out_and_upcoming_ones_shown_after_open_ones():
    items = [
        _item("expired", REVENUE, start=date(2025, 1, 1), end=date(2025, 2, 28)),
        _item("upcoming", REVENUE, start=date(2025, 8, 1), end=date(2025, 9, 30)),
        _item("open", REVENUE, start=date(2025, 6, 1), end=date(2025, 7, 31)),
    ]
    matches = Matcher(items).for_enterprise(MANUFACTURER, TODAY)
    assert [(m.item.item_id, m.window_status) for m in matches] == [
        ("open", "open"),
        ("upcoming", "upcoming"),
    ]
    with_expired = Matcher(items).for_enterprise(MANUFACTURER, TODAY, include_expired=True)
    assert "expired" in {m.item.item_id for m in with_expired}


def test_policy_view_lists_qualifying_enterprises_before_possible_ones():
    candidates = Matcher([_item("a", REVENUE)]).for_item("a", [UNKNOWN_REVENUE, MANUFACTURER], TODAY)
    assert [(c.profile.enterprise_id, c.decision) for c in candidates] == [("E1", "met"), ("E2", "unknown")]
    assert candidates[1].to_confirm == ["上年度营业收入不低于2000万元"]


def test_staff_condition_edits_are_checked_with_the_accepted_values_named():
    with pytest.raises(BadInput, match="大、中、小、微"):
        validate_condition("scale", "in", ["特大"])
    with pytest.raises(BadInput, match=">="):
        validate_condition("revenue", "about", 10)
    assert validate_condition("industry", "in", ["C13-C43"]).origin == "staff"


def test_profile_file_keeps_good_rows_and_reports_each_bad_cell(tmp_path):
    path = tmp_path / "profiles.csv"
    path.write_text(
        "企业编号,企业名称,行业代码,成立日期,营业收入（亿元）,资质,纳税信用等级\n"
        "E1,甲公司,C3511,2019-05-01,1.5,高新技术企业,A\n"
        "E2,乙公司,X99,2019-13-01,-3,不存在的资质,Z\n"
        "E3,丙公司,,2020年1月2日,,无,\n",
        encoding="utf-8",
    )
    report = read_profiles(path)
    assert [p.enterprise_id for p in report.profiles] == ["E1", "E3"]
    assert report.profiles[0].revenue == 15000  # 亿元 converted to 万元
    assert report.profiles[1].qualifications == [] and report.profiles[1].industry_code is None
    assert {e.row for e in report.errors} == {3}
    assert {e.column for e in report.errors} == {
        "行业代码",
        "成立日期",
        "上年度营业收入（万元）",
        "资质",
        "纳税信用等级",
    }
    assert all(e.message for e in report.errors)


def test_profile_file_without_required_columns_is_refused_clearly(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("名字,行业\n甲,C35\n", encoding="utf-8")
    with pytest.raises(BadInput, match="缺少必填列：企业编号、企业名称"):
        read_profiles(path)


def test_trade_growth_and_job_figures_are_decided_and_other_lists_stay_unknown():
    exporter = EnterpriseProfile(
        "X1", "出口公司", trade_value=800, export_value=500, export_growth=-5, new_jobs=12, dishonest=False
    )
    columns = ProfileColumns.from_profiles([exporter, UNKNOWN_REVENUE])
    assert columns.evaluate(Condition("trade_value", ">=", 100.0), TODAY).tolist() == [1, 2]
    assert columns.evaluate(Condition("export_growth", ">=", 10.0), TODAY).tolist() == [0, 2]
    assert columns.evaluate(Condition("new_jobs", ">=", 20.0), TODAY).tolist() == [0, 2]
    assert columns.evaluate(Condition("credit_record", "not_listed", "严重失信主体名单"), TODAY).tolist() == [
        1,
        2,
    ]
    # the profile records only 严重失信主体名单: another list is for staff to check
    enforced = Condition("credit_record", "not_listed", "失信被执行人名单")
    assert columns.evaluate(enforced, TODAY).tolist() == [2, 2]
    [match] = Matcher([_item("a", enforced)]).for_enterprise(exporter, TODAY)
    assert match.decision == "unknown" and "失信被执行人名单" in (match.conditions[0].question or "")


def test_growth_may_be_negative_but_amounts_may_not():
    assert validate_condition("revenue_growth", ">=", -5).value == -5.0
    with pytest.raises(BadInput, match="非负数"):
        validate_condition("rd_amount", ">=", -5)


def test_profile_file_reads_trade_in_dollars_and_signed_growth(tmp_path):
    path = tmp_path / "trade.csv"
    path.write_text(
        "企业编号,企业名称,进出口额（美元）,出口额（亿美元）,出口额增长率（%）,上年度研发费用（元）,新增就业人数\n"
        "T1,外贸公司,2500000,0.03,-12.5,3000000,8\n",
        encoding="utf-8",
    )
    [profile] = read_profiles(path).profiles
    assert (profile.trade_value, profile.export_value, profile.export_growth) == (250.0, 300.0, -12.5)
    assert (profile.rd_amount, profile.new_jobs) == (300.0, 8.0)
