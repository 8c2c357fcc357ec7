import pytest

from assistant.answering.scope import classify_scope


@pytest.mark.parametrize("question", ["办理居住证需要哪些材料？", "公积金怎么提取", "小微企业有哪些补贴"])
def test_government_service_questions_are_in_scope(question):
    assert classify_scope(question).in_scope


@pytest.mark.parametrize(
    ("question", "reason", "handoff"),
    [
        ("讲个笑话吧", "not_government_service", "12345"),
        ("我这个官司能赢吗", "legal_judgement", "12348"),
        ("我孩子发烧该吃什么药", "medical_judgement", "医生"),
    ],
)
def test_out_of_scope_questions_say_where_to_turn(question, reason, handoff):
    decision = classify_scope(question)
    assert not decision.in_scope and decision.reason == reason and handoff in decision.handoff


def test_another_places_policy_is_out_of_scope_where_regions_are_configured():
    decision = classify_scope("北京的居住证怎么办理？", service_regions=("示例市", "示例省"))
    assert not decision.in_scope and decision.reason == "other_region" and "北京" in decision.handoff
    assert classify_scope("示例市的居住证怎么办理？", service_regions=("示例市", "示例省")).in_scope
