"""``govassist bench hotline``: our call classifier against a TF-IDF + logistic-regression baseline.

Train on a labelled JSONL file, score accuracy and macro-F1 on a test file, or without one on a
stratified 25 % split held out from the training file (fixed seed; classes with a single example
stay in training). The baseline is a reasonable one, not a straw man: TF-IDF over character
1–3-grams with sublinear term frequency, logistic regression with C = 10 (better than the library
defaults on every task we measured).

``levers=True`` adds one row per design choice so each can be judged on the data: logistic
regression instead of the calibrated SVM, no class weights, request-type cue features, and (with
an embedder) USE sentence embeddings concatenated with the sparse features. Embeddings are
computed once per run and kept in memory.
"""

from __future__ import annotations

import random
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, f1_score
from sklearn.pipeline import Pipeline
from sklearn.svm import LinearSVC

from assistant.hotline.classifier import ClassifierOptions, TextClassifier, build_features, read_labelled
from assistant.retrieval.embedding import Embedder

SEED = 0
TEST_FRACTION = 0.25
Split = tuple[list[str], list[str], list[str], list[str]]


def stratified_split(texts: Sequence[str], labels: Sequence[str], fraction: float = TEST_FRACTION, seed: int = SEED) -> Split:
    """Per class, a shuffled ``fraction`` (at least one) is held out; single examples stay in training."""
    by_label: dict[str, list[int]] = defaultdict(list)
    for index, label in enumerate(labels):
        by_label[label].append(index)
    rng = random.Random(seed)
    held: set[int] = set()
    for label in sorted(by_label):
        indices = by_label[label]
        rng.shuffle(indices)
        if len(indices) >= 2:
            held.update(indices[: max(1, round(len(indices) * fraction))])
    train = [i for i in range(len(texts)) if i not in held]
    test = sorted(held)
    return [texts[i] for i in train], [labels[i] for i in train], [texts[i] for i in test], [labels[i] for i in test]


def baseline() -> Pipeline:
    return Pipeline([
        ("tfidf", TfidfVectorizer(analyzer="char", ngram_range=(1, 3), sublinear_tf=True)),
        ("lr", LogisticRegression(C=10.0, max_iter=3000)),
    ])


class _WithEmbeddings:
    """Our sparse features with USE sentence embeddings appended, a balanced linear SVM."""

    def __init__(self, embed: Callable[[Sequence[str]], np.ndarray]) -> None:
        self._embed = embed
        self._features: Any = None
        self._model = LinearSVC(C=0.5, class_weight="balanced")

    def _matrix(self, texts: Sequence[str], fit: bool) -> Any:
        sparse_part = self._features.fit_transform(texts) if fit else self._features.transform(texts)
        return sparse.hstack([sparse_part, sparse.csr_matrix(self._embed(texts))]).tocsr()

    def fit(self, texts: Sequence[str], labels: Sequence[str]) -> _WithEmbeddings:
        self._features = build_features(ClassifierOptions(), len(texts))
        self._model.fit(self._matrix(list(texts), fit=True), list(labels))
        return self

    def predict(self, texts: Sequence[str]) -> list[str]:
        return list(self._model.predict(self._matrix(list(texts), fit=False)))


def _embedding_cache(embedder: Embedder) -> Callable[[Sequence[str]], np.ndarray]:
    cache: dict[str, np.ndarray] = {}

    def embed(texts: Sequence[str]) -> np.ndarray:
        missing = list(dict.fromkeys(t for t in texts if t not in cache))
        for text, vector in zip(missing, embedder.embed_documents(missing), strict=True):
            cache[text] = vector
        return np.vstack([cache[t] for t in texts])

    return embed


def _systems(levers: bool, embedder: Embedder | None) -> list[tuple[str, Callable[[], Any]]]:
    systems: list[tuple[str, Callable[[], Any]]] = [("govassist", TextClassifier), ("tfidf+lr baseline", baseline)]
    if levers:
        systems += [
            ("govassist, logistic regression", lambda: TextClassifier(options=ClassifierOptions(estimator="logistic"))),
            ("govassist, no class weights", lambda: TextClassifier(options=ClassifierOptions(balanced=False))),
            ("govassist + request cues", lambda: TextClassifier(options=ClassifierOptions(request_cues=True))),
        ]
        if embedder is not None:
            embed = _embedding_cache(embedder)
            systems.append(("govassist + USE embeddings", lambda: _WithEmbeddings(embed)))
    return systems


def run(train: Path, label: str, test: Path | None = None, levers: bool = False, embedder: Embedder | None = None) -> dict[str, Any]:
    texts, labels = read_labelled(train, label)
    if test is None:
        x_train, y_train, x_test, y_test = stratified_split(texts, labels)
    else:
        x_train, y_train = texts, labels
        x_test, y_test = read_labelled(test, label)
    rows = []
    for name, make in _systems(levers, embedder):
        started = time.perf_counter()
        predicted = list(make().fit(x_train, y_train).predict(x_test))
        rows.append({
            "classifier": name,
            "accuracy": round(float(accuracy_score(y_test, predicted)), 4),
            "macro_f1": round(float(f1_score(y_test, predicted, average="macro", zero_division=0)), 4),
            "seconds": round(time.perf_counter() - started, 1),
        })
    return {"train": str(train), "test": str(test) if test else None, "label": label, "train_rows": len(x_train),
            "test_rows": len(x_test), "classes": len(set(y_train)), "rows": rows}
