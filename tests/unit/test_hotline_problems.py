"""The problem vocabulary hot-issue grouping tells problems apart by: paraphrases of one problem name
it, two problems of one category are told apart, and a bad vocabulary file is a clear error."""

from __future__ import annotations

import pytest

from assistant.errors import BadInput
from assistant.hotline.problems import ProblemVocabulary, default_vocabulary
from assistant.hotline.taxonomy import Taxonomy


def _named(text: str) -> str | None:
    problem = default_vocabulary().problem_of(text)
    return problem.name if problem else None


@pytest.mark.parametrize(
    ("texts", "problem"),
    [
        (["没水了", "水停了", "自来水断了", "水龙头拧开一滴水都没有", "家里断水一上午"], "停水"),
        (
            ["楼道里一股煤气味", "闻到煤气的味道", "好像燃气泄漏了", "天然气可能漏了", "有股臭鸡蛋味"],
            "燃气泄漏",
        ),
        (["路灯不亮", "晚上黑漆漆的", "灯全坏了"], "路灯不亮"),
        (["路面塌陷了", "路上有个大坑", "马路陷下去一块"], "路面破损"),
        (["红绿灯坏了", "信号灯一直闪黄灯"], "信号灯故障"),
    ],
)
def test_the_ways_callers_say_a_problem_all_name_it(texts, problem):
    assert [_named(text) for text in texts] == [problem] * len(texts)


def test_two_problems_of_one_category_are_told_apart_and_unknown_words_name_none():
    water, gas = default_vocabulary().problem_of("停水了"), default_vocabulary().problem_of("煤气味很重")
    assert water and gas and water.category == gas.category and water != gas
    assert _named("自来水发黄还有铁锈") == "水质异常"  # the longer cue where two start together
    assert _named("我想问一下办事流程") is None


def test_every_problem_is_filed_under_a_category_of_the_taxonomy():
    taxonomy = Taxonomy.load()
    assert taxonomy.unknown(p.category for p in default_vocabulary().problems) == []


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ('{"problem": "停水", "cues": ["停水"]}', "第 1 行缺少"),
        ('{"problem": "停水", "category": "城乡建设/供水供气", "cues": ["停("]}', "不是有效的正则"),
        ('{"problem": "停水", "category": "城乡建设/供水供气", "cues": ["(停)水"]}', "捕获组"),
        ('{"problem": "停水", "category": "城乡建设/供水供气", "cues": ["(?:停|断)水"]}', "开头"),
    ],
)
def test_a_bad_vocabulary_file_is_a_clear_error(tmp_path, line, message):
    path = tmp_path / "problems.jsonl"
    path.write_text(line + "\n", encoding="utf-8")
    with pytest.raises(BadInput, match=message):
        ProblemVocabulary.load(path)
