"""``govassist bench match``: extraction quality, decision accuracy and matching speed, reported
separately for the in-sample set (this folder: the ten documents the rules were first written
against), the out-of-sample set (``eval_sets/policy_matching_oos``: written, with its gold, before
the extraction rules were changed for it) and three more held-out sets (``policy_matching_holdout``,
``policy_matching_fresh``, ``policy_matching_unseen``: each written after the previous one had been
studied, and committed before the rules were run on it). Each set's README says what it has seen since.

Per set: typed-condition precision and recall by condition type (``free_text``, i.e. 待核实, is
not a type and is counted apart); sentence coverage, the share of gold eligibility sentences for
which the item got a condition (typed, or 待核实 quoting the sentence); 受理部门, application window
and maximum award correctness per item, and how many items report a threshold as their award;
decision accuracy per gold decision, and how many pairs were called 符合 where the gold is not.
Gold decisions come from ``make_gold.py``, an implementation independent of ``assistant``. Speed is
measured on a synthetic scale-up of the in-sample set.
"""

from __future__ import annotations

import csv
import json
import random
import re
import statistics
import time
from collections import Counter
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Any

from assistant.config import Settings
from assistant.policy_matching.clauses import normalise
from assistant.policy_matching.columns import ProfileColumns
from assistant.policy_matching.conditions import NUMERIC_KINDS, Condition, PolicyItem
from assistant.policy_matching.extraction import extract_path
from assistant.policy_matching.matching import Matcher
from assistant.policy_matching.profiles import EnterpriseProfile, read_profiles

HERE = Path(__file__).resolve().parent
OUT_OF_SAMPLE = HERE.parent / "policy_matching_oos"
HOLDOUT = HERE.parent / "policy_matching_holdout"
FRESH = HERE.parent / "policy_matching_fresh"
UNSEEN = HERE.parent / "policy_matching_unseen"
SETS = (HERE, OUT_OF_SAMPLE, HOLDOUT, FRESH, UNSEEN)
_NAMES = {1: "met", 0: "not_met", 2: "unknown"}
_SUFFIXES = (".md", ".html", ".txt", ".docx")
_AMOUNT = re.compile(r"(\d+(?:\.\d+)?)(万元|亿元)")
Key = tuple[str, str, Any]


@dataclass
class GoldItem:
    file: str
    title: str
    department: str | None
    window: list[str | None]
    max_amount_wan: float | None
    conditions: list[dict[str, Any]]  # kind, operator, value, and (out-of-sample) unit, sentence


def load_gold(folder: Path) -> tuple[date, list[GoldItem]]:
    """Both gold formats: dict conditions (in-sample) and [kind, operator, value, unit, sentence] rows."""
    gold = json.loads((folder / "gold_conditions.json").read_text(encoding="utf-8"))
    items = []
    for g in gold["items"]:
        conditions = [
            c
            if isinstance(c, dict)
            else dict(zip(("kind", "operator", "value", "unit", "sentence"), c, strict=True))
            for c in g["conditions"]
        ]
        items.append(
            GoldItem(g["file"], g["title"], g.get("department"), g["window"], g["max_amount_wan"], conditions)
        )
    return date.fromisoformat(gold["as_of"]), items


def _key(kind: str, operator: str, value: Any) -> Key:
    return (
        kind,
        operator,
        tuple(sorted(value))
        if isinstance(value, list)
        else float(value)
        if isinstance(value, int | float)
        else value,
    )


def _plain(text: str) -> str:
    return re.sub(r"[\W_]", "", normalise(text))


def _gold_conditions(item: GoldItem) -> list[Condition]:
    return [Condition(c["kind"], c["operator"], c["value"], c.get("sentence", "")) for c in item.conditions]


def find_item(gold: GoldItem, extracted: list[PolicyItem]) -> PolicyItem | None:
    """The extracted item of a gold item: same file, same title (or one title containing the other)."""
    same_file = [item for item in extracted if Path(item.source).name == gold.file]
    title = _plain(gold.title)
    exact = [item for item in same_file if _plain(item.title) == title]
    near = [
        item
        for item in same_file
        if title in _plain(item.title) or (_plain(item.title) and _plain(item.title) in title)
    ]
    return next(iter(exact or near), None)


def _covered(sentence: str, gold: list[dict[str, Any]], item: PolicyItem) -> bool:
    """Whether a gold eligibility sentence produced a condition: a typed one of a kind the sentence
    states, taken from that sentence, or a 待核实 one quoting it."""
    plain = _plain(sentence)
    kinds = {c["kind"] for c in gold if c.get("sentence") == sentence and c["kind"] != "free_text"}
    for condition in item.conditions:
        if condition.kind == "free_text":
            value = _plain(str(condition.value))
            if value and (plain in value or value in plain):
                return True
        elif condition.kind in kinds and plain in _plain(condition.sentence):
            return True
    return False


def _thresholds(item: GoldItem) -> set[float]:
    found = {float(c["value"]) for c in item.conditions if c.get("unit") == "万元"}
    for c in item.conditions:
        found |= {
            float(n) * (10000 if unit == "亿元" else 1)
            for n, unit in _AMOUNT.findall(normalise(c.get("sentence", "")))
        }
    return found - {item.max_amount_wan}


def score_extraction(gold_items: list[GoldItem], extracted: list[PolicyItem]) -> dict[str, Any]:
    counts: dict[str, Counter[str]] = {}
    tally: Counter[str] = Counter()
    for gold in gold_items:
        item = find_item(gold, extracted)
        typed = [c for c in gold.conditions if c["kind"] != "free_text"]
        wanted = Counter(_key(c["kind"], c["operator"], c["value"]) for c in typed)
        got = (
            Counter(_key(c.kind, c.operator, c.value) for c in item.conditions if c.kind != "free_text")
            if item
            else Counter()
        )
        for key in wanted | got:
            kind_tally = counts.setdefault(key[0], Counter())
            kind_tally["gold"] += wanted[key]
            kind_tally["extracted"] += got[key]
            kind_tally["correct"] += min(wanted[key], got[key])
        sentences = list(dict.fromkeys(c["sentence"] for c in gold.conditions if c.get("sentence")))
        tally["sentences"] += len(sentences)
        tally["gold_review"] += sum(c["kind"] == "free_text" for c in gold.conditions)
        if item is None:
            continue
        tally["found"] += 1
        tally["covered"] += sum(_covered(s, gold.conditions, item) for s in sentences)
        tally["review"] += sum(c.kind == "free_text" for c in item.conditions)
        tally["windows"] += [
            None if d is None else str(d) for d in (item.window_start, item.window_end)
        ] == gold.window
        tally["amounts"] += item.max_amount_wan == gold.max_amount_wan
        tally["threshold_as_award"] += item.max_amount_wan is not None and item.max_amount_wan in _thresholds(
            gold
        )
        tally["departments"] += gold.department is not None and _plain(item.department) == _plain(
            gold.department
        )
    rows = [_pr_row(kind, kind_tally) for kind, kind_tally in sorted(counts.items())]
    rows.append(_pr_row("all_typed", sum(counts.values(), Counter())))
    total = len(gold_items)
    with_department = sum(g.department is not None for g in gold_items)
    return {
        "rows": rows,
        "items": {
            "gold_items": total,
            "items_found": tally["found"],
            "extra_items": len(extracted) - tally["found"],
            "sentence_coverage": tally["covered"] / tally["sentences"] if tally["sentences"] else None,
            "review_conditions": tally["review"],
            "gold_review_conditions": tally["gold_review"],
            "department_accuracy": tally["departments"] / with_department if with_department else None,
            "window_accuracy": tally["windows"] / total,
            "amount_accuracy": tally["amounts"] / total,
            "threshold_as_award": tally["threshold_as_award"],
        },
    }


def _pr_row(kind: str, tally: Counter[str]) -> dict[str, Any]:
    return {
        "condition_type": kind,
        "gold": tally["gold"],
        "extracted": tally["extracted"],
        "correct": tally["correct"],
        "precision": tally["correct"] / tally["extracted"] if tally["extracted"] else None,
        "recall": tally["correct"] / tally["gold"] if tally["gold"] else None,
    }


def score_decisions(
    items: list[PolicyItem],
    gold_items: list[GoldItem],
    profiles: list[EnterpriseProfile],
    gold_rows: list[dict[str, str]],
    as_of: date,
    source: str,
) -> list[dict[str, Any]]:
    """Accuracy per gold decision; ``false_met``: pairs called met whose gold is not met."""
    matrix = Matcher(items).decide(ProfileColumns.from_profiles(profiles), as_of)
    row_of: dict[tuple[str, str], int | None] = {}
    for gold in gold_items:
        found = find_item(gold, items)
        row_of[(gold.file, gold.title)] = None if found is None else items.index(found)
    column_of = {p.enterprise_id: n for n, p in enumerate(profiles)}
    tallies: dict[str, Counter[str]] = {}
    for pair in gold_rows:
        row = row_of.get((pair["file"], pair["title"]))
        predicted = "missing" if row is None else _NAMES[int(matrix[row, column_of[pair["enterprise_id"]]])]
        for bucket in ("all", pair["decision"]):
            tally = tallies.setdefault(bucket, Counter())
            tally["pairs"] += 1
            tally["correct"] += predicted == pair["decision"]
            tally["false_met"] += predicted == "met" and pair["decision"] != "met"
    return [
        {
            "conditions": source,
            "gold_decision": bucket,
            "pairs": t["pairs"],
            "correct": t["correct"],
            "accuracy": t["correct"] / t["pairs"],
            "false_met": t["false_met"],
        }
        for bucket, t in sorted(tallies.items())
    ]


def evaluate_set(folder: Path, regions: dict[str, str]) -> dict[str, Any]:
    as_of, gold_items = load_gold(folder)
    paths = sorted(p for p in (folder / "policies").iterdir() if p.suffix.lower() in _SUFFIXES)
    extracted = [item for path in paths for item in extract_path(path, regions)]
    report = read_profiles(folder / "enterprises.csv")
    with (folder / "gold_decisions.csv").open(encoding="utf-8", newline="") as source:
        gold_rows = list(csv.DictReader(source))
    as_gold = [
        PolicyItem(f"gold-{n}", g.title, "", g.file, "", conditions=_gold_conditions(g))
        for n, g in enumerate(gold_items)
    ]
    extraction = score_extraction(gold_items, extracted)
    decisions = score_decisions(extracted, gold_items, report.profiles, gold_rows, as_of, "extracted")
    decisions += score_decisions(as_gold, gold_items, report.profiles, gold_rows, as_of, "gold")
    return {
        "folder": folder.name,
        "documents": len(paths),
        "enterprises": len(report.profiles),
        "profile_errors": len(report.errors),
        "as_of": as_of.isoformat(),
        "extraction": extraction["rows"],
        "items": extraction["items"],
        "decisions": decisions,
        "extracted_items": extracted,
    }


def _scaled_profiles(
    profiles: list[EnterpriseProfile], count: int, rng: random.Random
) -> list[EnterpriseProfile]:
    scaled = []
    for n in range(count):
        base = rng.choice(profiles)
        jitter: dict[str, Any] = {
            f: None if getattr(base, f) is None else round(getattr(base, f) * rng.uniform(0.5, 1.5), 1)
            for f in ("employees", "revenue", "assets", "tax_paid")
        }
        scaled.append(replace(base, enterprise_id=f"S{n:06d}", **jitter))
    return scaled


def _scaled_items(items: list[PolicyItem], count: int, rng: random.Random) -> list[PolicyItem]:
    scaled = []
    for n in range(count):
        base = items[n % len(items)]
        conditions = [
            replace(c, value=round(c.value * rng.uniform(0.5, 1.5), 1)) if c.kind in NUMERIC_KINDS else c
            for c in base.conditions
        ]
        scaled.append(replace(base, item_id=f"{base.item_id}-s{n}", conditions=conditions))
    return scaled


def measure_speed(
    items: list[PolicyItem], profiles: list[EnterpriseProfile], as_of: date, enterprises: int, item_count: int
) -> list[dict[str, Any]]:
    rng = random.Random(7)
    many_profiles, many_items = (
        _scaled_profiles(profiles, enterprises, rng),
        _scaled_items(items, item_count, rng),
    )
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
        {
            "measure": f"{enterprises} 家企业 × {item_count} 个事项：建列",
            "runs": 1,
            "median_ms": build_s * 1000,
            "max_ms": build_s * 1000,
        },
        {
            "measure": f"{enterprises} 家企业 × {item_count} 个事项：判定",
            "runs": 3,
            "median_ms": statistics.median(match_runs) * 1000,
            "max_ms": max(match_runs) * 1000,
        },
        {
            "measure": f"1 家企业 × {item_count} 个事项（含逐条解释）",
            "runs": len(one_runs),
            "median_ms": statistics.median(one_runs),
            "max_ms": max(one_runs),
        },
    ]


def run(folders: tuple[Path, ...] = SETS, enterprises: int = 10_000, items: int = 500) -> dict[str, Any]:
    """Every set scored on its own, then the speed of matching on the first set scaled up."""
    regions = Settings(_env_file=None).policy_matching.regions
    sets = [evaluate_set(folder, regions) for folder in folders]
    first = sets[0]
    speed = (
        measure_speed(
            first.pop("extracted_items"),
            read_profiles(folders[0] / "enterprises.csv").profiles,
            date.fromisoformat(first["as_of"]),
            enterprises,
            items,
        )
        if enterprises and items
        else []
    )
    for result in sets[1:]:
        result.pop("extracted_items")
    return {"sets": sets, "speed": speed}
