"""Condition extraction from policy clauses: the phrasings policies actually use, including ones
not in the evaluation set."""

from __future__ import annotations

import pytest

from assistant.config import PolicyMatchingSettings
from assistant.policy_matching.clauses import sentence_conditions
from assistant.policy_matching.extraction import extract_items

REGIONS = PolicyMatchingSettings().regions


def _typed(sentence: str) -> set[tuple]:
    return {
        (c.kind, c.operator, tuple(c.value) if isinstance(c.value, list) else c.value)
        for c in sentence_conditions(sentence, REGIONS)
        if c.kind != "free_text"
    }


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("上年度营业收入不低于2000万元", ("revenue", ">=", 2000.0)),
        ("年销售收入2亿元以下", ("revenue", "<=", 20000.0)),
        ("主营业务收入超过5000万元", ("revenue", ">", 5000.0)),
        ("从业人员不超过300人", ("employees", "<=", 300.0)),
        ("职工人数在50人以上", ("employees", ">=", 50.0)),
        ("研发费用占营业收入比例不低于3%", ("rd_ratio", ">=", 3.0)),
        ("研发投入强度达到５％以上", ("rd_ratio", ">=", 5.0)),
        ("上年度纳税总额100万元及以上", ("tax_paid", ">=", 100.0)),
        ("成立满两年", ("years_registered", ">=", 2.0)),
        ("注册成立不满1年", ("years_registered", "<", 1.0)),
        ("成立时间不超过5年", ("years_registered", "<=", 5.0)),
        ("纳税信用等级为A级或B级", ("credit_rating", "in", ("A", "B"))),
        ("纳税信用评价B级及以上", ("credit_rating", "in", ("A", "B"))),
        ("未被列入严重失信主体名单", ("credit_record", "not_listed", "严重失信主体名单")),
        ("属于制造业（行业代码C13—C43）", ("industry", "in", ("C13-C43",))),
        ("属于软件和信息技术服务业", ("industry", "in", ("I65",))),
        ("不含石油、煤炭及其他燃料加工业（C25）", ("industry", "not_in", ("C25",))),
        ("注册地在示例高新区", ("region", "in", ("示例市高新区",))),
        ("获评国家级专精特新“小巨人”企业", ("qualification", "has_any", ("专精特新“小巨人”企业",))),
    ],
)
def test_typed_condition_is_found(sentence, expected):
    assert expected in _typed(sentence)


def test_qualification_names_are_not_read_as_scale():
    found = _typed("省级专精特新中小企业或科技型中小企业")
    assert found == {("qualification", "has_any", ("专精特新中小企业", "科技型中小企业"))}


def test_several_conditions_in_one_sentence_keep_that_sentence():
    sentence = "注册地在示例市的小型微型企业，在职职工人数不超过100人，未被列入严重失信主体名单。"
    conditions = sentence_conditions(sentence, REGIONS)
    assert {c.kind for c in conditions} == {"region", "scale", "employees", "credit_record"}
    assert all(c.sentence == sentence for c in conditions)


def test_untypable_condition_is_kept_as_text_for_review_and_boilerplate_is_not():
    conditions = sentence_conditions("申报企业应同时符合以下条件：具有对外贸易经营资格。", REGIONS)
    assert [(c.kind, c.value) for c in conditions] == [("free_text", "具有对外贸易经营资格")]


def test_first_time_wording_adds_a_review_condition():
    kinds = [c.kind for c in sentence_conditions("年营业收入首次突破1亿元", REGIONS)]
    assert sorted(kinds) == ["free_text", "revenue"]


POLICY = """# 示例市某局关于申报2026年度某专项资金的通知

## 一、申报条件

（一）在示例市依法登记注册；

（二）成立满3年。

## 二、支持内容

### （一）甲奖励

对上年度营业收入不低于1000万元的企业，给予一次性奖励10万元。

### （二）乙补助

申报条件：获评高新技术企业。

支持标准：按投资额的10%给予补助，最高50万元。

申报时间：2026年3月1日至4月30日。

## 三、申报时间

2026年1月1日至2026年12月31日。

## 四、受理部门

示例市某局产业处。
"""


def test_document_yields_items_with_common_and_own_conditions():
    items = extract_items(POLICY, "notice.md", REGIONS)
    assert [item.title for item in items] == ["甲奖励", "乙补助"]
    first, second = items
    assert {c.kind for c in first.conditions} == {"region", "years_registered", "revenue"}
    assert {c.kind for c in second.conditions} == {"region", "years_registered", "qualification"}
    assert (str(first.window_start), str(first.window_end)) == ("2026-01-01", "2026-12-31")
    assert (str(second.window_start), str(second.window_end)) == ("2026-03-01", "2026-04-30")
    assert second.max_amount_wan == 50 and first.max_amount_wan == 10
    assert first.department == "示例市某局"  # the organisation, not the office under it
    revenue = next(c for c in first.conditions if c.kind == "revenue")
    assert "营业收入不低于1000万元" in revenue.sentence
