"""Text normalisation at the boundary: one form for what looks the same, and no empty questions."""

from __future__ import annotations

import pytest

from assistant.errors import BadInput
from assistant.retrieval import lexicon
from assistant.text_normalisation import EMPTY_QUESTION, has_content, normalise_query, normalise_text


def test_full_width_and_invisible_characters_become_the_plain_text():
    assert normalise_text("１３８\u200b１２３４\u2060５６７８") == "13812345678"
    assert normalise_text("身份证\ufeff号\u00ad码\u202e") == "身份证号码"
    assert normalise_text("ＡＢＣ") == "ABC"  # case kept: the lexicon lower-cases for matching
    assert lexicon.normalise("ＡＢＣ\u200b") == "abc"


@pytest.mark.parametrize("text", ["", "   ", "？？？", "\u200b\u200c\u200d", "……。，、", "\n\t!!"])
def test_a_question_with_no_letter_or_digit_is_refused(text):
    assert not has_content(normalise_text(text))
    with pytest.raises(BadInput, match=EMPTY_QUESTION):
        normalise_query(text)


def test_a_question_keeps_its_words_with_white_space_collapsed():
    assert (
        normalise_query("  居住证\u3000\u3000怎么\n办？ ") == "居住证 怎么 办？"
    )  # Chinese punctuation kept
    assert lexicon.normalise("怎么办？（急）") == "怎么办?(急)"  # folded for matching
    assert normalise_query("１") == "1"
    assert (
        normalise_query(normalise_query("社保\u200b卡")) == "社保卡"
    )  # idempotent: normalising twice is harmless
