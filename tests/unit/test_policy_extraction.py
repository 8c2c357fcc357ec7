"""Extraction mechanisms on policy texts written for these tests (not from the evaluation sets):
document-level facts inherited by every item, awards told from thresholds, each condition family,
and the 待核实 fallback that keeps every eligibility clause."""

from __future__ import annotations

from datetime import date

import pytest

from assistant.config import PolicyMatchingSettings
from assistant.policy_matching.clauses import sentence_conditions
from assistant.policy_matching.columns import ProfileColumns
from assistant.policy_matching.extraction import extract_items
from assistant.policy_matching.facts import max_amount
from assistant.policy_matching.matching import Matcher
from assistant.policy_matching.profiles import EnterpriseProfile

REGIONS = PolicyMatchingSettings().regions


def _kinds(sentence: str) -> list[tuple]:
    return [
        (c.kind, c.operator, tuple(c.value) if isinstance(c.value, list) else c.value)
        for c in sentence_conditions(sentence, REGIONS)
    ]


def _by_title(items, title):
    return next(item for item in items if item.title == title)


MEASURES = """# 示例市关于支持制造业企业做大做强的若干措施

一、支持企业上台阶
对上年度营业收入首次超过3000万元的制造业企业，给予一次性奖励15万元。

二、支持企业开拓海外市场
对上年度出口额在200万美元以上的企业，给予最高30万元补助。本项由示例市商务局负责受理。

三、其他要求
申报企业须在示例市注册满2年，且纳税信用等级为A级或B级。
受理部门：示例市工业和信息化局。
申报时间：2026年3月1日至2026年5月31日。
"""


def test_closing_section_governs_every_item_and_an_items_own_department_wins():
    items = extract_items(MEASURES, "measures.md", REGIONS)
    assert [item.title for item in items] == ["支持企业上台阶", "支持企业开拓海外市场"]
    for item in items:
        kinds = {c.kind for c in item.conditions}
        assert {"region", "years_registered", "credit_rating"} <= kinds
        assert (item.window_start, item.window_end) == (date(2026, 3, 1), date(2026, 5, 31))
    first, second = items
    assert first.department == "示例市工业和信息化局" and second.department == "示例市商务局"
    assert first.max_amount_wan == 15 and second.max_amount_wan == 30  # 3000 is the threshold
    assert ("revenue", ">", 3000.0) in [(c.kind, c.operator, c.value) for c in first.conditions]


MEASURES_ACT = """# 示例市促进服务外包发展办法

## 第一章 总则

第一条 为促进服务外包产业发展，制定本办法。

第二条 申请企业成立时间应满3年，资产总额不超过2亿元。

第三条 申请企业应当同时符合下列条件：
（一）在示例市依法登记注册；
（二）持有有效的服务外包企业资格认定证书；

## 第二章 支持内容

第四条 离岸外包奖励。对上年度离岸服务外包执行额的企业，按执行额给予奖励，最高20万元。

第五条 人才培训补贴。对新招用大学生的企业，按每人1000元给予培训补贴。

## 第三章 附则

第六条 弄虚作假骗取资金的，追回资金并取消三年内申报资格。

第七条 本办法由示例市商务局负责组织实施。
"""


def test_general_articles_in_a_chapter_govern_items_of_other_chapters():
    items = extract_items(MEASURES_ACT, "act.md", REGIONS)
    assert [item.title for item in items] == ["离岸外包奖励", "人才培训补贴"]
    for item in items:
        typed = {(c.kind, c.operator, str(c.value)) for c in item.conditions}
        assert {
            ("years_registered", ">=", "3.0"),
            ("assets", "<=", "20000.0"),
            ("region", "in", "['示例市']"),
        } <= typed
        reviews = [c.value for c in item.conditions if c.kind == "free_text"]
        assert any("服务外包企业资格认定证书" in v for v in reviews)
        assert not any("弄虚作假" in c.sentence for c in item.conditions)  # a sanction is no condition
        assert item.department == "示例市商务局"
    assert items[1].max_amount_wan is None  # 每人1000元 is a rate, not a maximum


GUIDE = """# 示例市2026年度数字经济专项申报指南

## 一、支持方向

| 支持事项 | 申报条件 | 支持标准 |
| --- | --- | --- |
| 上云用云补助 | 从业人员不少于10人；上年度营业收入不低于500万元 | 按费用的30%给予补助，最高5万元 |
| 数据要素奖励 | 入选省级数据要素典型案例 | 一次性奖励20万元 |

## 二、申报要求

申报单位须在示例市西山区注册，近三年未被列入失信被执行人名单。

## 三、申报时间

请于2026年6月30日前报送示例市数据局。
"""


def test_a_conditions_table_gives_one_item_per_row_with_the_documents_conditions():
    items = extract_items(GUIDE, "guide.md", REGIONS)
    assert [item.title for item in items] == ["上云用云补助", "数据要素奖励"]
    cloud, data = items
    assert {("employees", 10.0), ("revenue", 500.0)} <= {
        (c.kind, c.value) for c in cloud.conditions if c.kind != "region"
    }
    assert any(c.kind == "free_text" and "典型案例" in c.value for c in data.conditions)
    for item in items:
        assert ("region", ["示例市西山区"]) in [(c.kind, c.value) for c in item.conditions]
        assert ("credit_record", "失信被执行人名单") in [(c.kind, c.value) for c in item.conditions]
        assert (item.window_start, item.window_end) == (None, date(2026, 6, 30))
        assert item.department == "示例市数据局"
    assert (cloud.max_amount_wan, data.max_amount_wan) == (5, 20)


@pytest.mark.parametrize(
    ("text", "award"),
    [
        ("对首次纳入规模以上工业统计、上年度营业收入不低于2000万元的企业，给予一次性奖励20万元。", 20),
        ("一次性奖励30万元；首次超过8亿元的，一次性奖励150万元。", 150),
        ("按贴息率不超过1.5%给予贴息，单个企业最高不超过60万元。", 60),
        ("按每户2000元给予补贴，每家企业每年补贴不超过8万元。", 8),
        ("按每人1500元给予一次性补贴。", None),
        ("对经认定的企业，每家给予8万元奖励。", 8),  # per applicant: the award itself
    ],
)
def test_the_award_is_never_a_threshold_or_a_rate(text, award):
    assert max_amount(text) == award


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("成立满1年", ("years_registered", ">=", 1.0)),
        ("在示例市注册满三年", ("years_registered", ">=", 3.0)),
        ("上年度营业收入不低于2000万元", ("revenue", ">=", 2000.0)),
        ("上年度销售额达到1.5亿元以上", ("revenue", ">=", 15000.0)),
        ("资产总额在8000万元以下", ("assets", "<=", 8000.0)),
        ("从业人员不得少于15人", ("employees", ">=", 15.0)),
        ("研发费用总额不低于500万元", ("rd_amount", ">=", 500.0)),
        ("研究与试验发展经费支出超过200万元", ("rd_amount", ">", 200.0)),
        ("研发投入占销售收入比重不低于4%", ("rd_ratio", ">=", 4.0)),
        ("在本市实缴税收不低于80万元", ("tax_paid", ">=", 80.0)),
        ("纳税信用等级须为A级或B级", ("credit_rating", "in", ("A", "B"))),
        ("纳税信用评价为A级、B级或M级", ("credit_rating", "in", ("A", "B", "M"))),
        ("纳税信用等级不得为C级或D级", ("credit_rating", "in", ("A", "B", "M"))),
        ("纳税信用等级不低于B级", ("credit_rating", "in", ("A", "B"))),
        ("纳税信用等级在B级（含）以上", ("credit_rating", "in", ("A", "B"))),
        ("近三年未被列入严重失信主体名单", ("credit_record", "not_listed", "严重失信主体名单")),
        ("未被列入经营异常名录", ("credit_record", "not_listed", "经营异常名录")),
        ("进出口额在100万美元以上", ("trade_value", ">=", 100.0)),
        ("上年度出口额达到0.2亿美元", ("export_value", ">=", 2000.0)),
        ("进口额不低于50万美元", ("import_value", ">=", 50.0)),
        ("出口额增长20%以上", ("export_growth", ">=", 20.0)),
        ("出口额达到300万美元且同比增长10%以上", ("export_growth", ">=", 10.0)),
        ("营业收入同比增长不低于12%", ("revenue_growth", ">=", 12.0)),
        ("上年度新增就业岗位30个以上", ("new_jobs", ">=", 30.0)),
        ("获评国家级制造业单项冠军企业", ("qualification", "has_any", ("制造业单项冠军企业",))),
        ("属于批发零售业的企业", ("industry", "in", ("F51-F52",))),
        ("从事制造业生产的工业企业", ("industry", "in", ("C13-C43",))),
        ("不属于房地产业、金融业企业", ("industry", "not_in", ("K70", "J66-J69"))),
        ("注册地和税收户管地在示例市临港区", ("region", "in", ("示例市临港区",))),
    ],
)
def test_each_condition_family_is_typed(sentence, expected):
    assert expected in _kinds(sentence)


@pytest.mark.parametrize(
    "sentence",
    [
        "实缴注册资本不低于1000万元",  # 注册资本 is not 成立年限
        "跨境电商进出口额达到500万美元",  # a part of the trade, not the enterprise's trade volume
        "进出口总额同比增长不低于15%",  # no growth family for total trade
        "年综合能耗5000吨标准煤以上",
        "成立时间满1年（新注册企业除外）",  # an exception cannot be typed
        "同一项目不得重复申报市级其他专项资金",
        "上年度营业收入不低于800万元或者纳税额不低于40万元",  # either one suffices: no typed AND says that
    ],
)
def test_what_no_family_fits_is_kept_as_to_be_verified(sentence):
    conditions = sentence_conditions(sentence, REGIONS)
    assert [c.kind for c in conditions] == ["free_text"]
    assert conditions[0].value == sentence and conditions[0].sentence == sentence


def test_a_clause_partly_typed_keeps_the_rest_as_to_be_verified():
    conditions = sentence_conditions("在示例市注册、具有独立法人资格的企业", REGIONS)
    assert [c.kind for c in conditions] == ["region", "free_text"]
    gazelle = sentence_conditions("认定为瞪羚企业、上年度营业收入在3000万元以上", REGIONS)
    assert [c.kind for c in gazelle] == ["revenue", "free_text"]  # 瞪羚 is two characters, still kept
    first_time = sentence_conditions("上年度营业收入首次突破2000万元", REGIONS)
    assert [(c.kind, c.operator) for c in first_time] == [("revenue", ">"), ("free_text", "review")]


def test_boilerplate_and_a_bare_subject_yield_nothing():
    assert sentence_conditions("申报企业应当同时符合下列条件：", REGIONS) == []
    assert sentence_conditions("享受本细则补贴的企业", REGIONS) == []
    intro = sentence_conditions("申请认定市级技术中心的企业，须具备下列条件：", REGIONS)
    assert intro == []  # the intro names the applicant


def test_an_untyped_condition_makes_the_item_to_be_verified_never_met():
    items = extract_items(MEASURES_ACT, "act.md", REGIONS)
    qualifies = EnterpriseProfile(
        "Q1", "全都满足公司", region="示例市东湖区", registered_on=date(2015, 1, 1), assets=5000
    )
    decisions = Matcher(items).decide(ProfileColumns.from_profiles([qualifies]), date(2026, 6, 30))
    assert decisions[:, 0].tolist() == [2, 2]  # the 资格认定证书 clause is unknown, so nothing is 符合


def test_a_stated_bound_outside_items_is_a_condition_even_without_a_modal_verb():
    text = """# 示例市小微企业贷款贴息办法

一、政策范围
上年度纳税总额20万元以上，近两年无重大安全生产事故。

二、贷款贴息
对获得银行贷款的小微企业，按贷款利息的50%给予贴息，最高10万元。
"""
    [item] = extract_items(text, "loan.md", REGIONS)
    assert ("tax_paid", ">=", 20.0) in [(c.kind, c.operator, c.value) for c in item.conditions]
    assert any(c.kind == "free_text" and "安全生产事故" in c.value for c in item.conditions)


def test_an_article_titled_in_brackets_is_an_item_with_that_title():
    text = """# 示例市融资担保补助细则

第一条 本细则支持对象为注册地在示例市的小微企业。

第二条【担保费补助】对通过融资担保获得贷款的企业，按担保费的50%给予补助，最高8万元。
"""
    [item] = extract_items(text, "guarantee.md", REGIONS)
    assert item.title == "担保费补助" and item.max_amount_wan == 8
    assert {"region", "scale"} <= {c.kind for c in item.conditions}


def test_an_either_or_keeps_where_the_applicant_is_registered_and_leaves_the_rest_to_staff():
    conditions = sentence_conditions("申报企业应为示例市注册的规模以上工业企业或工业设计企业", REGIONS)
    assert [(c.kind, c.value) for c in conditions][0] == ("region", ["示例市"])
    assert [c.kind for c in conditions][1:] == ["free_text"]  # not 工业 B06-D46: a design firm may be M74


def test_a_deadline_heading_an_attachment_and_a_benefit_given_in_shares():
    text = """# 示例市商务局关于申报2026年度展会补贴的通知

一、支持内容

（一）展会补贴。对组织企业参加境外展会的会展企业，分别补助展位费的50%、30%，最高20万元。

二、申报条件

工商注册及税务登记均在示例市西山区。

三、申报截止时间

2026年4月30日。

四、联系单位

示例市商务局会展处。

附件：展会补贴申报表
"""
    [item] = extract_items(text, "fair.md", REGIONS)  # the 附件 line about a 补贴 form is no item
    assert (item.window_start, item.window_end) == (None, date(2026, 4, 30))
    assert item.department == "示例市商务局" and item.max_amount_wan == 20
    assert [c.kind for c in item.conditions] == ["region", "free_text"]
    assert "参加境外展会" in item.conditions[1].value  # the 对……的 part ends before 分别补助
