"""Enterprise scale (大/中/小/微) per 统计上大中小微型企业划分办法（2017）.

Owns the thresholds by industry and the classification, for one enterprise or for whole numpy
columns at once. The rule: 大, 中 and 小 need every listed indicator at or above its lower bound,
otherwise the enterprise drops a tier; what meets none is 微. With a missing indicator the result
is the set of tiers still possible (bit mask: 大=1, 中=2, 小=4, 微=8), so a condition such as
"中小微企业" can still be decided when only 大 is ruled out. Industries the rules treat separately
(金融业, 房地产业 needs the 4-digit class, public administration) give every tier: unknown.
Leaves reading profiles to ``profiles`` and condition logic to ``columns``.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from assistant.policy_matching.conditions import SCALES

Bounds = tuple[float | None, float | None, float | None]  # employees (人), revenue (万元), assets (万元)
ALL_TIERS = 15

# (first division, last division, name, lower bounds of 大, 中, 小)
RULES: list[tuple[int, int, str, tuple[Bounds, Bounds, Bounds]]] = [
    (1, 5, "农、林、牧、渔业", ((None, 20000, None), (None, 500, None), (None, 50, None))),
    (6, 46, "工业", ((1000, 40000, None), (300, 2000, None), (20, 300, None))),
    (47, 50, "建筑业", ((None, 80000, 80000), (None, 6000, 5000), (None, 300, 300))),
    (51, 51, "批发业", ((200, 40000, None), (20, 5000, None), (5, 1000, None))),
    (52, 52, "零售业", ((300, 20000, None), (50, 500, None), (10, 100, None))),
    (53, 58, "交通运输业", ((1000, 30000, None), (300, 3000, None), (20, 200, None))),
    (59, 59, "仓储业", ((200, 30000, None), (100, 1000, None), (20, 100, None))),
    (60, 60, "邮政业", ((1000, 30000, None), (300, 2000, None), (20, 100, None))),
    (61, 62, "住宿和餐饮业", ((300, 10000, None), (100, 2000, None), (10, 100, None))),
    (63, 64, "信息传输业", ((2000, 100000, None), (100, 1000, None), (10, 100, None))),
    (65, 65, "软件和信息技术服务业", ((300, 10000, None), (100, 1000, None), (10, 50, None))),
    (71, 72, "租赁和商务服务业", ((300, None, 120000), (100, None, 8000), (10, None, 100))),
    (73, 90, "其他未列明行业", ((300, None, None), (100, None, None), (10, None, None))),
]


def rule_for(division: int) -> tuple[Bounds, Bounds, Bounds] | None:
    return next((bounds for low, high, _, bounds in RULES if low <= division <= high), None)


def tiers_from_mask(mask: int) -> list[str]:
    return [scale for bit, scale in enumerate(SCALES) if mask & (1 << bit)]


def classify(
    division: int | None, employees: float | None, revenue: float | None, assets: float | None
) -> int:
    """The tiers still possible for one enterprise, as a bit mask."""
    column = classify_columns(
        np.array([-1 if division is None else division]),
        np.array([np.nan if employees is None else employees], dtype=float),
        np.array([np.nan if revenue is None else revenue], dtype=float),
        np.array([np.nan if assets is None else assets], dtype=float),
    )
    return int(column[0])


def classify_columns(
    division: npt.NDArray[np.integer],
    employees: npt.NDArray[np.floating],
    revenue: npt.NDArray[np.floating],
    assets: npt.NDArray[np.floating],
) -> npt.NDArray[np.uint8]:
    """Possible tiers of every enterprise (columns aligned; -1 / NaN for missing)."""
    mask = np.full(division.shape, ALL_TIERS, dtype=np.uint8)
    indicators = (employees, revenue, assets)
    for low, high, _, bounds in RULES:
        rows = (division >= low) & (division <= high)
        if rows.any():
            mask[rows] = _tiers_for(bounds, [values[rows] for values in indicators])
    return mask


def _tiers_for(
    bounds: tuple[Bounds, Bounds, Bounds], indicators: list[npt.NDArray[np.floating]]
) -> npt.NDArray[np.uint8]:
    size = len(indicators[0])
    possible = np.zeros(size, dtype=np.uint8)
    settled = np.zeros(size, dtype=bool)  # a tier was certainly met: lower tiers are impossible
    for bit, tier_bounds in enumerate(bounds):
        certain = np.ones(size, dtype=bool)
        failed = np.zeros(size, dtype=bool)
        for values, bound in zip(indicators, tier_bounds, strict=True):
            if bound is None:
                continue
            missing = np.isnan(values)
            failed |= ~missing & (values < bound)
            certain &= ~missing & (values >= bound)
        reachable = ~settled & ~failed
        possible[reachable] |= np.uint8(1 << bit)
        settled |= reachable & certain
    possible[~settled] |= np.uint8(8)
    return possible
