"""Completeness of answers to list questions: lists found by their shape, missing items quoted."""

from assistant.answering import completeness
from assistant.answering.evidence import Quoted
from assistant.documents import Chunk, DocumentMetadata, SearchHit

MATERIALS = [
    "1．养犬登记申请表；",
    "2．犬只免疫证明；",
    "3．养犬人居民身份证；",
    "4．犬只近期照片两张。",
]


def quoted(number: int, sentences: list[str], heading: str = "三、申请材料") -> Quoted:
    chunk = Chunk(
        "doc-1", 0, "".join(sentences), [heading], DocumentMetadata(title="示例市养犬登记办事指南"), "hash"
    )
    return Quoted(number, sentences, SearchHit(chunk, 1.0))


def test_lists_are_runs_of_items_with_one_style_of_mark():
    evidence = [
        quoted(
            1,
            [
                "办理需提交下列材料。",
                *MATERIALS,
                "（一）网上申请；",
                "（二）窗口申请；",
                "咨询电话见窗口公示。",
            ],
        )
    ]
    found = completeness.lists(evidence)
    assert [len(listed.items) for listed in found] == [4, 2]
    assert found[0].heading == "申请材料" and found[0].number == 1


def test_one_marked_sentence_is_not_a_list():
    assert completeness.lists([quoted(1, ["1．本办法自发布之日起施行。", "其他事项另行通知。"])]) == []


def test_the_items_an_answer_left_out_are_quoted_under_the_lists_heading():
    answer = "需提交养犬登记申请表和犬只免疫证明[1]。"
    extra = completeness.supplement("办理养犬登记需要什么材料？", answer, [quoted(1, MATERIALS)])
    assert extra == "\n申请材料还包括：\n3．养犬人居民身份证；\n4．犬只近期照片两张。[1]"


def test_an_answer_carrying_every_item_needs_nothing_more():
    answer = "需要：养犬登记申请表[1]；\n犬只免疫证明[1]；\n养犬人的居民身份证[1]；\n犬只近期照片两张[1]。"
    assert completeness.supplement("养犬登记要带哪些材料？", answer, [quoted(1, MATERIALS)]) == ""


def test_an_answer_carrying_no_item_gets_the_whole_list():
    extra = completeness.supplement("养犬登记要带哪些材料？", "请按要求准备材料[1]。", [quoted(1, MATERIALS)])
    assert extra.startswith("\n申请材料：\n1．") and extra.count("\n") == 5


def test_a_question_asking_no_aspect_needs_no_list():
    assert completeness.supplement("养犬登记是什么？", "是一项公共服务[1]。", [quoted(1, MATERIALS)]) == ""


def test_an_item_goes_on_after_its_semicolon_until_the_next_mark():
    steps = ["1．网上申请；", "2．领取证件：窗口办理的当场领取；", "网上办理的邮寄到家。", "另有说明。"]
    (found,) = completeness.lists([quoted(1, steps, "四、办理流程")])
    assert found.items == ["1．网上申请；", "2．领取证件：窗口办理的当场领取；网上办理的邮寄到家。"]
    assert found.heading == "办理流程"


def test_a_list_nested_in_an_item_is_part_of_it_and_the_outer_list_goes_on():
    materials = [
        "1．申请表；",
        "2．证明材料之一：（1）劳动合同；",
        "（2）租赁合同；",
        "（3）在读证明。",
        "3．代办的，另需代办人身份证。",
        "可免于提交共享核验的材料。",
    ]
    (found,) = completeness.lists([quoted(1, materials)])
    assert found.items == [
        "1．申请表；",
        "2．证明材料之一：（1）劳动合同；（2）租赁合同；（3）在读证明。",
        "3．代办的，另需代办人身份证。",
    ]
