from assistant.answering import grounding


def test_sentences_split_on_chinese_punctuation():
    assert grounding.split_sentences("第一句。第二句！第三句？\n第四句") == [
        "第一句。",
        "第二句！",
        "第三句？",
        "第四句",
    ]


def test_question_units_ignore_question_words():
    units = grounding.units("请问办理居住证需要哪些材料？")
    assert {"居住", "住证", "材料"} <= units
    assert not {"请问", "哪些"} & units
