"""The match bench's scoring: what it counts as covered, as a threshold reported as the award, and
as a false 符合, on hand-made items against one gold item."""

from __future__ import annotations

from datetime import date

from assistant.policy_matching.conditions import Condition, PolicyItem
from assistant.policy_matching.profiles import EnterpriseProfile
from eval_sets.policy_matching.bench import GoldItem, score_decisions, score_extraction

SENTENCE = "对上年度营业收入不低于2000万元、具有独立法人资格的企业"
GOLD = GoldItem(
    "a.md",
    "升规奖励",
    "示例市工业和信息化局",
    ["2025-05-01", "2025-07-31"],
    20,
    [
        {
            "kind": "revenue",
            "operator": ">=",
            "value": 2000,
            "unit": "万元",
            "sentence": "上年度营业收入不低于2000万元",
        },
        {"kind": "free_text", "operator": "review", "value": "", "unit": "", "sentence": "具有独立法人资格"},
    ],
)


def _item(*conditions: Condition, award: float | None = 20) -> PolicyItem:
    return PolicyItem(
        "a-01",
        "升规奖励",
        "",
        "a.md",
        "",
        max_amount_wan=award,
        window_start=date(2025, 5, 1),
        window_end=date(2025, 7, 31),
        department="示例市工业和信息化局",
        conditions=list(conditions),
    )


REVENUE = Condition("revenue", ">=", 2000.0, SENTENCE)
REVIEW = Condition("free_text", "review", "具有独立法人资格的企业", SENTENCE)


def test_a_fully_extracted_item_scores_fully():
    result = score_extraction([GOLD], [_item(REVENUE, REVIEW)])
    assert result["rows"][-1]["precision"] == result["rows"][-1]["recall"] == 1.0
    items = result["items"]
    assert items["sentence_coverage"] == items["department_accuracy"] == items["window_accuracy"] == 1.0
    assert items["threshold_as_award"] == 0


def test_a_dropped_sentence_lowers_coverage_and_a_threshold_award_is_counted():
    result = score_extraction([GOLD], [_item(REVENUE, award=2000)])
    assert result["items"]["sentence_coverage"] == 0.5  # 具有独立法人资格 produced nothing
    assert result["items"]["threshold_as_award"] == 1 and result["items"]["amount_accuracy"] == 0.0


def test_calling_an_unchecked_item_met_is_a_false_met():
    profile = EnterpriseProfile("E1", "甲公司", revenue=3000)
    rows = [{"enterprise_id": "E1", "file": "a.md", "title": "升规奖励", "decision": "unknown"}]
    [everything, _] = score_decisions(
        [_item(REVENUE)], [GOLD], [profile], rows, date(2025, 9, 30), "extracted"
    )
    assert everything["false_met"] == 1 and everything["accuracy"] == 0.0
    [everything, _] = score_decisions(
        [_item(REVENUE, REVIEW)], [GOLD], [profile], rows, date(2025, 9, 30), "extracted"
    )
    assert everything["false_met"] == 0 and everything["accuracy"] == 1.0
