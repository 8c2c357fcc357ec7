"""Completeness: an answer to a question about a list (申请材料, 申请条件, 办理流程 …) carries every
item of the list its evidence holds.

Lists are found by their shape, not their topic: two or more consecutive evidence sentences that
open with list marks of one style (1． 2．; （一）（二）; (1) (2); - -). They count when the question
asks about an aspect of a service (``evidence.asked``), since then the evidence is the section
or the sentences that answer it. An item is carried when one line of the answer holds at least
half of its character bigrams (its list mark aside). ``supplement`` quotes the items an answer
left out, as the source writes them, under the list's heading: the chain appends it, so the
answer stays what was streamed and becomes complete. Leaves: choosing the evidence (``evidence``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from assistant.answering import evidence as evidence_selection
from assistant.answering import grounding

_CARRIED = 0.5
_ORDINAL = re.compile(
    r"^(?:[一二三四五六七八九十]+、|（[一二三四五六七八九十]+）|第[一二三四五六七八九十百]+[章节条])\s*"
)


@dataclass
class EnumeratedList:
    number: int  # the passage it is cited by
    heading: str  # the section it is in (申请材料), '' when the passage has none
    items: list[str]


def lists(evidence: Sequence[evidence_selection.Quoted]) -> list[EnumeratedList]:
    """The enumerated lists (two items or more) in the evidence, in order."""
    found = []
    for quoted in evidence:
        path = quoted.hit.chunk.heading_path
        heading = _ORDINAL.sub("", path[-1]).rstrip("：:") if path else ""
        for items in grounding.list_items(quoted.sentences):
            texts = ["".join(quoted.sentences[i] for i in item) for item in items]
            found.append(EnumeratedList(quoted.number, heading, texts))
    return found


def carried(item: str, answer: str) -> bool:
    """Whether a line of the answer holds at least half of the item's bigrams."""
    bigrams = grounding.text_bigrams(grounding.LIST_ITEM.sub("", item, count=1))
    if not bigrams:
        return True
    return any(
        len(bigrams & grounding.text_bigrams(line)) / len(bigrams) >= _CARRIED
        for line in grounding.without_citations(answer).splitlines()
    )


def supplement(question: str, answer: str, evidence: Sequence[evidence_selection.Quoted]) -> str:
    """What the answer must add to carry every item of the evidence's lists ('' when nothing):
    per list, its heading and the missing items in the source's words, with the citation mark."""
    if not evidence_selection.asked(question):
        return ""
    blocks = []
    for listed in lists(evidence):
        missing = [item for item in listed.items if not carried(item, answer)]
        if not missing:
            continue
        name = listed.heading or "资料所列"
        lead = f"{name}还包括：" if len(missing) < len(listed.items) else f"{name}："
        blocks.append("\n".join([lead, *missing]) + f"[{listed.number}]")
    return "".join(f"\n{block}" for block in blocks)
