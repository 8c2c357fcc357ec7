"""The problem a call reports (停水, 燃气泄漏, 路灯不亮), read from its words with a small vocabulary.

A centre issues one notice and one work order per problem at a place, and a category is coarser
than that: 停水 and a gas smell are both 城乡建设/供水供气, 路灯不亮 and a collapsed road both
城乡建设/市政设施. Each problem of the vocabulary (package data, ``problems.jsonl``, one problem a
line with its category and its cue patterns) lists the ways callers say it, so that 没水了, 水停了
and 自来水断了 are all 停水. A call names the problem whose cue comes first in its words (the
longest cue where two start together); a call no cue matches names none, and grouping then falls
back on its category. The vocabulary is a deployment's to extend, as the taxonomy is.

This module only reads words; grouping by problem is ``hot_issues``'s.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from assistant.errors import BadInput
from assistant.hotline import data as hotline_data
from assistant.jsonl import read_objects

DEFAULT_PROBLEMS = hotline_data.PROBLEMS


@dataclass(frozen=True)
class Problem:
    name: str  # 停水, as a notice names it
    category: str  # the category its calls are filed under, a taxonomy label


class ProblemVocabulary:
    """Every problem's cues in one pattern, longest first, so one search finds a text's first cue."""

    def __init__(self, problems: list[tuple[Problem, list[str]]]) -> None:
        cues = sorted(
            ((cue, problem) for problem, patterns in problems for cue in patterns),
            key=lambda pair: len(pair[0]),
            reverse=True,
        )
        self.problems = [problem for problem, _ in problems]
        self._owners = [problem for _, problem in cues]
        self._pattern = re.compile("|".join(f"({cue})" for cue, _ in cues))

    @classmethod
    def load(cls, path: Path = DEFAULT_PROBLEMS) -> ProblemVocabulary:
        problems = []
        for number, record in read_objects(path, "问题词表"):
            cues = record.get("cues")
            if not record.get("problem") or not record.get("category") or not cues:
                raise BadInput(f"{path.name} 第 {number} 行缺少 problem、category 或 cues")
            try:
                for cue in cues:
                    if re.compile(cue).groups:
                        raise BadInput(f"{path.name} 第 {number} 行的提示词不能含捕获组：{cue}")
            except re.error as exc:
                raise BadInput(f"{path.name} 第 {number} 行的提示词不是有效的正则：{exc}") from exc
            problems.append((Problem(str(record["problem"]), str(record["category"])), list(cues)))
        return cls(problems)

    def problem_of(self, text: str) -> Problem | None:
        """The problem whose cue comes first in the text, or None when no cue matches."""
        found = self._pattern.search(text)
        return self._owners[found.lastindex - 1] if found and found.lastindex else None


@cache
def default_vocabulary() -> ProblemVocabulary:
    """The shipped 示例市 vocabulary, read once per process."""
    return ProblemVocabulary.load()
