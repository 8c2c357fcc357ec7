"""Build the out-of-sample set's generated files, independently of ``assistant``.

* ``profiles``: writes ``enterprises.csv``, 150 fictional 示例市 enterprise profiles (seeded random,
  Chinese headers, the in-sample columns plus R&D amount, trade volumes and growth, new jobs; some
  cells blank on purpose, numbers spread across the thresholds the documents use);
* ``gold`` (the default): reads ``gold_conditions.json`` (hand-written from the policy texts) and
  ``enterprises.csv`` and writes ``gold_decisions.csv`` with the expected decision of every
  enterprise × item pair, by the plain row-by-row rules of ``eval_sets/policy_matching/make_gold.py``
  (which imports nothing from ``assistant``).

    python -m eval_sets.policy_matching_oos.make_gold            # gold only
    python -m eval_sets.policy_matching_oos.make_gold profiles   # regenerate the profiles, then gold
    python -m eval_sets.policy_matching_oos.make_gold profiles eval_sets/policy_matching_holdout  # another set
"""

from __future__ import annotations

import csv
import json
import random
import sys
from datetime import date
from pathlib import Path

from eval_sets.policy_matching.make_gold import HEADERS, NUMERIC, condition_decision, item_decision

HERE = Path(__file__).resolve().parent
EXTRA = [
    "rd_amount",
    "trade_value",
    "export_value",
    "import_value",
    "export_growth",
    "revenue_growth",
    "new_jobs",
]
ALL_HEADERS = HEADERS + [NUMERIC[name] for name in EXTRA]

REGIONS = [
    ("示例市东湖区", 25),
    ("示例市西山区", 15),
    ("示例市高新区", 20),
    ("示例市临港区", 20),
    ("示例市南城区", 8),
    ("邻江市", 8),
    ("示例省青山市", 4),
]
INDUSTRIES = [  # (code prefix, weight, name word)
    ("C34", 8, "装备"),
    ("C35", 8, "机械"),
    ("C39", 10, "电子"),
    ("C26", 5, "化工"),
    ("C13", 4, "食品"),
    ("B09", 2, "矿业"),
    ("D44", 2, "能源"),
    ("F51", 8, "贸易"),
    ("F52", 6, "商贸"),
    ("G54", 4, "运输"),
    ("G59", 5, "仓储"),
    ("G58", 4, "航运"),
    ("I65", 8, "软件"),
    ("M73", 4, "科技"),
    ("R87", 5, "文化"),
    ("H61", 3, "酒店"),
    ("A01", 4, "农业"),
    ("K70", 2, "置业"),
    ("J66", 1, "金融"),
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
    "远航",
    "明德",
    "致远",
    "天成",
]
QUALIFICATIONS = [
    "高新技术企业",
    "科技型中小企业",
    "专精特新中小企业",
    "专精特新“小巨人”企业",
    "农业产业化重点龙头企业",
    "制造业单项冠军企业",
]


def _blank(rng: random.Random, value: object, share: float = 0.05) -> str:
    return "" if rng.random() < share else str(value)


def _qualifications(rng: random.Random, prefix: str) -> str:
    held = []
    for name, letters, share in [
        ("高新技术企业", "CIM", 0.4),
        ("科技型中小企业", "CIM", 0.3),
        ("专精特新中小企业", "C", 0.3),
        ("专精特新“小巨人”企业", "C", 0.1),
        ("农业产业化重点龙头企业", "A", 0.5),
        ("制造业单项冠军企业", "C", 0.05),
    ]:
        if prefix[0] in letters and rng.random() < share:
            held.append(name)
    return "、".join(held) or "无"


def _profile(rng: random.Random, number: int) -> dict[str, str]:
    prefix, _, word = rng.choices(INDUSTRIES, weights=[i[1] for i in INDUSTRIES])[0]
    revenue = round(10 ** rng.uniform(1.7, 5.0), 1)  # 50 万元 to 10 亿元
    employees = max(3, int(revenue / rng.uniform(20, 120)))
    rd_ratio = round(rng.uniform(0, 12), 1) if prefix[0] in "CIM" else round(rng.uniform(0, 3), 1)
    trade = round(10 ** rng.uniform(0.5, 4.0), 1) if rng.random() < 0.6 else 0.0
    export = round(trade * rng.uniform(0.2, 0.9), 1)
    founded = date(rng.randint(2005, 2025), rng.randint(1, 12), rng.randint(1, 28))
    if founded > date(2025, 9, 1):
        founded = date(2025, 3, 1)
    return {
        "企业编号": f"Q{number:04d}",
        "企业名称": f"示例{rng.choice(NAME_WORDS)}{word}有限公司",
        "统一社会信用代码": "91" + "".join(rng.choice("0123456789ABCDEFGHJKLMNPQRTUWXY") for _ in range(16)),
        "注册地": _blank(rng, rng.choices([r[0] for r in REGIONS], weights=[r[1] for r in REGIONS])[0], 0.03),
        "行业代码": _blank(rng, f"{prefix}{rng.randint(1, 9)}{rng.randint(0, 9)}", 0.03),
        "成立日期": _blank(rng, founded.isoformat(), 0.03),
        "从业人员（人）": _blank(rng, employees),
        "上年度营业收入（万元）": _blank(rng, revenue),
        "资产总额（万元）": _blank(rng, round(revenue * rng.uniform(0.3, 2.5), 1)),
        "研发费用占营业收入比例（%）": _blank(rng, rd_ratio),
        "上年度纳税总额（万元）": _blank(rng, round(revenue * rng.uniform(0.01, 0.08), 1)),
        "资质": _blank(rng, _qualifications(rng, prefix)),
        "纳税信用等级": _blank(rng, rng.choices("ABMCD", weights=[40, 32, 15, 10, 3])[0]),
        "是否列入严重失信主体名单": _blank(rng, rng.choices(["否", "是"], weights=[94, 6])[0]),
        "上年度研发费用（万元）": _blank(rng, round(revenue * rd_ratio / 100, 1)),
        "上年度进出口额（万美元）": _blank(rng, trade),
        "上年度出口额（万美元）": _blank(rng, export),
        "上年度进口额（万美元）": _blank(rng, round(trade - export, 1)),
        "上年度出口额增长率（%）": _blank(rng, round(rng.uniform(-20, 40), 1) if export else 0.0),
        "上年度营业收入增长率（%）": _blank(rng, round(rng.uniform(-15, 35), 1)),
        "上年度新增就业人数（人）": _blank(rng, rng.randint(0, max(1, employees // 3))),
    }


def write_profiles(path: Path, count: int = 150, seed: int = 20250930) -> None:
    rng = random.Random(seed)
    with path.open("w", encoding="utf-8-sig", newline="") as out:
        writer = csv.DictWriter(out, fieldnames=ALL_HEADERS)
        writer.writeheader()
        for number in range(1, count + 1):
            writer.writerow(_profile(rng, number))


def gold_conditions(item: dict) -> list[dict]:
    """The [kind, operator, value, unit, sentence] rows of an item as condition dicts."""
    keys = ("kind", "operator", "value", "unit", "sentence")
    return [dict(zip(keys, row, strict=True)) for row in item["conditions"]]


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
                decision = item_decision([condition_decision(c, row, as_of) for c in gold_conditions(item)])
                writer.writerow([row["企业编号"], item["file"], item["title"], decision])


if __name__ == "__main__":
    folders = [Path(arg) for arg in sys.argv[1:] if arg != "profiles"]
    folder = folders[0] if folders else HERE
    if "profiles" in sys.argv[1:]:
        write_profiles(folder / "enterprises.csv", seed=sum(folder.name.encode()) if folders else 20250930)
    write_gold(folder / "gold_conditions.json", folder / "enterprises.csv", folder / "gold_decisions.csv")
