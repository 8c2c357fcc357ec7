"""Premises: what a question takes for granted, found however it is written, and checked against text."""

import pytest

from assistant.answering.premises import amounts, parse_number, premises_of, states
from assistant.retrieval.lexicon import normalise

REGION = ("示例市",)


def _kinds(question: str) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for premise in premises_of(question, REGION):
        found.setdefault(premise.kind, []).append(premise.text)
    return found


@pytest.mark.parametrize(
    ("numeral", "value"),
    [
        ("一万", 10000),
        ("壹万", 10000),
        ("两千五", 2500),
        ("一百零五", 105),
        ("十五", 15),
        ("壹仟伍佰", 1500),
        ("1.5", 1.5),
    ],
)
def test_chinese_and_arabic_numerals_are_read_as_values(numeral, value):
    assert parse_number(numeral) == value


@pytest.mark.parametrize(
    "written",
    ["一万元", "1万元", "10000元", "壹万元", "１００００元", "1\u200b0000元", "一万块", "1w", "10000块钱"],
)
def test_every_way_of_writing_ten_thousand_yuan_is_one_amount(written):
    assert [value for value, _, _ in amounts(normalise(written))] == [10000]


def test_an_amount_beside_a_benefit_is_one_premise_whatever_its_form():
    forms = [
        "示例市发放一万元补贴怎么领？",
        "示例市发放１００００元补贴怎么领",
        "示例市发放壹万\u200b元补贴怎么领",
    ]
    found = [premises_of(q, REGION) for q in forms]
    assert all(len(p) == 1 and p[0].kind == "benefit" and p[0].amount == 10000 for p in found)
    assert all(p[0].bare for p in found)  # named by its amount only: the question is about nothing else


def test_named_programmes_documents_years_groups_and_operations_are_premises():
    assert _kinds("示例市有没有育儿补贴，一个月给多少") == {"benefit": ["育儿补贴"]}
    assert _kinds("《示例市新市民安居办法》规定的补助怎么申请")["name"] == ["示例市新市民安居办法"]
    assert _kinds("2030年居民医保个人缴费标准是多少") == {"year": ["2030年"]}
    assert _kinds("退役军人优待证在哪领") == {"benefit": ["退役军人优待证"], "group": ["退役军人"]}
    assert _kinds("个体户不干了怎么注销") == {"operation": ["注销"]}


def test_a_citizens_own_case_is_not_a_premise_about_policy():
    assert "benefit" not in _kinds("我月薪一万元，能申请公租房吗")
    assert _kinds("我已经和单位解除劳动合同了，公积金能取吗") == {}  # what happened, not what is asked
    assert _kinds("我想办理营业执照注销，去哪里办？") == {"operation": ["注销"]}  # 我想…: what is asked
    assert _kinds("我注销了公司，公积金怎么办") == {}
    assert _kinds("我不是大学生，是返乡农民工，开店有补贴吗")["group"] == ["农民工"]  # negated group dropped
    (household,) = premises_of("家里是低保户，孩子上学有补助吗", REGION)[-1:]
    assert household.kind == "group" and household.circumstance and household.reach == "retrieved"
    assert "year" not in _kinds("我家在东城区，去年买的房能补契税吗")


POLICY = normalise(
    "（四）一次性创业补贴。离校5年内高校毕业生在本市首次创业，正常经营12个月以上的，给予一次性创业补贴10000元。"
    "创业场地租金补贴按实际租金的50%给予补贴，每年最高6000元。"
)


def _holds(question: str) -> list[bool]:
    asked = normalise(question)
    return [states(p, POLICY, asked) for p in premises_of(question, REGION)]


def test_a_benefit_holds_only_where_the_text_gives_it_with_that_amount():
    assert _holds("大学生创业的一次性创业补贴1万块怎么领") == [
        True,
        True,
    ]  # benefit, group 大学生 (高校毕业生)
    assert _holds("创业场地租金补贴每年最高6000元吗") == [True]
    assert _holds("创业场地租金补贴每年最高1万元吗") == [False]  # 10000元 is the other benefit's
    assert _holds("示例市发放一万元补贴怎么领？") == [False]  # the text's 10000元 is a 创业补贴, never named
    assert _holds("示例市的育儿补贴一个月多少") == [False]


def test_a_year_holds_only_where_the_text_names_it():
    (year,) = premises_of("2027年的居民医保交多少", REGION)
    assert year.reach == "passage"
    assert states(year, normalise("2027年度个人缴费标准为400元")) and not states(
        year, normalise("2025年度为400元")
    )
