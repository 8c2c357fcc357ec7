"""The sentence check of generated answers, one failure class at a time (examples written for
the fictional 示例市), and the stream that shows only checked sentences."""

import pytest

from assistant.answering import checking
from assistant.answering.grounding import Evidence

GUIDE = Evidence(
    1,
    [
        "申领养犬登记证需提交犬只免疫证明和养犬人居民身份证。",
        "办理时限为十个工作日。",
        "登记不收费。",
        "年满60周岁的老年人可免于提交居住证明。",
        "办理地点为示例市东城区公安分局治安窗口。",
        "申请表可在“示例市民通”APP下载。",
    ],
)
NOTICE = Evidence(2, ["犬只年检每年一次，逾期未年检的注销登记。"])


def checked(text: str, *evidence: Evidence, min_support: float = 0.5) -> tuple[str, int, int]:
    checker = checking.AnswerChecker(evidence or (GUIDE, NOTICE), min_support)
    shown = checker.feed(text) + checker.close()
    assert shown == checker.text
    return checker.text, checker.kept, checker.removed


def test_a_sentence_restating_its_source_is_kept_with_its_citation():
    assert checked("申领养犬登记证需提交犬只免疫证明和养犬人居民身份证[1]。") == (
        "申领养犬登记证需提交犬只免疫证明和养犬人居民身份证[1]。",
        1,
        0,
    )


def test_an_uncited_sentence_gets_the_citation_of_the_passage_that_supports_it():
    assert checked("犬只年检每年一次。")[0] == "犬只年检每年一次[2]。"


def test_fragments_of_different_source_sentences_recombined_are_not_supported():
    """Every bigram is in the passage, but no sentence of it says this."""
    text, kept, removed = checked("老年人可免于提交犬只免疫证明[1]。")
    assert (text, kept, removed) == ("", 0, 1)


@pytest.mark.parametrize(
    "sentence",
    [
        "办理时限为二十个工作日[1]。",  # another period
        "办理时限为10个工作日，需缴纳50元[1]。",  # an amount the source never states
        "年满65周岁的老年人可免于提交居住证明[1]。",  # another age
    ],
)
def test_a_number_the_source_span_does_not_state_fails(sentence):
    assert checked(sentence)[1] == 0


def test_numbers_written_another_way_are_the_same_number():
    assert checked("办理时限为10个工作日[1]。")[1] == 1  # 十个工作日


@pytest.mark.parametrize(
    "sentence",
    [
        "登记收费[1]。",  # the source's 不 dropped
        "年满60周岁的老年人可提交居住证明[1]。",  # 免于 dropped
        "申领养犬登记证无需提交犬只免疫证明[1]。",  # a negation the source does not state
    ],
)
def test_a_negation_must_be_the_sources_own(sentence):
    assert checked(sentence)[1] == 0


def test_a_kept_negation_passes():
    assert checked("登记不收费[1]。")[1] == 1


@pytest.mark.parametrize(
    "sentence",
    [
        "办理地点为示例市西城区公安分局治安窗口[1]。",  # another body
        "申请表可在“示例市政务”APP下载[1]。",  # another app
    ],
)
def test_names_must_be_written_as_the_source_writes_them(sentence):
    assert checked(sentence)[1] == 0


def test_a_name_without_its_qualifier_is_a_mention_not_a_new_name():
    assert checked("到公安分局治安窗口办理[1]。", min_support=0.5)[1] == 1


def test_repeated_clauses_are_left_out_and_a_sentence_of_repeats_is_dropped():
    text, kept, removed = checked(
        "1．犬只免疫证明：需提交养犬人居民身份证[1]；\n"
        "2．养犬人居民身份证：需提交养犬人居民身份证[1]；\n"
        "3．需提交养犬人居民身份证[1]。"
    )
    assert text == "1．犬只免疫证明：需提交养犬人居民身份证[1]；\n2．养犬人居民身份证[1]；"
    assert (kept, removed) == (2, 1)


def test_clauses_of_one_sentence_must_restate_one_place_of_the_source():
    """Each clause is in the list, but the item is padded with another item's words."""
    materials = Evidence(
        1, ["1．养犬登记申请表；", "2．犬只免疫证明；", "3．犬只近期照片；", "4．养犬人居民身份证。"]
    )
    assert checked("养犬登记申请表：需提交养犬人居民身份证[1]。", materials)[1] == 0
    assert checked("需提交养犬登记申请表和犬只免疫证明[1]。", materials)[1] == 1


@pytest.mark.parametrize("sentence", ["资料中没有相关规定。", "根据资料，无法确定办理时限。"])
def test_an_answer_denying_the_sources_answer_is_never_shown(sentence):
    assert checked(sentence) == ("", 0, 1)


def test_citing_a_passage_that_does_not_exist_is_unsupported():
    assert checked("办理时限为十个工作日[3]。")[1] == 0


def test_a_lead_in_announcing_a_list_is_shown_and_joining_words_alone_are_not():
    text, _, _ = checked("办理需要以下材料：\n犬只免疫证明和养犬人居民身份证[1]。\n此外，")
    assert text == "办理需要以下材料：\n犬只免疫证明和养犬人居民身份证[1]。"


def test_the_stream_shows_each_sentence_only_once_it_is_complete_and_checked():
    checker = checking.AnswerChecker([GUIDE, NOTICE], 0.5)
    deltas = ["办理时限", "为十个工作日", "。", "[", "1]", "登记", "收费", "[1]。", "犬只年检", "每年一次"]
    shown = [checker.feed(delta) for delta in deltas] + [checker.close()]
    assert shown == ["", "", "", "", "", "办理时限为十个工作日。[1]", "", "", "", "", "犬只年检每年一次[2]"]
    assert checker.removed == 1  # 登记收费: never shown


def test_a_list_mark_on_its_own_line_is_not_shown():
    assert checked("5. \n犬只年检每年一次[2]。")[0] == "犬只年检每年一次[2]。"
