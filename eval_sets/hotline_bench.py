"""``govassist bench hotline``: our call classifier against a TF-IDF + logistic-regression baseline.

Train on a labelled JSONL file, score accuracy and macro-F1 on a test file, or without one on a
stratified 25 % split held out from the training file (fixed seed; classes with a single example
stay in training). The baseline is a reasonable one, not a straw man: TF-IDF over character
1–3-grams with sublinear term frequency, logistic regression with C = 10 (better than the library
defaults on every task we measured).

``levers=True`` also reports how consistent the training labels are (near-duplicate messages
labelled differently), and adds one row per design choice so each can be judged on the data: logistic
regression instead of the calibrated SVM, no class weights, request-type cue features, the levers
against noisy and ambiguous labels of ``hotline_levers`` (confident learning, a fastText-like torch
model alone and averaged with ours, and each ``auxiliary`` label field's probabilities stacked),
and (with an embedder) e5 sentence vectors beside the sparse features, and a small head on the
vectors alone. With few classes the bench also gives our per-class precision and recall and the
confusion matrix on the test rows. The bench's question vectors are
kept on disk (``QueryCachedEmbedder``), so each public message is embedded once across runs.

With a duty list (权责清单, department labels) or a taxonomy (category labels) the description
router is measured as top-1 and top-3 accuracy: with no labelled history on every row of the file
(it trains on nothing), each channel alone and both; and on the held-out rows, alone, trained on
history, and the two mixed as the copilot mixes them.
"""

from __future__ import annotations

import hashlib
import random
import time
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, f1_score
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import Pipeline

from assistant.hotline.classifier import (
    SENTENCE_CHARS,
    ClassifierOptions,
    Embed,
    TextClassifier,
    read_labelled,
)
from assistant.hotline.duty_routing import Duty, DutyRouter, combine, read_duty_list
from assistant.hotline.taxonomy import Taxonomy
from assistant.retrieval.embedding import Embedder
from assistant.retrieval.embedding_cache import VectorStore
from eval_sets.hotline_levers import AuxiliaryStack, Averaged, CharacterBag, ConfidentLearning
from eval_sets.metrics import class_rows, confusion_rows

SEED = 0
TEST_FRACTION = 0.25
Split = tuple[list[str], list[str], list[str], list[str]]


def stratified_split(
    texts: Sequence[str], labels: Sequence[str], fraction: float = TEST_FRACTION, seed: int = SEED
) -> Split:
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
    return (
        [texts[i] for i in train],
        [labels[i] for i in train],
        [texts[i] for i in test],
        [labels[i] for i in test],
    )


def baseline() -> Pipeline:
    return Pipeline(
        [
            ("tfidf", TfidfVectorizer(analyzer="char", ngram_range=(1, 3), sublinear_tf=True)),
            ("lr", LogisticRegression(C=10.0, max_iter=3000)),
        ]
    )


class QueryCachedEmbedder:
    """An ``Embedder`` whose question vectors are kept on disk (``store``, under the model name plus
    ``:query``): for the bench's public messages only, never for citizens' calls."""

    def __init__(self, embedder: Embedder, store: VectorStore) -> None:
        self._embedder = embedder
        self._store = store
        self.name = embedder.name
        self.dimension = embedder.dimension

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        return self._embedder.embed_documents(texts)

    def embed_query(self, text: str) -> np.ndarray:
        vector: np.ndarray = self.embed_queries([text])[0]
        return vector

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        model = f"{self.name}:query"
        digests = [hashlib.sha256(text.encode("utf-8")).digest() for text in texts]
        known = self._store.get(model, list(dict.fromkeys(digests)), self.dimension)
        missing = list(
            dict.fromkeys(text for text, digest in zip(texts, digests, strict=True) if digest not in known)
        )
        for start in range(
            0, len(missing), 64
        ):  # stored as it goes: a long first run resumes where it stopped
            batch = missing[start : start + 64]
            batch_digests = [hashlib.sha256(text.encode("utf-8")).digest() for text in batch]
            vectors = self._embedder.embed_queries(batch)
            self._store.put(model, batch_digests, vectors)
            known.update(zip(batch_digests, vectors, strict=True))
        return np.vstack([known[digest] for digest in digests]).astype(np.float32)


class SentenceHead:
    """A small head on the sentence vectors alone: balanced logistic regression on e5 vectors."""

    def __init__(self, embed: Embed) -> None:
        self._embed = embed
        self._model = LogisticRegression(C=10.0, class_weight="balanced", max_iter=3000)

    def fit(self, texts: Sequence[str], labels: Sequence[str]) -> SentenceHead:
        self._model.fit(self._embed([text[:SENTENCE_CHARS] for text in texts]), list(labels))
        return self

    def predict(self, texts: Sequence[str]) -> list[str]:
        return [
            str(label)
            for label in self._model.predict(self._embed([text[:SENTENCE_CHARS] for text in texts]))
        ]


def _top(ranked: Sequence[Sequence[str]], expected: Sequence[str], k: int) -> float:
    return round(
        sum(label in departments[:k] for departments, label in zip(ranked, expected, strict=True))
        / len(expected),
        4,
    )


def description_rows(
    duties: Sequence[Duty],
    embedder: Embedder | None,
    split: Split,
    everything: tuple[list[str], list[str]],
    source: str = "duty list",
) -> list[dict[str, Any]]:
    """Routing by descriptions (a duty list, or taxonomy paths: ``source``) without history on every row of the file (it trains on nothing), each
    channel alone and both; then on the held-out rows, without and with history."""
    x_train, y_train, x_test, y_test = split
    router = DutyRouter(duties, embedder)
    rows = []

    def row(name: str, ranked: Sequence[Sequence[str]], expected: Sequence[str], started: float) -> None:
        rows.append(
            {
                "router": name,
                "rows": len(expected),
                "top1": _top(ranked, expected, 1),
                "top3": _top(ranked, expected, 3),
                "seconds": round(time.perf_counter() - started, 1),
            }
        )

    def departments(texts: Sequence[str], channels: tuple[str, ...]) -> list[list[str]]:
        return [[s.department for s in ranked] for ranked in router.rank(texts, channels)]

    levers = [("lexical + e5", ("lexical", "dense")), ("lexical only", ("lexical",)), ("e5 only", ("dense",))]
    for name, channels in levers if embedder is not None else levers[1:2]:
        started = time.perf_counter()
        row(
            f"{source}, no history ({name}), every row",
            departments(everything[0], channels),
            everything[1],
            started,
        )
    started = time.perf_counter()
    row(f"{source}, no history, held-out rows", departments(x_test, levers[0][1]), y_test, started)
    started = time.perf_counter()
    trained = TextClassifier().fit(x_train, y_train)
    probabilities = trained.probabilities(x_test)
    row(
        "trained on history",
        [[trained.labels[i] for i in np.argsort(-p)] for p in probabilities],
        y_test,
        started,
    )
    mixed = [
        [s.department for s in combine(dict(zip(trained.labels, map(float, p), strict=True)), by_duty)]
        for p, by_duty in zip(probabilities, router.rank(x_test), strict=True)
    ]
    row(f"trained on history + {source}", mixed, y_test, started)
    return rows


def _systems(
    levers: bool, embed: Embed | None, auxiliary: Mapping[str, Mapping[str, str]]
) -> list[tuple[str, Callable[[], Any]]]:
    systems: list[tuple[str, Callable[[], Any]]] = [
        ("govassist", TextClassifier),
        ("tfidf+lr baseline", baseline),
    ]
    if levers:
        systems += [
            (
                "govassist, logistic regression",
                lambda: TextClassifier(options=ClassifierOptions(estimator="logistic")),
            ),
            (
                "govassist, no class weights",
                lambda: TextClassifier(options=ClassifierOptions(balanced=False)),
            ),
            (
                "govassist + request cues",
                lambda: TextClassifier(options=ClassifierOptions(request_cues=True)),
            ),
            ("govassist, SVM C = 0.2", lambda: TextClassifier(options=ClassifierOptions(svm_c=0.2))),
            ("govassist, NB-SVM", lambda: TextClassifier(options=ClassifierOptions(estimator="nbsvm"))),
            (
                "govassist, ensemble SVM + NB-SVM",
                lambda: TextClassifier(options=ClassifierOptions(estimator="ensemble")),
            ),
            (
                "govassist + the ask (last sentences) apart",
                lambda: TextClassifier(options=ClassifierOptions(ask_clause=True)),
            ),
            (
                "govassist, character 1–4-grams",
                lambda: TextClassifier(options=ClassifierOptions(char_max_n=4)),
            ),
            ("govassist, confident learning (label issues dropped)", ConfidentLearning),
            ("fastText-like character bag (torch)", CharacterBag),
            ("govassist and character bag averaged", lambda: Averaged(TextClassifier, CharacterBag)),
        ]
        systems += [
            (f"govassist + {field} probabilities stacked", partial(AuxiliaryStack, side))
            for field, side in auxiliary.items()
        ]
        if embed is not None:
            options = ClassifierOptions(sentence_vectors=True)
            systems.append(
                ("govassist + e5 sentence vectors", lambda: TextClassifier(options=options, embed=embed))
            )
            systems.append(("e5 vectors alone, logistic-regression head", lambda: SentenceHead(embed)))
    return systems


def cross_validated(
    make: Callable[[], Any], texts: Sequence[str], labels: Sequence[str], folds: int
) -> float:
    """Mean accuracy of ``folds``-fold stratified cross-validation (fixed seed) on these rows only."""
    target = np.asarray(labels)
    scores = []
    for fit_rows, score_rows in StratifiedKFold(folds, shuffle=True, random_state=SEED).split(texts, target):
        model = make().fit([texts[i] for i in fit_rows], list(target[fit_rows]))
        scores.append(accuracy_score(target[score_rows], model.predict([texts[i] for i in score_rows])))
    return round(float(np.mean(scores)), 4)


PER_CLASS_LIMIT = 10  # labels with at most this many classes get per-class figures and a confusion matrix


NEAR_DUPLICATE = (0.95, 0.8, 0.6)  # cosine of character 2–3-gram TF-IDF vectors


def label_consistency(texts: Sequence[str], labels: Sequence[str]) -> list[dict[str, Any]]:
    """How far the labels agree with themselves: per similarity threshold, the pairs of messages
    that similar and the share of them labelled differently. Near-identical messages with
    different labels bound what any classifier of the text can reach on these labels."""
    vectors = TfidfVectorizer(analyzer="char", ngram_range=(2, 3), sublinear_tf=True).fit_transform(texts)
    similar = (vectors @ vectors.T).tocoo()
    upper = similar.row < similar.col
    rows = []
    for threshold in NEAR_DUPLICATE:
        chosen = upper & (similar.data >= threshold)
        pairs = list(zip(similar.row[chosen], similar.col[chosen], strict=True))
        conflicting = sum(labels[a] != labels[b] for a, b in pairs)
        rows.append(
            {
                "similarity": f">= {threshold}",
                "pairs": len(pairs),
                "conflicting": conflicting,
                "share": round(conflicting / len(pairs), 3) if pairs else 0.0,
            }
        )
    return rows


def sample(
    texts: list[str], labels: list[str], size: int | None, seed: int = SEED
) -> tuple[list[str], list[str]]:
    """A seeded random ``size`` rows (all when ``size`` is None or larger): for levers too slow on a whole file."""
    if size is None or size >= len(texts):
        return texts, labels
    chosen = sorted(random.Random(seed).sample(range(len(texts)), size))
    return [texts[i] for i in chosen], [labels[i] for i in chosen]


def run(
    train: Path,
    label: str,
    test: Path | None = None,
    levers: bool = False,
    embedder: Embedder | None = None,
    duty_list: Path | None = None,
    size: int | None = None,
    taxonomy: Path | None = None,
    folds: int | None = None,
    auxiliary: Sequence[str] = (),
) -> dict[str, Any]:
    """``folds``: each classifier is also cross-validated on the training part alone (the held-out
    rows never seen), for choosing between levers without looking at the held-out score.
    ``auxiliary``: other label fields of the training file, each stacked as a lever (their
    values are read for training rows only). With few classes, the first classifier's (ours)
    per-class precision and recall and its confusion matrix on the test rows come too."""
    texts, labels = sample(*read_labelled(train, label), size)
    if test is None:
        x_train, y_train, x_test, y_test = stratified_split(texts, labels)
    else:
        x_train, y_train = texts, labels
        x_test, y_test = read_labelled(test, label)
    rows = []
    embed = embedder.embed_queries if embedder is not None else None
    sides = {field: dict(zip(*read_labelled(train, field), strict=True)) for field in auxiliary}
    per_class: dict[str, list[dict[str, Any]]] = {}
    dropped = None
    for name, make in _systems(levers, embed, sides):
        started = time.perf_counter()
        scores = {} if folds is None else {"cv_accuracy": cross_validated(make, x_train, y_train, folds)}
        model = make().fit(x_train, y_train)
        predicted = list(model.predict(x_test))
        if isinstance(model, ConfidentLearning):
            dropped = model.dropped
        if not per_class and len(set(y_train)) <= PER_CLASS_LIMIT:
            per_class = {
                "class_rows": class_rows(y_test, predicted),
                "confusion_rows": confusion_rows(y_test, predicted),
            }
        rows.append(
            {
                "classifier": name,
                **scores,
                "accuracy": round(float(accuracy_score(y_test, predicted)), 4),
                "macro_f1": round(float(f1_score(y_test, predicted, average="macro", zero_division=0)), 4),
                "seconds": round(time.perf_counter() - started, 1),
            }
        )
    result = {
        "train": str(train),
        "test": str(test) if test else None,
        "label": label,
        "train_rows": len(x_train),
        "test_rows": len(x_test),
        "classes": len(set(y_train)),
        "rows": rows,
        **per_class,
    }
    if dropped is not None:
        result["label_issues_dropped"] = dropped
    everything = (texts + x_test, labels + y_test) if test is not None else (texts, labels)
    if levers:
        result["consistency_rows"] = label_consistency(x_train, y_train)
    split = (x_train, y_train, x_test, y_test)
    if duty_list is not None:
        result["description_rows"] = description_rows(read_duty_list(duty_list), embedder, split, everything)
    elif taxonomy is not None:
        depth = max(len(label.split("/")) for label in labels)
        duties = [Duty(label, line) for label, line in Taxonomy.load(taxonomy).descriptions(depth)]
        result["description_rows"] = description_rows(duties, embedder, split, everything, "taxonomy")
    return result
