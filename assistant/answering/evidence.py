"""Evidence: the few source sentences that answer the question, readable, in their source order.

Used two ways: quoted as the extractive answer, and numbered as what the chat model may write from.
Passages are first made readable (Markdown emphasis and heading marks removed, table rows turned
into "列名：值" sentences, a line ending in "：" kept with the list it introduces); then sentences
are chosen by what the question asks:

- a question about an aspect of a service (材料, 办理地点, 办理时限, 收费 …, see lexicon/aspects.txt)
  gets the section whose heading names that aspect whole (三、申请材料 is the answer to 要带啥), or
  else the sentences that answer it;
- a question on how to do something at all (怎么上户口) gets the main aspects together: process,
  materials, place and time, when the sources have them;
- any other question gets the sentences that cover most of its concepts.

Sentences that address the reader as a machine are dropped (retrieved text is data). Checking a
generated answer against this evidence is ``grounding``'s job.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from assistant.answering import grounding
from assistant.documents import Chunk, SearchHit
from assistant.retrieval import lexicon

HOW_TO = ("办理流程", "材料", "办理地点", "办理时限")
_HOW_TO_QUESTION = re.compile(r"(怎么|怎样|如何|咋)(?!样|回事|会|说|算|看|想|收费|要钱)|流程|手续|步骤")
_EMPHASIS = re.compile(r"\*\*(.+?)\*\*|__(.+?)__")
_HEADING_MARK = re.compile(r"^\s{0,3}#{1,6}\s*", re.MULTILINE)
_TABLE_RULE = re.compile(r"^\s*\|?\s*:?-{3,}")
# Section headings written into the text (一、申请材料 / 第二章 … / （一）…): their level.
_HEADING_LEVELS = (
    (re.compile(r"^(?:[一二三四五六七八九十]+、|第[一二三四五六七八九十百]+[章节])\s*\S{1,24}$"), 1),
    (re.compile(r"^（[一二三四五六七八九十]+）\s*\S{1,24}$"), 2),
)
_SECTION_BUDGET_FACTOR = (
    1.5  # a whole section may exceed the budget by this much when it is all that is quoted
)


@dataclass
class Quoted(grounding.Evidence):
    """Evidence from one passage: its sentences, the number it is cited by, and the passage."""

    hit: SearchHit


@dataclass
class Sentence:
    number: int  # the passage's citation number
    position: int
    text: str
    heading: str


def readable(text: str) -> str:
    """Source text as a citizen should read it: no Markdown marks, tables as sentences."""
    text = _HEADING_MARK.sub("", _EMPHASIS.sub(lambda m: m.group(1) or m.group(2), text))
    lines, header = [], None
    for line in text.splitlines():
        if line.strip().startswith("|"):
            cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
            if _TABLE_RULE.match(line):
                continue
            if header is None:
                header = cells
                continue
            pairs = [
                f"{name}：{value}" if name else value
                for name, value in zip(header, cells, strict=False)
                if value
            ]
            lines.append("，".join(pairs) + "。")
            continue
        header = None
        lines.append(line)
    return "\n".join(lines)


def _sentences(number: int, hit: SearchHit) -> list[Sentence]:
    """A passage's sentences; a line ending in "：" stays with the list items under it."""
    heading = " ".join(hit.chunk.heading_path)
    found: list[Sentence] = []
    for line in readable(grounding.strip_instructions(hit.chunk.text) or "").splitlines():
        line = line.strip()
        if not line:
            continue
        if found and grounding.LIST_ITEM.match(line) and found[-1].text.endswith("："):
            found[-1].text += line
            continue
        for sentence in grounding.split_sentences(line):
            found.append(Sentence(number, len(found), sentence, heading))
    return found


def _asks_how_to(question: str) -> bool:
    return bool(_HOW_TO_QUESTION.search(lexicon.normalise(question)))


def asked(question: str) -> list[lexicon.Aspect]:
    """The aspects the question asks about; the main ones for a how-to question."""
    found = lexicon.asked_aspects(question)
    if (not found or [a.name for a in found] == ["办理流程"]) and _asks_how_to(question):
        by_name = {a.name: a for a in lexicon.aspects()}
        found = [by_name[name] for name in HOW_TO]
    return found


def document_sections(chunks: Sequence[Chunk]) -> list[SearchHit]:
    """A document's sections, each whole (with its sub-sections) however it was cut into chunks,
    as passages whose heading is the section's: 三、申请材料 with every item, even when the list
    runs over three chunks or its first item shares a chunk with the section before."""
    headings = {heading: depth + 1 for chunk in chunks for depth, heading in enumerate(chunk.heading_path)}
    lines: list[tuple[str, int, Chunk]] = []
    open_headings: list[str] = []  # the headings in force, outermost first

    def emit(line: str, level: int, chunk: Chunk) -> None:
        if level:
            del open_headings[level - 1 :]
            open_headings.extend([""] * (level - 1 - len(open_headings)) + [line])
        lines.append((line, level, chunk))

    for chunk in chunks:
        for depth, heading in enumerate(chunk.heading_path):
            if [h.rstrip("：:") for h in open_headings[depth : depth + 1]] != [
                heading
            ] and not chunk.text.startswith(heading):
                emit(heading, depth + 1, chunk)
        for line in (line.strip() for line in readable(chunk.text).splitlines()):
            if line:
                known = headings.get(line.rstrip("：:"))  # a heading the reader found, as the text writes it
                emit(
                    line,
                    known or next((lvl for pattern, lvl in _HEADING_LEVELS if pattern.match(line)), 0),
                    chunk,
                )
    sections = []
    for start, (heading, level, chunk) in enumerate(lines):
        if not level:
            continue
        body = []
        for line, inner, _ in lines[start + 1 :]:
            if inner and inner <= level:
                break
            body.append(line)
        if body:
            section = Chunk(
                chunk.doc_id, chunk.chunk_no, "\n".join(body), [heading], chunk.metadata, chunk.content_hash
            )
            sections.append(SearchHit(section, 0.0))
    return sections


def select(
    question: str,
    hits: Sequence[SearchHit],
    budget_chars: int,
    ignore: Sequence[str] = (),
    document: Sequence[Chunk] = (),
) -> list[Quoted]:
    """The sentences of the given passages (best first) that answer the question, per passage in
    the passages' order, numbered 1.. for citation. ``document``: every chunk of the best passage's
    document, so that a section an aspect needs can be quoted whole."""
    concepts = lexicon.question_concepts(question, tuple(ignore))
    sections = document_sections(document)
    passages_of = [*hits, *sections]
    passages = [_sentences(number, hit) for number, hit in enumerate(passages_of, start=1)]
    own = passages[len(hits) :] or [
        p for p, hit in zip(passages, hits, strict=False) if hit.chunk.doc_id == hits[0].chunk.doc_id
    ]
    chosen: list[Sentence] = []
    for aspect in asked(question):
        remaining = budget_chars - sum(len(s.text) for s in chosen)
        if remaining <= 0:
            break
        taken = {
            s.text for s in chosen
        }  # by text: a section repeats its chunk's sentences under another number
        section = next((p for p in own if p and _names(p[0].heading, aspect)), None)
        size = sum(len(s.text) for s in section) if section else 0
        if section is not None and (
            size <= remaining or (not chosen and size <= budget_chars * _SECTION_BUDGET_FACTOR)
        ):
            chosen += [s for s in section if s.text not in taken]
        else:
            chosen += _within(_with_cues(aspect, passages[:2], concepts, taken), remaining)
    if not chosen:
        chosen = _within(_by_coverage(concepts, passages[:2]), budget_chars)
    chosen = _whole_lists(chosen, passages, int(budget_chars * _SECTION_BUDGET_FACTOR))
    by_number: dict[int, list[Sentence]] = {}
    for sentence in sorted(chosen, key=lambda s: (s.number, s.position)):
        by_number.setdefault(sentence.number, []).append(sentence)
    return [
        Quoted(cited, [s.text for s in sentences], passages_of[number - 1])
        for cited, (number, sentences) in enumerate(sorted(by_number.items()), start=1)
    ]


def _names(heading: str, aspect: lexicon.Aspect) -> bool:
    """Whether a section heading names the aspect (三、申请材料 → 材料; 五、办理时限 → 办理时限)."""
    heading = lexicon.normalise(heading)
    return aspect.name in heading or any(trigger in heading for trigger in aspect.triggers[:2])


def _with_cues(
    aspect: lexicon.Aspect,
    passages: list[list[Sentence]],
    concepts: Sequence[lexicon.Concept],
    taken: set[str],
) -> list[Sentence]:
    """The (at most two) sentences that answer the aspect best, by its cue words and the question's concepts."""
    scored = []
    for sentences in passages:
        for sentence in sentences:
            text = lexicon.normalise(sentence.text)
            cues = sum(cue in text for cue in aspect.cues)
            if cues and sentence.text not in taken:
                score = cues + 2 * lexicon.coverage(concepts, sentence.text + sentence.heading)
                scored.append((score, -sentence.number, -sentence.position, sentence))
    scored.sort(key=lambda item: item[:3], reverse=True)
    return [item[3] for item in scored[:2]]


def _by_coverage(concepts: Sequence[lexicon.Concept], passages: list[list[Sentence]]) -> list[Sentence]:
    """The sentences covering most of the question, at most three, each close to the best one."""
    scored = [
        (lexicon.coverage(concepts, s.text + s.heading), -s.number, -s.position, s)
        for sentences in passages
        for s in sentences
    ]
    scored.sort(key=lambda item: item[:3], reverse=True)
    if not scored:
        return []
    best, seen, kept = scored[0][0], set(), []
    for (
        value,
        _,
        _,
        sentence,
    ) in scored:  # a section repeats its chunk's sentences under another number: once each
        if value >= best * 0.75 and sentence.text not in seen:
            seen.add(sentence.text)
            kept.append(sentence)
    return kept[:3]


def _whole_lists(chosen: list[Sentence], passages: list[list[Sentence]], budget: int) -> list[Sentence]:
    """The chosen sentences, a list item with the rest of its list (``grounding.list_items`` of its
    passage) while the budget allows: part of a list answers wrongly."""
    taken = {s.text for s in chosen}  # by text: a section repeats its chunk's sentences
    used = sum(len(s.text) for s in chosen)
    whole = list(chosen)
    for sentence in chosen:
        sentences = passages[sentence.number - 1]
        for items in grounding.list_items([s.text for s in sentences]):
            if not items[0].start <= sentence.position < items[-1].stop:
                continue
            for item in sentences[items[0].start : items[-1].stop]:
                if item.text not in taken and used + len(item.text) <= budget:
                    taken.add(item.text)
                    used += len(item.text)
                    whole.append(item)
    return whole


def _within(sentences: list[Sentence], budget: int) -> list[Sentence]:
    """The leading sentences that fit the budget (always the first one)."""
    kept: list[Sentence] = []
    used = 0
    for sentence in sentences:
        if kept and used + len(sentence.text) > budget:
            break
        kept.append(sentence)
        used += len(sentence.text)
    return kept


def quote(evidence: Sequence[grounding.Evidence]) -> str:
    """The extractive answer: each passage's chosen sentences, closed by its citation mark; list
    items on lines of their own."""

    def layout(sentences: list[str]) -> str:
        return "".join(
            ("\n" if i and grounding.LIST_ITEM.match(sentence) else "") + sentence
            for i, sentence in enumerate(sentences)
        )

    return "\n".join(f"{layout(e.sentences)}[{e.number}]" for e in evidence)
