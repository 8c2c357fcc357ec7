"""Answerability: does a retrieved passage answer the question? A calibrated decision, not a guess.

A question is answered only from a passage the model judges to answer it; otherwise the chain
refuses and hands the citizen on. For each of the best few hits the judge measures what separates
the cases (``FEATURES``, each in [0, 1] or a similarity):

- ``coverage``: the weighted share of the question's concepts the passage contains, directly or
  through the government lexicon (要带啥 → 材料); ``clause``: the same for the question's last
  clause, where citizens put what they ask after the story of their case;
- ``missing``: the weight of the most informative concept the passage lacks (护照, 驾驶证, 退役军人
  must be found, however well the rest matches); ``absent``: the same for concepts no retrieved
  passage contains (the knowledge base likely has nothing on them), and ``absent_noun`` for those
  that are dictionary nouns (a thing or service named: 退役军人, 公租房), not a citizen's turn of phrase;
- ``aspect``: the share of the aspects asked (材料, 办理时限, 收费 …) whose answer words the passage has;
- ``dense``: e5 similarity of question and passage; ``label``: e5 similarity of the question and
  what the passage is about (an FAQ's official question, or the title and heading);
- ``faq``: the passage is an official FAQ answer; ``rank``: its place in the retrieval order.

What the question takes for granted (``premises``: a year, a name in 《》, a benefit with its
amount, a group of people, an operation) must be stated by the passage (a year) or by a retrieved
passage of its document (the rest): a passage about another year, another amount, another group or
注销 instead of 设立 never answers, however well it matches; the judgement keeps the premises no
passage states, for the refusal to name. Boosted decision trees turn the features into a
probability; the hit with the highest probability is the answer's source when it reaches the
threshold. Trees, threshold and what they were fitted on are package data (``data/answerability.json``, written by
``python -m eval_sets.refusal.fit``), shown with every candidate's features in the chain trace and
the console inspector. Which passages to retrieve, and what to say, are other steps' business.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any

import numpy as np

from assistant.answering import evidence
from assistant.answering.premises import Premise, premises_of, states
from assistant.documents import SearchHit
from assistant.retrieval import lexicon
from assistant.retrieval.embedding import Embedder

FEATURES = (
    "coverage",
    "clause",
    "missing",
    "absent",
    "absent_noun",
    "aspect",
    "dense",
    "label",
    "faq",
    "rank",
)
OFFICIAL_MARGIN = 0.15  # an FAQ this close to the best passage's probability is answered from instead
_CLAUSE_BREAK = re.compile(r"[，,。？?！!；;\s]+")


@dataclass(frozen=True)
class AnswerabilityModel:
    """Boosted regression trees over ``FEATURES`` (log-odds = bias + rate x Σ trees), and the
    probability an answer needs. A tree is a list of nodes ``[feature, split, left, right, value]``
    (``feature`` -1 for a leaf)."""

    trees: tuple[tuple[tuple[float, ...], ...], ...]
    bias: float
    rate: float
    threshold: float
    fitted_on: str = ""
    importances: dict[str, float] = field(default_factory=dict)

    def probability(self, features: dict[str, float]) -> float:
        row = [features[name] for name in FEATURES]
        z = self.bias + self.rate * sum(_leaf(tree, row) for tree in self.trees)
        return 1.0 / (1.0 + math.exp(-z))

    def with_threshold(self, threshold: float) -> AnswerabilityModel:
        return AnswerabilityModel(
            self.trees, self.bias, self.rate, threshold, self.fitted_on, self.importances
        )

    def summary(self) -> dict[str, Any]:
        """What the inspector shows: threshold, what it was fitted on, how much each feature matters."""
        return {
            "threshold": self.threshold,
            "fitted_on": self.fitted_on,
            "importances": self.importances,
            "trees": len(self.trees),
        }

    def to_dict(self) -> dict[str, Any]:
        return {
            "features": list(FEATURES),
            "bias": self.bias,
            "rate": self.rate,
            "threshold": self.threshold,
            "fitted_on": self.fitted_on,
            "importances": self.importances,
            "trees": [list(map(list, t)) for t in self.trees],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> AnswerabilityModel:
        if tuple(data["features"]) != FEATURES:
            raise ValueError(
                f"answerability model features {data['features']} differ from {FEATURES}: refit it"
            )
        trees = tuple(tuple(tuple(float(v) for v in node) for node in tree) for tree in data["trees"])
        return cls(
            trees,
            float(data["bias"]),
            float(data["rate"]),
            float(data["threshold"]),
            data.get("fitted_on", ""),
            dict(data.get("importances", {})),
        )


def _leaf(tree: tuple[tuple[float, ...], ...], row: list[float]) -> float:
    node = tree[0]
    while node[0] >= 0:
        node = tree[int(node[2] if row[int(node[0])] <= node[1] else node[3])]
    return node[4]


@lru_cache(maxsize=1)
def packaged_model() -> AnswerabilityModel:
    text = (
        resources.files("assistant.answering")
        .joinpath("data", "answerability.json")
        .read_text(encoding="utf-8")
    )
    return AnswerabilityModel.from_dict(json.loads(text))


@dataclass
class Candidate:
    """One judged hit: its features and the probability that it answers the question."""

    hit: SearchHit
    features: dict[str, float]
    probability: float = 0.0
    vetoed: str = ""  # why the passage cannot answer whatever its features say (a premise it does not state)
    unmet: tuple[Premise, ...] = ()  # the question's premises it does not state

    def scored(self, model: AnswerabilityModel) -> Candidate:
        probability = 0.0 if self.vetoed else model.probability(self.features)
        return Candidate(self.hit, self.features, probability, self.vetoed, self.unmet)


@dataclass
class Judgement:
    """The judge's view of one question: its concepts, every candidate (best first), the verdict."""

    concepts: list[lexicon.Concept] = field(default_factory=list)
    candidates: list[Candidate] = field(default_factory=list)
    threshold: float = 0.5
    premises: tuple[Premise, ...] = ()

    @property
    def unmet(self) -> list[Premise]:
        """The question's premises that no judged passage states (what a refusal names)."""
        return [p for p in self.premises if self.candidates and all(p in c.unmet for c in self.candidates)]

    @property
    def related(self) -> Candidate | None:
        """The best-ranked passage that matched but lacks a premise: the nearest item (相关内容)."""
        return next((c for c in self.candidates if c.unmet), None)

    @property
    def best(self) -> Candidate | None:
        return self.candidates[0] if self.candidates else None

    @property
    def answerable(self) -> bool:
        return self.best is not None and self.best.probability >= self.threshold

    @property
    def official(self) -> Candidate | None:
        """The best official FAQ judged to answer about as surely as the best passage, if any: its
        wording is preferred (官方口径)."""
        best = self.best
        floor = max(self.threshold, best.probability - OFFICIAL_MARGIN) if best else 1.0
        return next((c for c in self.candidates if c.hit.chunk.question and c.probability >= floor), None)

    def supporting(self, floor: float) -> list[SearchHit]:
        """The hits judged to bear on the question (probability at least ``floor``), best first."""
        return [c.hit for c in self.candidates if c.probability >= floor]


def _label(hit: SearchHit) -> str:
    chunk = hit.chunk
    if chunk.question:
        return chunk.question
    return (
        " ".join(part for part in [chunk.metadata.title, *chunk.heading_path[-1:]] if part) or chunk.text[:60]
    )


def last_clause(question: str, min_chars: int = 6) -> str:
    """The question's last clause (with the one before it when it is very short)."""
    parts = [part for part in _CLAUSE_BREAK.split(question) if part]
    taken: list[str] = []
    for part in reversed(parts):
        taken.insert(0, part)
        if len("".join(taken)) >= min_chars:
            break
    return "".join(taken)


def _weighted(concepts: Sequence[lexicon.Concept], text: str) -> tuple[float, float]:
    """Weighted share of the concepts the text covers, and the weight of the heaviest one it lacks."""
    total = sum(c.weight for c in concepts)
    covered = [lexicon.covers(text, c) for c in concepts]
    share = sum(c.weight for c, ok in zip(concepts, covered, strict=True) if ok) / total if total else 0.0
    lacking = max((c.weight for c, ok in zip(concepts, covered, strict=True) if not ok), default=0.0)
    return share, lacking / lexicon.MAX_WEIGHT


class AnswerabilityJudge:
    def __init__(
        self,
        embedder: Embedder,
        model: AnswerabilityModel | None = None,
        depth: int = 5,
        ignore: Sequence[str] = (),
        threshold: float | None = None,
    ) -> None:
        """``ignore``: names that count for nothing (the service region's); ``threshold``: overrides the model's."""
        self._embedder = embedder
        model = model or packaged_model()
        self.model = model if threshold is None else model.with_threshold(threshold)
        self._depth = depth
        self._ignore = tuple(ignore)

    def judge(
        self, question: str, hits: Sequence[SearchHit], question_vector: np.ndarray | None = None
    ) -> Judgement:
        """``question_vector``: the question's embedding when the caller has it (else it is embedded here)."""
        concepts = list(lexicon.question_concepts(question, self._ignore))
        judgement = Judgement(
            concepts, threshold=self.model.threshold, premises=premises_of(question, self._ignore)
        )
        if not hits or not concepts:
            return judgement
        found = self.candidates(question, concepts, hits, question_vector)
        scored = [candidate.scored(self.model) for candidate in found]
        judgement.candidates = sorted(scored, key=lambda c: c.probability, reverse=True)
        return judgement

    def candidates(
        self,
        question: str,
        concepts: list[lexicon.Concept],
        hits: Sequence[SearchHit],
        question_vector: np.ndarray | None = None,
    ) -> list[Candidate]:
        """The top hits with their features, not yet scored."""
        top = list(hits[: self._depth])
        retrieved = list(hits[: max(self._depth, 10)])
        texts = [lexicon.normalise(hit.chunk.search_text) for hit in retrieved]
        if question_vector is None:
            question_vector = self._embedder.embed_query(question)
        labels = self._embedder.embed_queries([_label(hit) for hit in top]) @ question_vector
        clause = lexicon.question_concepts(last_clause(question), self._ignore) or tuple(concepts)
        unfound = [c for c in concepts if not any(lexicon.covers(t, c) for t in texts)]
        absent = max((c.weight for c in unfound), default=0.0)
        absent_noun = max((c.weight for c in unfound if lexicon.names_a_thing(c)), default=0.0)
        aspects = evidence.asked(question)
        assumed = premises_of(question, self._ignore)
        asked = lexicon.normalise(question)
        found = []
        for rank, (hit, text, label) in enumerate(zip(top, texts, labels, strict=False)):
            coverage, missing = _weighted(concepts, text)
            features = {
                "coverage": coverage,
                "clause": _weighted(clause, text)[0],
                "missing": missing,
                "absent": absent / lexicon.MAX_WEIGHT,
                "absent_noun": absent_noun / lexicon.MAX_WEIGHT,
                "aspect": sum(any(cue in text for cue in a.cues) for a in aspects) / len(aspects)
                if aspects
                else 1.0,
                "dense": float(hit.scores.dense) if hit.scores.dense is not None else 0.0,
                "label": float(label),
                "faq": float(bool(hit.chunk.question)),
                "rank": rank / max(self._depth - 1, 1),
            }
            document = [
                t for other, t in zip(retrieved, texts, strict=True) if other.chunk.doc_id == hit.chunk.doc_id
            ]
            where = {"passage": [text], "document": document, "retrieved": texts}
            unmet = tuple(p for p in assumed if not any(states(p, t, asked) for t in where[p.reach]))
            vetoed = "资料未涉及" + "、".join(f"“{p.text}”" for p in unmet) if unmet else ""
            found.append(Candidate(hit, features, vetoed=vetoed, unmet=unmet))
        return found


def feature_matrix(judgements: Sequence[Judgement]) -> np.ndarray:
    """Every candidate's features as rows (for fitting)."""
    return np.array([[c.features[name] for name in FEATURES] for j in judgements for c in j.candidates])
