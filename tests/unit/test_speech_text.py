"""Text of recognised speech: Simplified output, punctuation, CER scoring."""

from __future__ import annotations

import pytest

from assistant.speech.text import (
    character_error_rate,
    clean_text,
    edit_distance,
    has_chinese,
    normalise_for_scoring,
)
from assistant.speech.types import CALLER, Segment, Transcript


def test_traditional_becomes_simplified():
    assert clean_text("我想辦理營業執照，請問需要什麼材料?") == "我想办理营业执照，请问需要什么材料？"


def test_space_between_clauses_becomes_comma_and_ascii_punctuation_full_width():
    assert clean_text(" 你好 我想问一下社保, 怎么交! ") == "你好，我想问一下社保，怎么交！"


def test_numbers_and_urls_keep_ascii_punctuation():
    assert clean_text("利率是3.5%，网址www.gov.cn") == "利率是3.5%，网址www.gov.cn"


def test_scoring_ignores_punctuation_spaces_case_and_script():
    assert normalise_for_scoring("廣州市， 房地產 APP。") == "广州市房地产app"


@pytest.mark.parametrize(
    ("reference", "hypothesis", "distance"),
    [
        ("", "", 0),
        ("abc", "", 3),
        ("", "ab", 2),
        ("广州市房地产", "广州市佛地产", 1),
        ("我想问", "我想问问", 1),
    ],
)
def test_edit_distance(reference, hypothesis, distance):
    assert edit_distance(reference, hypothesis) == distance


def test_character_error_rate():
    assert character_error_rate("广州市房地产中介协会分析", "廣州市佛地產中間協會分析。") == pytest.approx(
        2 / 12
    )
    assert character_error_rate("", "") == 0.0
    assert character_error_rate("你好", "") == 1.0


def test_has_chinese():
    assert has_chinese("OK好的") and not has_chinese("1 2 3 thank you")


def test_transcript_text_closes_open_segments():
    segments = (Segment(0.0, 1.0, "我想问"), Segment(1.3, 2.0, "社保怎么交"), Segment(4.0, 5.0, "谢谢？"))
    assert Transcript(segments, 5.0).text == "我想问，社保怎么交。谢谢？"


def test_dialogue_lines_name_the_speaker():
    transcript = Transcript((Segment(61.5, 63.0, "你好", CALLER),), 63.0, speakers=(CALLER,))
    assert transcript.dialogue() == ["[01:01.5-01:03.0] 来电人：你好"]


def test_empty_transcript():
    assert Transcript((), 3.0).text == "" and Transcript((), 3.0).dialogue() == []
