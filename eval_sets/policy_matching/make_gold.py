"""Build the policy-matching evaluation set's generated files, independently of ``assistant``.

Owns two steps, both deterministic:

* ``profiles``: writes ``enterprises.csv``, 200 fictional 示例市 enterprise profiles (seeded random,
  Chinese headers, some values left blank on purpose, a few values sitting exactly on thresholds);
* ``gold`` (the default): reads ``gold_conditions.json`` (hand-written from the policy texts) and
  ``enterprises.csv`` and writes ``gold_decisions.csv``: the expected decision (met / not_met /
  unknown) of every enterprise × item pair.

The decision rules below are a plain, row-by-row restatement of the eligibility semantics
(three-valued: a missing profile value makes a condition unknown, free text is always unknown, any
unmet condition makes the item not met). It deliberately imports nothing from ``assistant`` so that
the matcher is scored against a second implementation, not against itself.

    python eval_sets/policy_matching/make_gold.py            # gold only
    python eval_sets/policy_matching/make_gold.py profiles   # regenerate the profiles, then gold
"""

from __future__ import annotations

import csv
import json
import random
import sys
from datetime import date
from pathlib import Path

HERE = Path(__file__).resolve().parent
HEADERS = [
    "企业编号",
    "企业名称",
    "统一社会信用代码",
    "注册地",
    "行业代码",
    "成立日期",
    "从业人员（人）",
    "上年度营业收入（万元）",
    "资产总额（万元）",
    "研发费用占营业收入比例（%）",
    "上年度纳税总额（万元）",
    "资质",
    "纳税信用等级",
    "是否列入严重失信主体名单",
]

# ---------------------------------------------------------------- profiles (seeded)

REGIONS = [
    ("示例市东湖区", 25),
    ("示例市西山区", 20),
    ("示例市高新区", 20),
    ("示例市临港区", 15),
    ("示例市南城区", 10),
    ("邻江市", 6),
    ("示例省青山市", 4),
]
INDUSTRIES = [  # (letter, divisions, weight, name word)
    ("C", [13, 14, 15, 17, 18, 22, 25, 26, 27, 29, 30, 33, 34, 35, 36, 38, 39, 40], 50, "制造"),
    ("I", [65], 12, "软件"),
    ("I", [64], 3, "网络"),
    ("A", [1, 2, 3], 7, "农业"),
    ("G", [59], 5, "仓储"),
    ("F", [51], 6, "贸易"),
    ("F", [52], 5, "商贸"),
    ("M", [73, 74], 7, "科技"),
    ("E", [47], 3, "建设"),
    ("H", [62], 2, "餐饮"),
]
NAME_WORDS = [
    "华信",
    "瑞丰",
    "东升",
    "恒远",
    "鼎新",
    "立达",
    "博联",
    "宏图",
    "启明",
    "嘉禾",
    "海川",
    "正泰",
    "云帆",
    "金桥",
    "新锐",
    "盛世",
    "同创",
    "泰和",
    "安澜",
    "星河",
]
TIERS = {
    "大": (1000, 3000, 40000, 150000),
    "中": (300, 999, 2000, 39999),
    "小": (20, 299, 300, 1999),
    "微": (2, 19, 20, 299),
}


def _pick(rng: random.Random, weighted: list) -> object:
    return rng.choices([w[0] for w in weighted], weights=[w[-1] for w in weighted])[0]


def _blank(rng: random.Random, value: object, share: float) -> str:
    return "" if rng.random() < share else str(value)


def _qualifications(rng: random.Random, letter: str, tier: str) -> list[str]:
    found: list[str] = []
    tech = letter in "CIM"
    if tech and rng.random() < 0.3:
        found.append("高新技术企业")
    if tech and tier != "大" and rng.random() < 0.3:
        found.append("科技型中小企业")
    if letter == "C" and tier != "大" and rng.random() < 0.15:
        found.append("专精特新中小企业")
    if letter == "C" and tier in ("中", "小") and rng.random() < 0.06:
        found.append("专精特新“小巨人”企业")
    if letter == "A" and rng.random() < 0.4:
        found.append("农业产业化重点龙头企业")
    return found


def _profile(rng: random.Random, number: int) -> dict[str, str]:
    letter, divisions, _, word = rng.choices(INDUSTRIES, weights=[i[2] for i in INDUSTRIES])[0]
    division = rng.choice(divisions)
    tier = str(_pick(rng, [("大", 5), ("中", 20), ("小", 40), ("微", 35)]))
    low_e, high_e, low_r, high_r = TIERS[tier]
    revenue = (
        round(rng.uniform(low_r, high_r), 1) if rng.random() > 0.05 else rng.choice([500, 1000, 2000, 5000])
    )
    founded = date(rng.randint(1998, 2024), rng.randint(1, 12), rng.randint(1, 28))
    if number % 40 == 7:
        founded = date(2023, 6, 30)  # exactly two years on the evaluation date
    if number % 37 == 3:
        founded = date(2024, 11, rng.randint(1, 28))  # under one year
    rd = round(rng.uniform(0, 9), 1) if letter in "CIM" else round(rng.uniform(0, 2), 1)
    if number % 25 == 4:
        rd = 3.0
    quals = _qualifications(rng, letter, tier)
    return {
        "企业编号": f"E{number:04d}",
        "企业名称": f"示例{rng.choice(NAME_WORDS)}{word}{'股份' if tier == '大' else ''}有限公司",
        "统一社会信用代码": "91" + "".join(rng.choice("0123456789ABCDEFGHJKLMNPQRTUWXY") for _ in range(16)),
        "注册地": _blank(rng, _pick(rng, REGIONS), 0.03),
        "行业代码": _blank(rng, f"{letter}{division:02d}{rng.randint(1, 9)}{rng.randint(0, 9)}", 0.04),
        "成立日期": _blank(rng, founded.isoformat(), 0.03),
        "从业人员（人）": _blank(rng, rng.randint(low_e, high_e), 0.06),
        "上年度营业收入（万元）": _blank(rng, revenue, 0.06),
        "资产总额（万元）": _blank(rng, round(revenue * rng.uniform(0.4, 2.5), 1), 0.08),
        "研发费用占营业收入比例（%）": _blank(rng, rd, 0.10),
        "上年度纳税总额（万元）": _blank(rng, round(revenue * rng.uniform(0.01, 0.08), 1), 0.08),
        "资质": _blank(rng, "、".join(quals) or "无", 0.08),
        "纳税信用等级": _blank(rng, _pick(rng, [("A", 35), ("B", 35), ("M", 15), ("C", 8), ("D", 2)]), 0.05),
        "是否列入严重失信主体名单": _blank(rng, _pick(rng, [("否", 92), ("是", 3)]), 0.05),
    }


def write_profiles(path: Path, count: int = 200, seed: int = 20250630) -> None:
    rng = random.Random(seed)
    with path.open("w", encoding="utf-8-sig", newline="") as out:
        writer = csv.DictWriter(out, fieldnames=HEADERS)
        writer.writeheader()
        for number in range(1, count + 1):
            writer.writerow(_profile(rng, number))


# ---------------------------------------------------------------- gold decisions

# 统计上大中小微型企业划分办法（2017）: per industry, the lower bounds of 大, 中, 小 on
# (employees, revenue 万元, assets 万元); None = not used for that industry.
SCALE_RULES = {
    "agriculture": [(None, 20000, None), (None, 500, None), (None, 50, None)],
    "industry": [(1000, 40000, None), (300, 2000, None), (20, 300, None)],
    "construction": [(None, 80000, 80000), (None, 6000, 5000), (None, 300, 300)],
    "wholesale": [(200, 40000, None), (20, 5000, None), (5, 1000, None)],
    "retail": [(300, 20000, None), (50, 500, None), (10, 100, None)],
    "warehousing": [(200, 30000, None), (100, 1000, None), (20, 100, None)],
    "catering": [(300, 10000, None), (100, 2000, None), (10, 100, None)],
    "telecom": [(2000, 100000, None), (100, 1000, None), (10, 100, None)],
    "software": [(300, 10000, None), (100, 1000, None), (10, 50, None)],
    "transport": [(1000, 30000, None), (300, 3000, None), (20, 200, None)],
    "postal": [(1000, 30000, None), (300, 2000, None), (20, 100, None)],
    "leasing": [(300, None, 120000), (100, None, 8000), (10, None, 100)],
    "other": [(300, None, None), (100, None, None), (10, None, None)],
}


def _rule_name(code: str) -> str:
    letter, division = code[0], int(code[1:3])
    if letter == "A":
        return "agriculture"
    if letter in "BCD":
        return "industry"
    if letter == "E":
        return "construction"
    if letter == "F":
        return "wholesale" if division == 51 else "retail"
    if letter == "G":
        return {59: "warehousing", 60: "postal"}.get(division, "transport")
    if letter == "L":
        return "leasing"
    if letter == "H":
        return "catering"
    if letter == "I":
        return "software" if division == 65 else "telecom"
    return "other"


def _number(text: str) -> float | None:
    return float(text) if text.strip() else None


def possible_scales(row: dict[str, str]) -> set[str]:
    # 金融业 and 房地产业 (J, K) have their own rules, 居民服务 ... (S, T) none: every tier stays possible.
    if not row["行业代码"] or row["行业代码"][0] in "JKST":
        return {"大", "中", "小", "微"}
    values = [
        _number(row["从业人员（人）"]),
        _number(row["上年度营业收入（万元）"]),
        _number(row["资产总额（万元）"]),
    ]
    possible: set[str] = set()
    for tier, bounds in zip(("大", "中", "小"), SCALE_RULES[_rule_name(row["行业代码"])], strict=True):
        checks = [
            None if value is None else value >= bound
            for value, bound in zip(values, bounds, strict=True)
            if bound is not None
        ]
        if False in checks:
            continue
        possible.add(tier)
        if None not in checks:
            return possible
    possible.add("微")
    return possible


def _whole_years(founded: str, as_of: date) -> int:
    start = date.fromisoformat(founded)
    return as_of.year - start.year - ((as_of.month, as_of.day) < (start.month, start.day))


def _compare(value: float, operator: str, bound: float) -> bool:
    return {">=": value >= bound, ">": value > bound, "<=": value <= bound, "<": value < bound}[operator]


def _in_ranges(code: str, ranges: list[str]) -> bool:
    for text in ranges:
        first, _, last = text.partition("-")
        last = last or first
        # Division numbers are unique across sections, so B06-D46 (工业) spans three sections.
        if int(first[1:3]) <= int(code[1:3]) <= int(last[1:3]):
            return True
    return False


NUMERIC = {
    "revenue": "上年度营业收入（万元）",
    "employees": "从业人员（人）",
    "rd_ratio": "研发费用占营业收入比例（%）",
    "tax_paid": "上年度纳税总额（万元）",
    "assets": "资产总额（万元）",
    "rd_amount": "上年度研发费用（万元）",
    "trade_value": "上年度进出口额（万美元）",
    "export_value": "上年度出口额（万美元）",
    "import_value": "上年度进口额（万美元）",
    "export_growth": "上年度出口额增长率（%）",
    "revenue_growth": "上年度营业收入增长率（%）",
    "new_jobs": "上年度新增就业人数（人）",
}
# The one 失信 list a profile records; a condition on another list (失信被执行人 ...) stays unknown.
PROFILE_LIST = "严重失信主体名单"


def condition_decision(condition: dict, row: dict[str, str], as_of: date) -> str:  # noqa: C901 - one branch per kind
    kind, operator, value = condition["kind"], condition["operator"], condition["value"]
    if kind == "free_text" or (kind == "credit_record" and value != PROFILE_LIST):
        return "unknown"
    if kind == "scale":
        possible = possible_scales(row)
        return "met" if possible <= set(value) else "not_met" if not possible & set(value) else "unknown"
    raw = (
        {
            "region": row["注册地"],
            "industry": row["行业代码"],
            "years_registered": row["成立日期"],
            "qualification": row["资质"],
            "credit_rating": row["纳税信用等级"],
            "credit_record": row["是否列入严重失信主体名单"],
        }.get(kind)
        if kind not in NUMERIC
        else row.get(NUMERIC[kind], "")
    )
    if not raw:
        return "unknown"
    if kind == "region":
        ok = any(raw.startswith(place) for place in value)
    elif kind == "industry":
        ok = _in_ranges(raw, value) == (operator == "in")
    elif kind == "years_registered":
        ok = _compare(_whole_years(raw, as_of), operator, value)
    elif kind in NUMERIC:
        ok = _compare(float(raw), operator, value)
    elif kind == "qualification":
        held = set(raw.split("、")) - {"无"}
        if "专精特新“小巨人”企业" in held:
            held.add("专精特新中小企业")
        ok = bool(held & set(value))
    elif kind == "credit_rating":
        ok = raw in value
    elif kind == "credit_record":
        ok = raw == "否"
    else:
        raise ValueError(f"unknown condition kind {kind}")
    return "met" if ok else "not_met"


def item_decision(decisions: list[str]) -> str:
    if "not_met" in decisions:
        return "not_met"
    return "unknown" if "unknown" in decisions else "met"


def write_gold(conditions_path: Path, profiles_path: Path, out_path: Path) -> None:
    gold = json.loads(conditions_path.read_text(encoding="utf-8"))
    as_of = date.fromisoformat(gold["as_of"])
    with profiles_path.open(encoding="utf-8-sig", newline="") as source:
        rows = list(csv.DictReader(source))
    with out_path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["enterprise_id", "file", "title", "decision"])
        for row in rows:
            for item in gold["items"]:
                decision = item_decision([condition_decision(c, row, as_of) for c in item["conditions"]])
                writer.writerow([row["企业编号"], item["file"], item["title"], decision])


if __name__ == "__main__":
    if "profiles" in sys.argv[1:]:
        write_profiles(HERE / "enterprises.csv")
    write_gold(HERE / "gold_conditions.json", HERE / "enterprises.csv", HERE / "gold_decisions.csv")
