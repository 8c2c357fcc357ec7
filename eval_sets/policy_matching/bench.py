"""``govassist bench match``: extraction quality, decision accuracy and matching speed.

Runs on this folder by default: ``policies/`` (10 documents, 29 items), ``gold_conditions.json``
(hand-written), ``enterprises.csv`` (200 profiles) and ``gold_decisions.csv`` (from
``make_gold.py``, an implementation independent of ``assistant``). Speed is measured on a synthetic
scale-up: profiles resampled with jittered numbers to 10,000 enterprises, items copied with jittered
thresholds to 500.
"""

from __future__ import annotations

import csv
import json
import random
import statistics
import time
from collections import Counter
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

from assistant.config import Settings
from assistant.policy_matching.columns import ProfileColumns
from assistant.policy_matching.conditions import NUMERIC_KINDS, Condition, PolicyItem
from assistant.policy_matching.extraction import extract_path
from assistant.policy_matching.matching import Matcher
from assistant.policy_matching.profiles import EnterpriseProfile, read_profiles

HERE = Path(__file__).resolve().parent
_NAMES = {1: "met", 0: "not_met", 2: "unknown"}
Key = tuple[str, str, Any]


def _key(kind: str, operator: str, value: Any) -> Key:
    if kind == "free_text":
        return (kind, operator, "")
    return (kind, operator, tuple(sorted(value)) if isinstance(value, list) else float(value) if isinstance(value, int | float) else value)


def _gold_items(gold: dict[str, Any]) -> list[PolicyItem]:
    return [
        PolicyItem(f"gold-{n}", g["title"], "", g["file"], "", conditions=[Condition(c["kind"], c["operator"], c["value"]) for c in g["conditions"]])
        for n, g in enumerate(gold["items"])
    ]


def score_extraction(gold: dict[str, Any], extracted: dict[tuple[str, str], PolicyItem]) -> dict[str, Any]:
    counts: dict[str, Counter[str]] = {}
    items_found = windows = amounts = 0
    for g in gold["items"]:
        item = extracted.get((g["file"], g["title"]))
        wanted = Counter(_key(c["kind"], c["operator"], c["value"]) for c in g["conditions"])
        got = Counter(_key(c.kind, c.operator, c.value) for c in item.conditions) if item else Counter()
        if item:
            items_found += 1
            windows += [str(item.window_start), str(item.window_end)] == g["window"]
            amounts += item.max_amount_wan == g["max_amount_wan"]
        for key in wanted | got:
            tally = counts.setdefault(key[0], Counter())
            tally["gold"] += wanted[key]
            tally["extracted"] += got[key]
            tally["correct"] += min(wanted[key], got[key])
    rows = [_pr_row(kind, tally) for kind, tally in sorted(counts.items())]
    rows.append(_pr_row("all", sum(counts.values(), Counter())))
    total = len(gold["items"])
    return {"rows": rows, "items": {"gold_items": total, "items_found": items_found, "extra_items": len(extracted) - items_found,
                                    "window_accuracy": windows / total, "amount_accuracy": amounts / total}}


def _pr_row(kind: str, tally: Counter[str]) -> dict[str, Any]:
    return {"condition_type": kind, "gold": tally["gold"], "extracted": tally["extracted"], "correct": tally["correct"],
            "precision": tally["correct"] / tally["extracted"] if tally["extracted"] else None,
            "recall": tally["correct"] / tally["gold"] if tally["gold"] else None}


def score_decisions(items: list[PolicyItem], profiles: list[EnterpriseProfile], gold_rows: list[dict[str, str]],
                    as_of: date, source: str) -> list[dict[str, Any]]:
    matrix = Matcher(items).decide(ProfileColumns.from_profiles(profiles), as_of)
    row_of = {(Path(item.source).name, item.title): n for n, item in enumerate(items)}
    column_of = {p.enterprise_id: n for n, p in enumerate(profiles)}
    tallies: dict[str, Counter[str]] = {}
    for gold in gold_rows:
        row = row_of.get((gold["file"], gold["title"]))
        predicted = "missing" if row is None else _NAMES[int(matrix[row, column_of[gold["enterprise_id"]]])]
        for bucket in ("all", gold["decision"]):
            tally = tallies.setdefault(bucket, Counter())
            tally["pairs"] += 1
            tally["correct"] += predicted == gold["decision"]
    return [{"conditions": source, "gold_decision": bucket, "pairs": t["pairs"], "correct": t["correct"],
             "accuracy": t["correct"] / t["pairs"]} for bucket, t in sorted(tallies.items())]


def _scaled_profiles(profiles: list[EnterpriseProfile], count: int, rng: random.Random) -> list[EnterpriseProfile]:
    scaled = []
    for n in range(count):
        base = rng.choice(profiles)
        jitter: dict[str, Any] = {f: None if getattr(base, f) is None else round(getattr(base, f) * rng.uniform(0.5, 1.5), 1)
                  for f in ("employees", "revenue", "assets", "tax_paid")}
        scaled.append(replace(base, enterprise_id=f"S{n:06d}", **jitter))
    return scaled


def _scaled_items(items: list[PolicyItem], count: int, rng: random.Random) -> list[PolicyItem]:
    scaled = []
    for n in range(count):
        base = items[n % len(items)]
        conditions = [replace(c, value=round(c.value * rng.uniform(0.5, 1.5), 1)) if c.kind in NUMERIC_KINDS else c
                      for c in base.conditions]
        scaled.append(replace(base, item_id=f"{base.item_id}-s{n}", conditions=conditions))
    return scaled


def measure_speed(items: list[PolicyItem], profiles: list[EnterpriseProfile], as_of: date,
                  enterprises: int, item_count: int) -> list[dict[str, Any]]:
    rng = random.Random(7)
    many_profiles, many_items = _scaled_profiles(profiles, enterprises, rng), _scaled_items(items, item_count, rng)
    matcher = Matcher(many_items)
    started = time.perf_counter()
    columns = ProfileColumns.from_profiles(many_profiles)
    build_s = time.perf_counter() - started
    match_runs = []
    for _ in range(3):
        started = time.perf_counter()
        matcher.decide(columns, as_of)
        match_runs.append(time.perf_counter() - started)
    one_runs = []
    for profile in many_profiles[:30]:
        started = time.perf_counter()
        matcher.for_enterprise(profile, as_of, include_not_met=True, include_expired=True)
        one_runs.append((time.perf_counter() - started) * 1000)
    return [
        {"measure": f"{enterprises} 家企业 × {item_count} 个事项：建列", "runs": 1, "median_ms": build_s * 1000, "max_ms": build_s * 1000},
        {"measure": f"{enterprises} 家企业 × {item_count} 个事项：判定", "runs": 3, "median_ms": statistics.median(match_runs) * 1000,
         "max_ms": max(match_runs) * 1000},
        {"measure": f"1 家企业 × {item_count} 个事项（含逐条解释）", "runs": len(one_runs),
         "median_ms": statistics.median(one_runs), "max_ms": max(one_runs)},
    ]


def run(folder: Path = HERE, enterprises: int = 10_000, items: int = 500) -> dict[str, Any]:
    gold = json.loads((folder / "gold_conditions.json").read_text(encoding="utf-8"))
    as_of = date.fromisoformat(gold["as_of"])
    regions = Settings(_env_file=None).policy_matching.regions
    extracted_items = [item for path in sorted((folder / "policies").glob("*.md")) for item in extract_path(path, regions)]
    extracted = {(Path(item.source).name, item.title): item for item in extracted_items}
    report = read_profiles(folder / "enterprises.csv")
    with (folder / "gold_decisions.csv").open(encoding="utf-8", newline="") as source:
        gold_rows = list(csv.DictReader(source))
    extraction = score_extraction(gold, extracted)
    decisions = score_decisions(extracted_items, report.profiles, gold_rows, as_of, "extracted")
    decisions += score_decisions(_gold_items(gold), report.profiles, gold_rows, as_of, "gold")
    return {
        "documents": len(list((folder / "policies").glob("*.md"))), "enterprises": len(report.profiles),
        "profile_errors": len(report.errors), "as_of": gold["as_of"], "extraction": extraction["rows"],
        "items": extraction["items"], "decisions": decisions,
        "speed": measure_speed(extracted_items, report.profiles, as_of, enterprises, items),
    }
