"""The problem a call reports (停水, 燃气泄漏, 路灯不亮), read from its words with a small vocabulary.

A centre issues one notice and one work order per problem at a place, and a category is coarser
than that: 停水 and a gas smell are both 城乡建设/供水供气, 路灯不亮 and a collapsed road both
城乡建设/市政设施. Each problem of the vocabulary (package data, ``problems.jsonl``, one problem a
line with its category and its cue patterns, each starting with one given character) lists the ways
callers say it, so that 没水了, 水停了 and 自来水断了 are all 停水. A call names the problem whose cue comes first in its words (the
longest cue where two start together); a call no cue matches names none, and grouping then falls
back on its category. The vocabulary is a deployment's to extend, as the taxonomy is.

This module only reads words; grouping by problem is ``grouping``'s.
"""

from __future__ import annotations

import re
from collections import defaultdict
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


_LEADING_LOOKBEHINDS = re.compile(r"^(?:\(\?<[!=][^()]*\))*")


def _first_character(cue: str) -> str:
    """The character every match of the cue starts with (after any lookbehind), or "" when the cue
    may start with more than one (a group, a class, an optional character)."""
    rest = _LEADING_LOOKBEHINDS.sub("", cue, count=1)
    optional = len(rest) > 1 and rest[1] in "?*{"
    return rest[0] if rest and rest[0].isalnum() and not optional else ""


class ProblemVocabulary:
    """The cues indexed by the character they start with, longest first, so that finding a text's
    first cue is one scan for those characters and a match at each (one big alternation tried at
    every position was most of the time of grouping 100,000 tickets)."""

    def __init__(self, problems: list[tuple[Problem, list[str]]]) -> None:
        self.problems = [problem for problem, _ in problems]
        starting: dict[str, list[tuple[str, Problem]]] = defaultdict(list)
        for problem, cues in problems:
            for cue in cues:
                starting[_first_character(cue)].append((cue, problem))
        self._starts = re.compile(f"[{re.escape(''.join(starting))}]" if starting else "(?!)")
        self._cues: dict[str, tuple[re.Pattern[str], list[Problem]]] = {}
        for character, found in starting.items():
            found.sort(key=lambda pair: len(pair[0]), reverse=True)
            pattern = re.compile("|".join(f"({cue})" for cue, _ in found))
            self._cues[character] = (pattern, [problem for _, problem in found])

    @classmethod
    def load(cls, path: Path = DEFAULT_PROBLEMS) -> ProblemVocabulary:
        problems = []
        for number, record in read_objects(path, "问题词表"):
            cues = record.get("cues")
            if not record.get("problem") or not record.get("category") or not cues:
                raise BadInput(f"{path.name} 第 {number} 行缺少 problem、category 或 cues")
            for cue in cues:
                _check(cue, f"{path.name} 第 {number} 行的提示词「{cue}」")
            problems.append((Problem(str(record["problem"]), str(record["category"])), list(cues)))
        return cls(problems)

    def problem_of(self, text: str) -> Problem | None:
        """The problem whose cue comes first in the text (the longest where two start together), or
        None when no cue matches."""
        for start in self._starts.finditer(text):
            pattern, owners = self._cues[start.group()]
            found = pattern.match(text, start.start())
            if found and found.lastindex:
                return owners[found.lastindex - 1]
        return None


def _check(cue: str, where: str) -> None:
    try:
        groups = re.compile(cue).groups
    except re.error as exc:
        raise BadInput(f"{where}不是有效的正则：{exc}") from exc
    if groups:
        raise BadInput(f"{where}不能含捕获组，请用 (?:…)")
    if not _first_character(cue):
        raise BadInput(f"{where}须以一个确定的字开头（可有前置的 (?<!…)），可拆成几条")


@cache
def default_vocabulary() -> ProblemVocabulary:
    """The shipped 示例市 vocabulary, read once per process."""
    return ProblemVocabulary.load()
