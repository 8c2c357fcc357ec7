"""Duty-list routing (权责清单) on its lexical channel: reading the list, ranking departments with
the duty line each matched, and mixing with a trained router's probabilities."""

from __future__ import annotations

import json

import pytest

from assistant.errors import BadInput
from assistant.hotline.duty_routing import (
    DepartmentSuggestion,
    DutyRouter,
    combine,
    default_duty_list,
    read_duty_list,
)
from assistant.jsonl import read_objects

DUTIES = [
    {"department": "水务局", "duty": "负责城市供水管理，处理停水、水压低和水质问题"},
    {"department": "水务局", "duty": "负责排水管网管理，处理下水道堵塞和道路积水"},
    {"department": "城管局", "duty": "查处占道经营、流动摊贩和乱堆乱放的行为"},
    {"department": "城管局", "duty": "负责路灯等城市照明设施的管理维护"},
    {"department": "教育局", "duty": "负责义务教育阶段的招生入学和学区划片"},
]


def _write(tmp_path, rows):
    path = tmp_path / "duties.jsonl"
    path.write_text("\n".join(json.dumps(row, ensure_ascii=False) for row in rows), encoding="utf-8")
    return path


@pytest.fixture
def router(tmp_path):
    return DutyRouter.load(_write(tmp_path, DUTIES), embedder=None)


def test_each_request_goes_to_the_department_whose_duty_it_matches_with_that_duty_line(router):
    calls = [
        "我们小区从昨天开始停水了，一直没来水",
        "门口天天有流动摊贩占道经营",
        "孩子明年上小学，想问招生入学怎么划片",
    ]
    expected = [("水务局", "停水"), ("城管局", "占道经营"), ("教育局", "招生入学")]
    for ranked, (department, words) in zip(router.rank(calls), expected, strict=True):
        assert ranked[0].department == department and words in ranked[0].duty


def test_every_department_is_ranked_once_and_the_confidences_are_shares(router):
    ranked = router.rank(["路灯坏了好几天晚上很黑"])[0]
    assert sorted(s.department for s in ranked) == ["城管局", "教育局", "水务局"]
    assert ranked[0].department == "城管局" and "路灯" in ranked[0].duty
    assert sum(s.confidence for s in ranked) == pytest.approx(1, abs=1e-3)
    assert [s.confidence for s in ranked] == sorted((s.confidence for s in ranked), reverse=True)


def test_a_request_sharing_no_words_with_any_duty_still_gets_a_ranking(router):
    ranked = router.rank(["喂喂"])[0]
    assert len(ranked) == 3 and all(s.duty for s in ranked)


def test_history_outweighs_the_duty_list_but_keeps_its_duty_lines():
    by_duty = [DepartmentSuggestion("城管局", 0.8, "路灯"), DepartmentSuggestion("水务局", 0.2, "供水")]
    mixed = combine({"水务局": 0.9, "路灯所": 0.1}, by_duty)
    assert [s.department for s in mixed] == ["水务局", "城管局", "路灯所"]
    assert mixed[0].duty == "供水" and mixed[2].duty == ""  # a department the duty list does not know
    assert sum(s.confidence for s in mixed) == pytest.approx(1, abs=1e-3)


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ([{"department": "水务局", "duty": ""}, *DUTIES], "第 1 行缺少 department 或 duty"),
        ([DUTIES[0], DUTIES[1]], "至少需要两个承办单位"),
    ],
)
def test_a_broken_duty_list_is_refused_in_chinese(tmp_path, rows, message):
    with pytest.raises(BadInput, match=message):
        read_duty_list(_write(tmp_path, rows))


def test_the_shipped_list_covers_every_department_of_the_demo_training_set():
    from assistant.hotline.triage import DEFAULT_TRAINING

    listed = {duty.department for duty in read_duty_list(default_duty_list())}
    trained = {str(record["department"]) for _, record in read_objects(DEFAULT_TRAINING, "训练数据")}
    assert trained <= listed


def test_a_taxonomy_describes_each_category_by_its_paths_below(tmp_path):
    from assistant.hotline.taxonomy import Taxonomy

    path = tmp_path / "taxonomy.jsonl"
    rows = [
        {"l1": "城乡建设", "l2": "供水供气", "l3": "停水"},
        {"l1": "城乡建设", "l2": "物业管理", "l3": "电梯故障"},
        {"l1": "教育文体", "l2": "学前教育"},
    ]
    path.write_text("\n".join(json.dumps(row, ensure_ascii=False) for row in rows), encoding="utf-8")
    taxonomy = Taxonomy.load(path)
    assert taxonomy.descriptions(1) == [
        ("城乡建设", "供水供气：停水"),
        ("城乡建设", "物业管理：电梯故障"),
        ("教育文体", "学前教育"),
    ]
    assert taxonomy.descriptions(3) == [
        ("城乡建设/供水供气/停水", "供水供气：停水"),
        ("城乡建设/物业管理/电梯故障", "物业管理：电梯故障"),
    ]
