"""The government lexicon, as data staff can extend: how a question's words may appear in documents.

Four sources, all package data under ``lexicon/``:
- ``synonyms.txt``: groups of interchangeable terms (公积金 住房公积金);
- ``colloquial.txt``: how citizens say things → the official terms (要带啥 → 材料, 上户口 → 落户);
- ``generic.txt``: words every government document uses (办理, 政策), worth little as evidence;
- ``aspects.txt``: what a question asks about a service (材料, 办理地点, 办理时限, 收费 ...), and the
  words of a sentence that answers it.

On top of them, ``question_concepts`` turns a question into *concepts*: what it says, each with the
surface forms a passage may use for it and a weight (how informative the word is, from jieba's
general-language IDF table), and ``covers`` decides whether a text contains a concept, directly or
through the lexicon. ``correct`` first mends pinyin-input typos against the retrieved passages
(居住正 → 居住证, 公基金 → 公积金).
Retrieval uses the official terms for query expansion; answering uses the concepts to judge whether
a passage answers the question. Pure functions over cached data; no models.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from assistant.retrieval import lexical
from assistant.text_normalisation import fold

_HAN = re.compile(r"[\u4e00-\u9fff]")
_HAN_RUN = re.compile(r"^[\u4e00-\u9fff]+$")
_HAN_RUNS = re.compile(r"[\u4e00-\u9fff]{2,}")
# Pinyin distinctions many speakers (and pinyin input with fuzzy settings) do not make.
_FUZZY_INITIALS = (("zh", "z"), ("ch", "c"), ("sh", "s"))
_FUZZY_FINALS = (("ang", "an"), ("eng", "en"), ("ing", "in"))
MAX_WEIGHT = 12.0


def _lexicon_lines(name: str) -> list[str]:
    text = resources.files("assistant.retrieval").joinpath("lexicon", name).read_text(encoding="utf-8")
    return [line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]


def normalise(text: str) -> str:
    """``fold`` (NFKC, format characters removed), lower case: the form words are matched in."""
    return fold(text).lower()


@lru_cache(maxsize=1)
def synonym_groups() -> dict[str, tuple[str, ...]]:
    """term -> the other terms of its group, from lexicon/synonyms.txt."""
    groups: dict[str, tuple[str, ...]] = {}
    for line in _lexicon_lines("synonyms.txt"):
        terms = line.split()
        for term in terms:
            groups[term] = tuple(dict.fromkeys(groups.get(term, ()) + tuple(t for t in terms if t != term)))
    return groups


@lru_cache(maxsize=1)
def colloquial_expressions() -> tuple[tuple[str, tuple[str, ...]], ...]:
    """(expression, official terms), longest expression first, from lexicon/colloquial.txt."""
    mapping: dict[str, tuple[str, ...]] = {}
    for line in _lexicon_lines("colloquial.txt"):
        official, _, spoken = line.partition("：")
        terms = tuple(official.split())
        for expression in spoken.split():
            expression = normalise(expression)
            if len(expression) > 1 and expression not in terms:  # one character matches inside too many words
                mapping[expression] = tuple(dict.fromkeys(mapping.get(expression, ()) + terms))
    return tuple(sorted(mapping.items(), key=lambda item: -len(item[0])))


@lru_cache(maxsize=1)
def generic_words() -> frozenset[str]:
    return frozenset(word for line in _lexicon_lines("generic.txt") for word in line.split())


@lru_cache(maxsize=1)
def _idf() -> tuple[dict[str, float], float]:
    """jieba's IDF table (general Chinese) and its median, the weight of words it does not know."""
    import jieba.analyse

    path = resources.files(jieba.analyse).joinpath("idf.txt")
    table: dict[str, float] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        word, _, value = line.partition(" ")
        if value:
            table[word] = float(value)
    values = sorted(table.values())
    return table, values[len(values) // 2]


@dataclass(frozen=True)
class Aspect:
    """Something asked about a service (材料, 办理时限): the question words that ask it, the sentence words that answer it."""

    name: str
    triggers: tuple[str, ...]
    cues: tuple[str, ...]


@lru_cache(maxsize=1)
def aspects() -> tuple[Aspect, ...]:
    found = []
    for line in _lexicon_lines("aspects.txt"):
        name, triggers, cues = (part.split() for part in line.split("｜"))
        found.append(Aspect(name[0], tuple(triggers), tuple(cues)))
    return tuple(found)


def asked_aspects(question: str) -> list[Aspect]:
    """The aspects a question asks about, by its words or by the official terms of its colloquial expressions."""
    text = normalise(question)
    official = {
        term for concept in question_concepts(question) if concept.colloquial for term in concept.forms
    }
    return [a for a in aspects() if a.name in official or any(trigger in text for trigger in a.triggers)]


def weight(word: str) -> float:
    """How informative a word is: its IDF in general Chinese, low for words every government text uses."""
    table, median = _idf()
    if word in generic_words():
        return 2.0
    value = table.get(word)
    if value is None and word.isdigit():
        value = 3.0  # a bare number
    elif value is None:
        # Unknown to the table: as informative as its most informative known part (办个 → 办),
        # else (a name, a rare term) the median.
        parts = [
            table[part] for part in lexical.subwords(word) if part in table and part not in generic_words()
        ]
        value = max(parts) if parts else (2.0 if word[:1] in generic_words() else median)
    return min(value, MAX_WEIGHT)


@dataclass(frozen=True)
class Concept:
    """Something the question asks about: its words, the forms a passage may use, its weight."""

    surface: str
    forms: tuple[str, ...]
    weight: float
    colloquial: bool = False  # found through colloquial.txt


SYNONYM_WEIGHT = 0.5  # a synonym of a question word: weaker than the word itself
OFFICIAL_WEIGHT = 1.0  # the official term of a colloquial expression: what the citizen meant


def expansions(question: str) -> list[tuple[str, float]]:
    """Terms to add to a keyword search, with their weights: the official terms of the question's
    colloquial expressions, and the synonyms of its words."""
    found: dict[str, float] = {}
    for concept in question_concepts(question):
        extra = OFFICIAL_WEIGHT if concept.colloquial else SYNONYM_WEIGHT
        for term in concept.forms[1:]:
            found[term] = max(found.get(term, 0.0), extra)
    return list(found.items())


_YEAR = re.compile(r"^(?:19|20)\d\d$")


@lru_cache(maxsize=4096)
def question_concepts(question: str, ignore: tuple[str, ...] = ()) -> tuple[Concept, ...]:
    """The concepts of a question: colloquial expressions first (longest match), then the remaining
    content words. ``ignore``: names that count for nothing (the service region's own name). A year
    weighs as much as the rarest word: a passage about another year does not answer."""
    text = normalise(question)
    for name in ignore:
        text = text.replace(normalise(name), " ")
    concepts: list[Concept] = []
    for expression, terms in colloquial_expressions():
        if expression in text:
            text = text.replace(expression, " ")
            # As informative as its most general official term: 咋办 → 办理 weighs little, 老年证 much.
            concepts.append(
                Concept(expression, (expression, *terms), min(weight(t) for t in terms), colloquial=True)
            )
    groups = synonym_groups()
    for token in dict.fromkeys(lexical.tokenize(text, guess_words=False)):
        if token in generic_words():
            continue
        concepts.append(
            Concept(
                token, (token, *groups.get(token, ())), MAX_WEIGHT if _YEAR.match(token) else weight(token)
            )
        )
    return tuple(concepts)


def names_a_thing(concept: Concept) -> bool:
    """Whether a concept is a dictionary noun (退役军人, 公租房, 护照) rather than a colloquial phrase,
    a verb or a word jieba only guessed."""
    if concept.colloquial or concept.surface not in _idf()[0]:
        return False
    tag = lexical.part_of_speech(concept.surface)
    return tag.startswith("n") or tag in ("vn", "l")  # nouns, verbal nouns (消费), set phrases (退役军人)


def correct(question: str, texts: Sequence[str]) -> str:
    """The question with pinyin-input typos corrected against the given texts (retrieved passages):
    a run of two to four Chinese characters that is no dictionary word and is found in none of
    them, but differs by one character from a dictionary word with the same pinyin in one of them,
    is replaced by it (居住正 → 居住证, 交契水 → 交契税; never 的时 → 的市 across 时候)."""
    normalised = [normalise(text) for text in texts]
    corrected = normalise(question)
    # Each run of Chinese characters is read aloud once; its windows are slices of that reading.
    readings = [(run, [_syllable(c) for c in run]) for text in normalised for run in _HAN_RUNS.findall(text)]
    for width in (4, 3, 2):
        sounds: dict[tuple[str, ...], str] = {}
        for run, syllables in readings:
            for start in range(len(run) - width + 1):
                sounds.setdefault(tuple(syllables[start : start + width]), run[start : start + width])
        for start in range(len(corrected) - width + 1):
            window = corrected[start : start + width]
            if (
                not _HAN_RUN.match(window)
                or lexical.is_word(window)
                or any(window in text for text in normalised)
            ):
                continue
            match = sounds.get(tuple(_syllable(c) for c in window))
            if (
                match
                and lexical.is_word(match)
                and sum(a != b for a, b in zip(match, window, strict=True)) == 1
            ):
                corrected = corrected[:start] + match + corrected[start + width :]
    return corrected


@lru_cache(maxsize=8192)
def _syllable(character: str) -> str:
    """Toneless pinyin, without the distinctions many speakers and fuzzy pinyin input do not make."""
    from pypinyin import Style, lazy_pinyin

    syllable = str(lazy_pinyin(character, style=Style.NORMAL)[0])
    for exact, fuzzy in _FUZZY_INITIALS:
        if syllable.startswith(exact):
            syllable = fuzzy + syllable[len(exact) :]
    for exact, fuzzy in _FUZZY_FINALS:
        if syllable.endswith(exact):
            syllable = syllable[: -len(exact)] + fuzzy
    return syllable


def covers(text: str, concept: Concept) -> bool:
    """Whether a (normalised) text contains the concept: any of its forms."""
    return any(form in text for form in concept.forms)


def coverage(concepts: Sequence[Concept], text: str) -> float:
    """Weighted share of the concepts a text contains (0 when there are none)."""
    total = sum(c.weight for c in concepts)
    if not total:
        return 0.0
    normalised = normalise(text)
    return sum(c.weight for c in concepts if covers(normalised, c)) / total
