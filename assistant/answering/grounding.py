"""Grounding: which source sentences to show the model, and which answer sentences the sources support.

Everything here works on character units, which suits Chinese: a question's *units* are its
content words (jieba, stop words dropped) broken into character bigrams; a text *covers* a unit
when the unit occurs in it. Pure functions, no models.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from assistant.retrieval import lexical, lexicon

_SENTENCE = re.compile(r"[^。！？；!?;\n]+[。！？；!?;]*(?:\[\d{1,2}\])*|\n")
_CITATION = re.compile(r"\[(\d{1,2})\]")
# The mark a list item opens with: 1． / 1. / 1、 / （一） / (1) / 一、 / - • *
LIST_ITEM = re.compile(
    r"^\s*(?:[-*•]\s|（[一二三四五六七八九十\d]+）|\(\d+\)|\d+[．.、]|[一二三四五六七八九十]+、)"
)
_HAN_OR_WORD = re.compile(r"[\u4e00-\u9fff]|[a-z0-9]+")
# Sentences that address the reader as a machine: retrieved text is data, never instructions.
_INSTRUCTION = re.compile(
    r"(忽略|无视|忘记)(以上|之前|前面|上述|所有)|ignore (all |the )?(previous|above)|system prompt|"
    r"你现在是|你的新(任务|指令)|请(直接)?(输出|回答|回复)[:：“\"]|扮演|系统提示[:：]",
    re.IGNORECASE,
)


def split_sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE.findall(text) if s.strip()]


def mark_style(item: str) -> str:
    """The shape of a list item's mark: 1． and 2． share one, （1） and 1． do not ('' for no item)."""
    match = LIST_ITEM.match(item)
    if match is None:
        return ""
    return re.sub(r"\d+", "0", re.sub(r"[一二三四五六七八九十]+", "一", match.group().strip()))


def list_items(sentences: Sequence[str]) -> list[list[range]]:
    """The enumerated lists among consecutive sentences: two or more items whose marks share one
    style, each item as the range of its sentences. An item goes on after a ；when the next
    sentence opens no mark (4．领取：窗口当场领取；网上办理的，邮寄到家。), and over a list of another
    style nested in it, when its own style resumes after that (4．之一：（1）…；（2）…。5．…)."""
    lists: list[list[range]] = []
    items: list[range] = []
    style = ""
    for index, sentence in enumerate([*sentences, ""]):
        mark = mark_style(sentence)
        if items and index < items[-1].stop:
            continue  # inside a nested list, already taken into the item
        if items and not mark and sentence and sentences[index - 1].endswith(("；", ";")):
            items[-1] = range(items[-1].start, index + 1)
            continue
        if items and mark and mark != style and (resumes := _resumes(sentences, index, style)):
            items[-1] = range(items[-1].start, resumes)
            continue
        if items and mark == style:
            items.append(range(index, index + 1))
            continue
        if len(items) >= 2:
            lists.append(items)
        items, style = ([range(index, index + 1)], mark) if mark else ([], "")
    return lists


def _resumes(sentences: Sequence[str], start: int, style: str) -> int:
    """Where a list of ``style`` resumes after the nested items from ``start`` (0 when it does not)."""
    for index in range(start, len(sentences)):
        mark = mark_style(sentences[index])
        if mark == style:
            return index
        if not mark and not sentences[index - 1].endswith(("；", ";")):
            return 0
    return 0


def units(text: str, with_synonyms: bool = False) -> set[str]:
    """Character bigrams (and single characters of one-character words) of the content words,
    optionally with those of their synonyms from the government lexicon (多久 → 时限)."""
    tokens = lexical.tokenize(text)
    if with_synonyms:
        groups = lexicon.synonym_groups()
        tokens += [synonym for token in tokens for synonym in groups.get(token, ())]
    found: set[str] = set()
    for token in tokens:
        chars = _HAN_OR_WORD.findall(token)
        found.update(chars if len(chars) == 1 else (a + b for a, b in zip(chars, chars[1:], strict=False)))
    return found


def text_bigrams(text: str) -> set[str]:
    chars = _HAN_OR_WORD.findall(text.lower())
    return {a + b for a, b in zip(chars, chars[1:], strict=False)} | set(chars if len(chars) == 1 else [])


def without_names(text: str, names: Sequence[str]) -> str:
    """The text with the given names (the service region's own, found in every document) blanked,
    so that they count for nothing in ``units`` and ``coverage``."""
    for name in names:
        text = text.replace(name, " ")
    return text


def coverage(query_units: set[str], text: str) -> float:
    """Share of the query's units found in the text (0 when the query has none)."""
    if not query_units:
        return 0.0
    lowered = text.lower()
    return sum(1 for unit in query_units if unit in lowered) / len(query_units)


def is_instruction(sentence: str) -> bool:
    return bool(_INSTRUCTION.search(sentence))


def strip_instructions(text: str) -> str:
    """The text without sentences that try to instruct the assistant."""
    return "".join(s for s in split_sentences(text) if not is_instruction(s))


@dataclass
class Evidence:
    number: int  # 1-based, as cited: [number]
    sentences: list[str]

    @property
    def text(self) -> str:
        return "".join(self.sentences)


def cited_numbers(sentence: str) -> list[int]:
    return [int(n) for n in _CITATION.findall(sentence)]


def support(sentence: str, sources: Sequence[str]) -> float:
    """Share of the sentence's character bigrams found in the sources (citation marks ignored)."""
    bigrams = text_bigrams(_CITATION.sub("", sentence))
    if not bigrams:
        return 1.0
    available = set().union(*(text_bigrams(source) for source in sources)) if sources else set()
    return len(bigrams & available) / len(bigrams)


def without_citations(text: str) -> str:
    return _CITATION.sub("", text)
