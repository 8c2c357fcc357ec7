"""Duty-list routing (权责清单): the handling department whose published duties match the request.

A deployment's duty list is data: JSON Lines, one duty per line, ``{"department": "示例市水务局",
"duty": "负责城市供水管理，处理停水、水压低和水质问题"}``. The shipped 示例市 list is package data
(``assistant/hotline/data/duty_list.jsonl``). ``DutyRouter`` needs no labelled history, so a new
deployment routes from day one, and every suggestion carries the duty line it matched.

A request is scored against every duty line on two channels: lexical (TF-IDF cosine over jieba
words and character bigrams, fitted on the duty lines) and dense (e5 ``query:`` vector of the
request against ``passage:`` vectors of the lines). Each channel is standardised over the lines
for this request, so neither channel's scale decides; a line's score is the sum, a department's
that of its best line. ``combine`` mixes these with a trained router's probabilities.

This module does not decide when the duty list is used (``triage``) or train anything.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import FeatureUnion

from assistant.errors import BadInput
from assistant.hotline.classifier import SENTENCE_CHARS, words
from assistant.jsonl import read_objects
from assistant.retrieval.embedding import Embedder

DUTY_SHARE = 0.3  # a trained router's probability counts 0.7, the duty list's 0.3 (chosen a priori)


def default_duty_list() -> Path:
    """The shipped 示例市 duty list."""
    return Path(str(resources.files("assistant.hotline") / "data" / "duty_list.jsonl"))


@dataclass(frozen=True)
class Duty:
    department: str
    duty: str


@dataclass(frozen=True)
class DepartmentSuggestion:
    """A handling department for the request, how strongly it is suggested (0–1, summing to 1
    over all departments) and the duty line that matched (empty for a trained router alone)."""

    department: str
    confidence: float
    duty: str = ""


def read_duty_list(path: Path) -> list[Duty]:
    duties = []
    for number, record in read_objects(path, "权责清单"):
        department, duty = str(record.get("department") or "").strip(), str(record.get("duty") or "").strip()
        if not department or not duty:
            raise BadInput(f"{path.name} 第 {number} 行缺少 department 或 duty")
        duties.append(Duty(department, duty))
    if len({duty.department for duty in duties}) < 2:
        raise BadInput(f"{path.name} 至少需要两个承办单位的职责")
    return duties


def _standardised(scores: np.ndarray) -> np.ndarray:
    spread = float(scores.std())
    return (scores - scores.mean()) / spread if spread > 1e-9 else np.zeros_like(scores)


def _shares(scores: np.ndarray) -> np.ndarray:
    exponentials = np.exp(scores - scores.max())
    return np.asarray(exponentials / exponentials.sum())


class DutyRouter:
    """Ranks a deployment's departments for a request by its duty list; the duty lines' vectors are
    computed on first use (once), under a lock."""

    def __init__(self, duties: Sequence[Duty], embedder: Embedder | None) -> None:
        self.duties = list(duties)
        self.departments = sorted({duty.department for duty in self.duties})
        self._owner = np.array([self.departments.index(duty.department) for duty in self.duties])
        self._embedder = embedder
        self._lexical = FeatureUnion(
            [
                (
                    "words",
                    TfidfVectorizer(tokenizer=words, token_pattern=None, lowercase=False, sublinear_tf=True),
                ),
                ("chars", TfidfVectorizer(analyzer="char", ngram_range=(2, 2), sublinear_tf=True)),
            ]
        )
        self._line_terms = self._lexical.fit_transform([duty.duty for duty in self.duties])
        self._line_vectors: np.ndarray | None = None
        self._lock = threading.Lock()

    @classmethod
    def load(cls, path: Path, embedder: Embedder | None) -> DutyRouter:
        return cls(read_duty_list(path), embedder)

    def _dense(self, texts: Sequence[str]) -> np.ndarray | None:
        if self._embedder is None:
            return None
        with self._lock:
            if self._line_vectors is None:
                self._line_vectors = self._embedder.embed_documents([duty.duty for duty in self.duties])
        queries = self._embedder.embed_queries([text[:SENTENCE_CHARS] for text in texts])
        return np.asarray(queries @ self._line_vectors.T)

    def line_scores(self, texts: Sequence[str], channels: Sequence[str] = ("lexical", "dense")) -> np.ndarray:
        """(texts, duty lines): the sum of the standardised similarities of ``channels`` (dense
        only with an embedder)."""
        scores = np.zeros((len(texts), len(self.duties)))
        if "lexical" in channels:
            lexical = (self._lexical.transform(list(texts)) @ self._line_terms.T).toarray()
            scores += np.vstack([_standardised(row) for row in lexical])
        dense = self._dense(texts) if "dense" in channels else None
        if dense is not None:
            scores += np.vstack([_standardised(row) for row in dense])
        return scores

    def rank(
        self, texts: Sequence[str], channels: Sequence[str] = ("lexical", "dense")
    ) -> list[list[DepartmentSuggestion]]:
        """Per text, every department, best first, with its best-matching duty line."""
        ranked = []
        for row in self.line_scores(texts, channels):
            best_line = [
                int(np.flatnonzero(self._owner == d)[np.argmax(row[self._owner == d])])
                for d in range(len(self.departments))
            ]
            department_scores = row[best_line]
            shares = _shares(department_scores)
            order = np.argsort(-department_scores, kind="stable")
            ranked.append(
                [
                    DepartmentSuggestion(
                        self.departments[d], round(float(shares[d]), 4), self.duties[best_line[d]].duty
                    )
                    for d in order
                ]
            )
        return ranked


def combine(
    trained: dict[str, float], by_duty: Sequence[DepartmentSuggestion], duty_share: float = DUTY_SHARE
) -> list[DepartmentSuggestion]:
    """A trained router's probabilities (department → p) mixed with the duty list's suggestions;
    a department known to one side only gets nothing from the other. Best first, duty lines kept."""
    duty_lines = {suggestion.department: suggestion.duty for suggestion in by_duty}
    duty_confidence = {suggestion.department: suggestion.confidence for suggestion in by_duty}
    departments = list(dict.fromkeys([*trained, *duty_lines]))
    mixed = {
        d: (1 - duty_share) * trained.get(d, 0.0) + duty_share * duty_confidence.get(d, 0.0)
        for d in departments
    }
    ordered = sorted(departments, key=lambda d: -mixed[d])
    return [DepartmentSuggestion(d, round(mixed[d], 4), duty_lines.get(d, "")) for d in ordered]
