"""Eligibility both ways, explained condition by condition.

Owns: combining condition decisions into an item decision (any unmet → not met; else any unknown
→ unknown; else met), the whole decision matrix items × enterprises (``Matcher.decide``), one
enterprise's ranked items with the profile value, policy sentence and, for unknowns, the question
to ask (``for_enterprise``), and one item's qualifying or possibly qualifying enterprises
(``for_item``). Date-aware: expired application windows are left out unless asked for, upcoming
ones are shown as such. Leaves the column arithmetic to ``columns`` and storage to ``store``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

import numpy as np

from assistant.errors import NotFound
from assistant.policy_matching.columns import MET, NOT_MET, UNKNOWN, Decisions, ProfileColumns, whole_years
from assistant.policy_matching.conditions import PROFILE_LIST, UNITS, Condition, Decision, PolicyItem
from assistant.policy_matching.profiles import EnterpriseProfile
from assistant.policy_matching.scale import classify, tiers_from_mask

_NAMES: dict[int, Decision] = {MET: "met", NOT_MET: "not_met", UNKNOWN: "unknown"}
_DECISION_ORDER = {"met": 0, "unknown": 1, "not_met": 2}
_WINDOW_ORDER = {"open": 0, "unspecified": 1, "upcoming": 2, "expired": 3}
QUESTIONS = {
    "region": "贵企业的注册地在哪里（请写到区县）？",
    "industry": "贵企业的国民经济行业分类代码是什么（如 C3511）？",
    "scale": "请提供贵企业的从业人员数、上年度营业收入和资产总额，以便按国家标准确定企业规模。",
    "years_registered": "贵企业的成立日期是哪一天？",
    "revenue": "贵企业上年度营业收入是多少万元？",
    "employees": "贵企业目前从业人员有多少人？",
    "rd_ratio": "贵企业上年度研发费用占营业收入的比例是多少（%）？",
    "tax_paid": "贵企业上年度纳税总额是多少万元？",
    "credit_rating": "贵企业最近一次纳税信用评价等级是什么（A/B/M/C/D）？",
    "assets": "贵企业资产总额是多少万元？",
    "rd_amount": "贵企业上年度研发费用是多少万元？",
    "trade_value": "贵企业上年度进出口额是多少万美元？",
    "export_value": "贵企业上年度出口额是多少万美元？",
    "import_value": "贵企业上年度进口额是多少万美元？",
    "export_growth": "贵企业上年度出口额同比增长多少（%）？",
    "revenue_growth": "贵企业上年度营业收入同比增长多少（%）？",
    "new_jobs": "贵企业上年度新增就业人数是多少？",
}


@dataclass
class ConditionResult:
    condition: Condition
    decision: Decision
    profile_value: str
    question: str | None = None


@dataclass
class ItemMatch:
    item: PolicyItem
    decision: Decision
    window_status: str
    conditions: list[ConditionResult] = field(default_factory=list)

    @property
    def questions(self) -> list[str]:
        return [c.question for c in self.conditions if c.question]


@dataclass
class EnterpriseCandidate:
    profile: EnterpriseProfile
    decision: Decision
    to_confirm: list[str]  # descriptions of the conditions still unknown


def question_for(condition: Condition) -> str:
    if condition.kind == "qualification":
        return f"贵企业是否已获认定为{'或'.join(condition.value)}？"
    if condition.kind == "free_text":
        return f"请确认是否符合：{condition.value}（该条件需工作人员核实）"
    if condition.kind == "credit_record":
        return f"贵企业是否被列入{condition.value}？"
    return QUESTIONS[condition.kind]


def profile_value(condition: Condition, profile: EnterpriseProfile, as_of: date) -> str:
    """What the profile says about the condition, in words an enterprise understands."""
    kind = condition.kind
    if kind == "free_text":
        return "需人工核实"
    if kind == "credit_record" and condition.value != PROFILE_LIST:
        return f"画像未记录是否列入{condition.value}"
    if kind == "scale":
        division = int(profile.industry_code[1:3]) if profile.industry_code else None
        tiers = tiers_from_mask(classify(division, profile.employees, profile.revenue, profile.assets))
        prefix = "按国家划型标准推算为" if len(tiers) == 1 else "资料不全，可能为"
        return prefix + "、".join(f"{t}型" for t in tiers)
    if kind == "years_registered":
        day = profile.registered_on
        return "未填写" if day is None else f"成立于{day.isoformat()}（满{whole_years(day, as_of)}年）"
    raw = {
        "region": profile.region,
        "industry": profile.industry_code,
        "credit_rating": profile.credit_rating,
        "qualification": None
        if profile.qualifications is None
        else "、".join(profile.qualifications) or "无",
        "credit_record": None if profile.dishonest is None else ("已列入" if profile.dishonest else "未列入"),
    }.get(kind, getattr(profile, kind, None))
    if raw is None:
        return "未填写"
    return f"{raw:g}{UNITS[kind]}" if isinstance(raw, float) else str(raw)


def combine(decisions: list[Decisions]) -> Decisions:
    """Item decisions from its condition decisions (an item without conditions is met)."""
    if not decisions:
        return np.empty(0, dtype=np.int8)
    stacked = np.vstack(decisions)
    result = np.where((stacked == UNKNOWN).any(axis=0), np.int8(UNKNOWN), np.int8(MET))
    return np.where((stacked == NOT_MET).any(axis=0), np.int8(NOT_MET), result).astype(np.int8)


class Matcher:
    """Decides items against enterprise profiles; build it once per set of items."""

    def __init__(self, items: Sequence[PolicyItem]) -> None:
        self.items = list(items)
        self._by_id = {item.item_id: item for item in self.items}

    def item(self, item_id: str) -> PolicyItem:
        if item_id not in self._by_id:
            raise NotFound(f"政策事项不存在：{item_id}")
        return self._by_id[item_id]

    def _condition_decisions(
        self,
        item: PolicyItem,
        columns: ProfileColumns,
        as_of: date,
        cache: dict[tuple[str, str, str], Decisions],
    ) -> list[Decisions]:
        found = []
        for condition in item.conditions:
            key = condition.key()
            if key not in cache:
                cache[key] = columns.evaluate(condition, as_of)
            found.append(cache[key])
        return found

    def decide(self, columns: ProfileColumns, as_of: date) -> Decisions:
        """Decision codes (1 met, 0 not met, 2 unknown), one row per item, one column per enterprise."""
        cache: dict[tuple[str, str, str], Decisions] = {}
        matrix = np.full((len(self.items), len(columns)), MET, dtype=np.int8)
        for row, item in enumerate(self.items):
            if item.conditions:
                matrix[row] = combine(self._condition_decisions(item, columns, as_of, cache))
        return matrix

    def for_enterprise(
        self,
        profile: EnterpriseProfile,
        as_of: date,
        include_not_met: bool = False,
        include_expired: bool = False,
    ) -> list[ItemMatch]:
        """Every applicable item for one enterprise, best first, each condition explained."""
        columns = ProfileColumns.from_profiles([profile])
        cache: dict[tuple[str, str, str], Decisions] = {}
        matches = []
        for item in self.items:
            status = item.window_status(as_of)
            if status == "expired" and not include_expired:
                continue
            codes = [int(d[0]) for d in self._condition_decisions(item, columns, as_of, cache)]
            decision = (
                _NAMES[int(combine([np.array([c], dtype=np.int8) for c in codes])[0])] if codes else "met"
            )
            if decision == "not_met" and not include_not_met:
                continue
            results = [
                ConditionResult(
                    c,
                    _NAMES[code],
                    profile_value(c, profile, as_of),
                    question_for(c) if code == UNKNOWN else None,
                )
                for c, code in zip(item.conditions, codes, strict=True)
            ]
            matches.append(ItemMatch(item, decision, status, results))
        return sorted(matches, key=_rank)

    def for_item(
        self,
        item_id: str,
        profiles: Sequence[EnterpriseProfile],
        as_of: date,
        columns: ProfileColumns | None = None,
    ) -> list[EnterpriseCandidate]:
        """Enterprises that qualify (met) or might (unknown) for one item, qualifying ones first."""
        item = self.item(item_id)
        columns = columns or ProfileColumns.from_profiles(profiles)
        per_condition = self._condition_decisions(item, columns, as_of, {})
        decisions = combine(per_condition) if per_condition else np.full(len(profiles), MET, dtype=np.int8)
        candidates = []
        for index in (int(i) for i in np.flatnonzero(decisions != NOT_MET)):
            unknown = [
                c.describe()
                for c, d in zip(item.conditions, per_condition, strict=True)
                if d[index] == UNKNOWN
            ]
            candidates.append(EnterpriseCandidate(profiles[index], _NAMES[int(decisions[index])], unknown))
        return sorted(
            candidates,
            key=lambda c: (_DECISION_ORDER[c.decision], len(c.to_confirm), c.profile.enterprise_id),
        )


def _rank(match: ItemMatch) -> tuple[int, int, int, float, str]:
    unknown = sum(c.decision == "unknown" for c in match.conditions)
    amount = match.item.max_amount_wan or 0.0
    return (
        _DECISION_ORDER[match.decision],
        _WINDOW_ORDER[match.window_status],
        unknown,
        -amount,
        match.item.item_id,
    )
