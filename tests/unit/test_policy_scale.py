"""Enterprise scale per 统计上大中小微型企业划分办法（2017）, with missing indicators."""

from __future__ import annotations

import pytest

from assistant.policy_matching.scale import classify, tiers_from_mask


def _tiers(division, employees, revenue, assets=None):
    return tiers_from_mask(classify(division, employees, revenue, assets))


@pytest.mark.parametrize(
    ("division", "employees", "revenue", "assets", "expected"),
    [
        (35, 1200, 50000, None, ["大"]),
        (35, 1200, 30000, None, ["中"]),  # 大 needs both indicators: drops a tier
        (35, 300, 2000, None, ["中"]),
        (35, 299, 2000, None, ["小"]),
        (35, 19, 5000, None, ["微"]),
        (65, 50, 800, None, ["小"]),  # software: 小 from 10 people and 50 万元
        (65, 150, 1500, None, ["中"]),
        (52, 60, 600, None, ["中"]),  # retail
        (1, None, 600, None, ["中"]),  # agriculture: revenue only
        (48, None, 7000, 6000, ["中"]),  # construction: revenue and assets
        (74, 120, None, None, ["中"]),  # other services: employees only
    ],
)
def test_classification_follows_the_national_rules(division, employees, revenue, assets, expected):
    assert _tiers(division, employees, revenue, assets) == expected


def test_missing_indicator_leaves_every_tier_it_cannot_rule_out():
    assert _tiers(35, 500, None) == ["中", "小", "微"]  # under 1000 people: not 大
    assert _tiers(35, 250, None) == ["小", "微"]  # under 300 people: neither 大 nor 中


def test_industry_without_rules_or_unknown_is_undecided():
    assert _tiers(66, 10, 10) == ["大", "中", "小", "微"]  # 金融业 has its own rules
    assert _tiers(None, 10, 10) == ["大", "中", "小", "微"]
