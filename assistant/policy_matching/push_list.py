"""The push list (政策推送清单): one item's qualifying and possibly qualifying enterprises as CSV.

Owns the columns staff hand to the departments that contact enterprises (Chinese headers, UTF-8
with BOM so Excel opens it). Leaves choosing the enterprises to ``matching``.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from typing import TextIO

from assistant.policy_matching.conditions import PolicyItem
from assistant.policy_matching.matching import EnterpriseCandidate

HEADER = [
    "企业编号",
    "企业名称",
    "统一社会信用代码",
    "注册地",
    "判定",
    "待核实条件",
    "政策事项",
    "申报时间",
    "受理部门",
]
DECISION_WORDS = {"met": "符合", "unknown": "可能符合（待核实）", "not_met": "不符合"}


def window_text(item: PolicyItem) -> str:
    if item.window_start is None and item.window_end is None:
        return "未注明"
    return f"{item.window_start or '—'} 至 {item.window_end or '—'}"


def write_push_list(item: PolicyItem, candidates: Sequence[EnterpriseCandidate], out: TextIO) -> int:
    """Write the push list; returns the number of enterprises written."""
    writer = csv.writer(out)
    writer.writerow(HEADER)
    for candidate in candidates:
        profile = candidate.profile
        writer.writerow(
            [
                profile.enterprise_id,
                profile.name,
                profile.credit_code,
                profile.region or "",
                DECISION_WORDS[candidate.decision],
                "；".join(candidate.to_confirm),
                item.title,
                window_text(item),
                item.department,
            ]
        )
    return len(candidates)
