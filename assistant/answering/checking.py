"""Checking a generated answer against the evidence it was written from, a sentence at a time.

A sentence is shown only when each of its clauses (split at ，：) restates one span of a passage
it cites — a source sentence, or two adjacent ones: at least ``min_support`` of the clause's
character bigrams occur in that span, and the clause states only the span's numbers, negations
and names (``facts``). Measuring a clause against one span, not the bag of a whole passage's
bigrams, is what keeps recombined fragments out. A clause the answer has already said is left out
(the padding of a small model: 「：需提交居民身份证」 after every item); a sentence saying the sources
hold no answer (资料中没有相关规定) is never shown — the chain only writes when the judge found a
passage that answers.

``AnswerChecker`` takes the model's deltas and gives back each sentence, checked, once it is
complete, so that what streams to a citizen is only ever checked text. Leaves: which evidence the
model saw (``evidence``), whether every item of a list was carried (``completeness``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from assistant.answering import facts, grounding

_SENTENCE = re.compile(r"[^。！？；!?;\n]+[。！？；!?;]*(?:\[\d{1,2}\])*|\n")
_EMPHASIS = re.compile(r"\*\*|__")
_TAIL = re.compile(r"(?:[。！？；!?;]|\[\d{1,2}\])*$")
_CLAUSE = re.compile(r"[^，,：:]+[，,：:]*")
# What may still follow a finished sentence: its citation marks, being written.
_PENDING = re.compile(r"\s*(?:\[\d{0,2}\]?)*")
_DENIAL = re.compile(
    r"(?:资料|材料|文件|知识库|上述内容|所给内容)(?:中|里)?(?:并)?(?:没有|未|无)(?:找到|提及|提到|涉及|说明|明确|相关|规定|关于)"
    r"|没有(?:找到)?相关(?:规定|内容|信息)|无法(?:回答|确定|提供|判断)|暂无相关"
)
# Clauses that only join others or announce a list (此外，/ 需要以下材料：): they state nothing to source.
_CONNECTIVE = re.compile(
    r"^(?:根据(?:资料|规定|上述资料)|此外|另外|同时|其中|首先|其次|然后|最后|具体(?:如下)?|总之|您好|注意)$"
    r"|^\w{0,8}(?:以下|如下)\w{0,2}(?:材料|资料|条件|步骤|流程|方式|几点|内容|事项|规定)?$"
)
# A clause, and all the clauses of one sentence, restate one place of a source: a sentence or
# this many adjacent ones.
_SPAN_SENTENCES = 2


def is_denial(sentence: str) -> bool:
    """Whether the sentence says the sources do not answer (资料中没有相关规定)."""
    return bool(_DENIAL.search(sentence))


def clauses(sentence: str) -> list[str]:
    return _CLAUSE.findall(sentence)


def _key(clause: str) -> str:
    """What a clause says, for telling repeats: its words without marks, citations and list number."""
    text = grounding.LIST_ITEM.sub("", grounding.without_citations(clause), count=1)
    return "".join(char for char in text.lower() if char.isalnum())


@dataclass
class _Span:
    """One source sentence, or two adjacent ones, of a passage: sentences first..last."""

    first: int
    last: int
    text: str
    bigrams: set[str]


def _spans(evidence: grounding.Evidence) -> list[_Span]:
    sentences = [s for line in evidence.sentences for s in grounding.split_sentences(line)]
    spans = []
    for size in range(1, _SPAN_SENTENCES + 1):
        for first in range(len(sentences) - size + 1):
            text = "".join(sentences[first : first + size])
            spans.append(_Span(first, first + size - 1, text, grounding.text_bigrams(text)))
    return spans


def _one_place(places: list[set[tuple[int, int, int]]]) -> int | None:
    """The passage in which the spans of every clause lie within one span of adjacent sentences."""
    for number, start, _ in sorted(set.union(*places)):
        end = start + _SPAN_SENTENCES - 1
        if all(
            any(n == number and start <= first and last <= end for n, first, last in found)
            for found in places
        ):
            return number
    return None


class AnswerChecker:
    """Checks an answer as it streams: ``feed`` the model's deltas, get back the checked
    sentences completed so far (citation marks added where the model left them out)."""

    def __init__(self, evidence: Sequence[grounding.Evidence], min_support: float) -> None:
        self._spans = {e.number: _spans(e) for e in evidence}
        self._min_support = min_support
        self._held = ""
        self._new_line = False
        self._said: set[str] = set()
        self.shown: list[str] = []
        self.kept = 0
        self.removed = 0

    @property
    def text(self) -> str:
        return "".join(self.shown)

    def feed(self, delta: str) -> str:
        """The checked text of the sentences this delta completed ('' when none)."""
        self._held += delta
        out, consumed = [], 0
        for match in _SENTENCE.finditer(self._held):
            rest = self._held[match.end() :]
            if match.group() != "\n" and (not rest or _PENDING.fullmatch(rest)):
                break  # the sentence (or its citation marks) is still being written
            out.append(self._take(match.group()))
            consumed = match.end()
        self._held = self._held[consumed:]
        return "".join(out)

    def close(self) -> str:
        """The checked text of the last sentence, once the model is done."""
        rest, self._held = self._held, ""
        return "".join(self._take(match.group()) for match in _SENTENCE.finditer(rest))

    def _take(self, raw: str) -> str:
        if raw == "\n":
            self._new_line = True
            return ""
        sentence = _EMPHASIS.sub("", raw).strip()  # Markdown bold is shown as marks, not as bold
        if not sentence:
            return ""
        checked = self._check(sentence)
        if checked is None:
            self.removed += 1
            return ""
        if self.shown and self._new_line:
            checked = "\n" + checked
        self._new_line = False
        self.kept += 1
        self.shown.append(checked)
        return checked

    def _check(self, sentence: str) -> str | None:
        """The sentence as shown (repeated clauses left out, a citation mark added), or None."""
        cited = grounding.cited_numbers(sentence)
        if is_denial(sentence) or grounding.is_instruction(sentence):
            return None
        if cited and not all(n in self._spans for n in cited):
            return None
        tail = _TAIL.search(sentence)
        assert tail is not None  # the pattern matches the empty end of any text
        body = sentence[: tail.start()]
        kept, keys, places = [], [], []
        parts = clauses(body)
        for clause in parts:
            key = _key(clause)
            if key and (key in self._said or key in keys):
                continue  # said already
            if key and not _CONNECTIVE.match(key):  # not only a list mark or joining words
                found = self._places(clause, cited or list(self._spans))
                if not found:
                    return None
                places.append(found)
            kept.append(clause)
            keys.append(key)
        announces = bool(kept) and body.rstrip().endswith(("：", ":"))  # 需要以下材料：
        source = _one_place(places) if places else None
        if (places and source is None) or (not places and not announces):
            return None  # clauses from far apart, or nothing new to say
        self._said.update(keys)
        text = "".join(kept)
        if kept[-1] is not parts[-1]:  # the last clause was a repeat: end on the sentence's mark
            text = text.rstrip("，,：:、 ")
        text += tail.group()
        if source is not None and not grounding.cited_numbers(text):
            text = _with_citation(text, source)
        return text

    def _places(self, clause: str, numbers: Sequence[int]) -> set[tuple[int, int, int]]:
        """The spans the clause restates, as (passage, first sentence, last sentence)."""
        bigrams = grounding.text_bigrams(grounding.without_citations(clause))
        found = set()
        for number in numbers:
            for span in self._spans[number]:
                share = len(bigrams & span.bigrams) / len(bigrams) if bigrams else 1.0
                if share >= self._min_support and facts.agree(clause, span.text):
                    found.add((number, span.first, span.last))
        return found


def _with_citation(sentence: str, number: int) -> str:
    """'……凭证。' → '……凭证[1]。'"""
    body = sentence.rstrip("。！？；!?;")
    return f"{body}[{number}]{sentence[len(body) :]}"
