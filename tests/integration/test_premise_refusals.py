"""False premises through the real chain on the demo knowledge base: a question that takes for
granted what no document states (an amount, a year, a benefit for another group) is refused with a
hand-off that names what is missing; its twin, whose premise a document states, is answered from it."""

from __future__ import annotations

import pytest

from eval_sets.refusal.bench import demo_services

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def chain(tmp_path_factory):
    services = demo_services(tmp_path_factory.mktemp("premises"))
    yield services.answer_chain
    services.close()


@pytest.mark.parametrize(
    ("question", "missing"),
    [
        ("示例市发放一万元补贴怎么领？", "一万元补贴"),
        ("示例市发放１００００元补贴怎么领？", "10000元补贴"),
        ("示例市发放壹万\u200b元补贴，去哪里申请", "壹万元补贴"),
        ("2030年城乡居民医保个人缴费标准是多少", "2030年"),
        ("退役军人优待证怎么申请，在哪领", "退役军人"),
        ("返乡农民工自己开店，一次性创业补贴怎么申请", "农民工"),
    ],
)
def test_a_question_on_a_premise_no_source_states_is_refused_naming_it(chain, question, missing):
    answer = chain.answer(question)
    assert answer.status == "no_evidence" and not answer.citations
    assert f"没有关于“{missing}" in answer.text or f"、“{missing}”" in answer.text
    assert "12345" in answer.text and answer.handoff


@pytest.mark.parametrize(
    ("question", "source"),
    [
        ("大学生创业的一次性创业补贴10000元，需要提交哪些材料？", "创业补贴"),
        ("2025年城乡居民医保个人缴费标准是多少", "城乡居民"),
        ("65周岁以上的老年人坐公交免费吗", "老"),
        ("高校毕业生首次创业，一次性创业补贴怎么申请", "创业补贴"),
    ],
)
def test_its_twin_whose_premise_a_source_states_is_answered_from_it(chain, question, source):
    answer = chain.answer(question)
    assert answer.status == "answered" and answer.citations
    assert source in answer.citations[0].title or source in answer.citations[0].source
