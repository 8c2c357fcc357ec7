"""Trainable text classifiers for call transcripts and citizen messages, and their labelled data.

``TextClassifier`` is one scikit-learn model per label (request type, category, handling
department, urgency ...): TF-IDF over jieba words (1–2-grams) and characters (1–3-grams), a
class-balanced linear SVM, and sigmoid calibration so each prediction has a probability (the
confidence shown to the agent) and the words that pushed it there (the reason). With
``sentence_vectors`` the text's sentence embedding (e5 ``query:`` vectors, from the embedder the
caller passes in) is appended to the sparse features; the embedder is never pickled with the
model. The choices were measured against alternatives with ``govassist bench hotline --levers``
(BENCHMARKS.md).

This module knows nothing about which labels a deployment has or where models live
(``triage``), nor about the fields read out of a call (``extraction``).
"""

from __future__ import annotations

import logging
import pickle
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import joblib
import numpy as np
from scipy import sparse
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.calibration import CalibratedClassifierCV
from sklearn.ensemble import VotingClassifier
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.preprocessing import FunctionTransformer
from sklearn.svm import LinearSVC

from assistant.errors import BadInput, ConfigurationError
from assistant.hotline.signals import request_type_cue_matrix
from assistant.jsonl import read_objects
from assistant.retrieval import lexical

logger = logging.getLogger(__name__)

TEXT_FIELDS = ("text", "question")
SENTENCE_CHARS = 256  # the head of a long message is embedded: its subject and request come first
SENTENCE_WEIGHT = 1.0  # unit vectors beside TF-IDF rows (also unit length per part): equal footing
Embed = Callable[[Sequence[str]], np.ndarray]  # texts → (n, dimension) L2-normalised vectors
_WORD = re.compile(r"[\w\u4e00-\u9fff]")
_SENTENCE_END = re.compile(r"[。！？!?；;\n]+")
ASK_SENTENCES = 2  # the last sentences of a message, where callers say what they want


def words(text: str) -> list[str]:
    """jieba words of a text, punctuation and masking stars dropped. Question and request words
    (请问, 吗, 建议) are kept: unlike retrieval, the request type depends on them."""
    tokens = lexical._jieba().lcut(text.lower())  # the shared tokenizer with the government dictionary
    return [token for token in tokens if _WORD.search(token) and "*" not in token]


@dataclass(frozen=True)
class ClassifierOptions:
    """What a ``TextClassifier`` is made of; the defaults are the measured best."""

    # "nbsvm": the SVM on log-count-ratio-scaled binary features; "ensemble": the calibrated SVM's
    # and the NB-SVM's probabilities averaged.
    estimator: Literal["svm", "logistic", "nbsvm", "ensemble"] = "svm"
    svm_c: float = 0.5  # the linear SVM's regularisation (smaller: stronger)
    balanced: bool = True  # class weights inverse to class frequency (long-tailed labels)
    request_cues: bool = False  # add counts of 咨询/投诉/建言 cue words as features
    ask_clause: bool = False  # add character n-grams of the last sentences (the ask) as their own features
    char_max_n: int = 3  # longest character n-gram
    char_min_df: int = 2  # character n-grams seen in fewer training texts are dropped (when data is large)
    sentence_vectors: bool = False  # append the text's sentence embedding (needs an embedder)


@dataclass
class Prediction:
    label: str
    confidence: float
    reason: list[str] = field(default_factory=list)  # the words that weighed most for this label


def ask_clause(text: str) -> str:
    """The last ``ASK_SENTENCES`` sentences of a text (the whole text when it has fewer)."""
    sentences = [part for part in _SENTENCE_END.split(text) if part.strip()]
    return "。".join(sentences[-ASK_SENTENCES:]) if sentences else text


def _char_tfidf(
    options: ClassifierOptions, rows: int, preprocessor: Callable[[str], str] | None = None
) -> Any:
    return TfidfVectorizer(
        analyzer="char",
        ngram_range=(1, options.char_max_n),
        sublinear_tf=True,
        min_df=options.char_min_df if rows >= 1000 else 1,
        preprocessor=preprocessor,
    )


def build_features(options: ClassifierOptions, rows: int) -> FeatureUnion:
    """The sparse features: word and character TF-IDF (and the ask's characters and cue counts when asked)."""
    parts: list[tuple[str, Any]] = [
        (
            "words",
            TfidfVectorizer(
                tokenizer=words, token_pattern=None, lowercase=False, ngram_range=(1, 2), sublinear_tf=True
            ),
        ),
        ("chars", _char_tfidf(options, rows)),
    ]
    if options.ask_clause:
        parts.append(("ask", _char_tfidf(options, rows, ask_clause)))
    if options.request_cues:
        parts.append(("cues", FunctionTransformer(request_type_cue_matrix, accept_sparse=True)))
    return FeatureUnion(parts)


class NBSVM(ClassifierMixin, BaseEstimator):  # type: ignore[misc]
    """Wang & Manning's NB-SVM: per class (one against the rest), the binary features scaled by
    their log-count ratio (how much likelier a feature is in the class than outside it), then a
    linear SVM on them. ``coef_`` is in the unscaled feature space, so reasons read as for the SVM."""

    def __init__(self, C: float = 0.1, alpha: float = 1.0, class_weight: str | None = "balanced") -> None:
        self.C = C
        self.alpha = alpha
        self.class_weight = class_weight

    def fit(self, features: Any, labels: Sequence[str]) -> NBSVM:
        binary = sparse.csr_matrix(features > 0, dtype=np.float64)
        target = np.asarray(labels)
        self.classes_ = np.unique(target)
        ones = self.classes_[1:] if len(self.classes_) == 2 else self.classes_
        ratios, models = [], []
        for label in ones:
            inside = self.alpha + np.asarray(binary[target == label].sum(axis=0)).ravel()
            outside = self.alpha + np.asarray(binary[target != label].sum(axis=0)).ravel()
            ratio = np.log((inside / inside.sum()) / (outside / outside.sum()))
            svm = LinearSVC(C=self.C, class_weight=self.class_weight)
            models.append(svm.fit(binary @ sparse.diags(ratio), (target == label).astype(int)))
            ratios.append(ratio)
        self.ratios_ = np.vstack(ratios)
        self.models_ = models
        self.coef_ = np.vstack([m.coef_[0] * r for m, r in zip(models, ratios, strict=True)])
        return self

    def decision_function(self, features: Any) -> np.ndarray:
        binary = sparse.csr_matrix(features > 0, dtype=np.float64)
        scores = np.column_stack(
            [
                model.decision_function(binary @ sparse.diags(ratio))
                for model, ratio in zip(self.models_, self.ratios_, strict=True)
            ]
        )
        return scores[:, 0] if len(self.classes_) == 2 else scores

    def predict(self, features: Any) -> np.ndarray:
        scores = self.decision_function(features)
        if scores.ndim == 1:
            return np.asarray(self.classes_[(scores > 0).astype(int)])
        return np.asarray(self.classes_[scores.argmax(axis=1)])


def build_estimator(options: ClassifierOptions, labels: Sequence[str]) -> Any:
    weight = "balanced" if options.balanced else None
    smallest = min(Counter(labels).values())
    if options.estimator == "logistic" or smallest < 2:
        # Calibration needs every class in each fold; a class seen once gets logistic regression.
        return LogisticRegression(C=10.0, class_weight=weight, max_iter=3000)
    folds = min(3, smallest)
    svm = CalibratedClassifierCV(LinearSVC(C=options.svm_c, class_weight=weight), method="sigmoid", cv=folds)
    nbsvm = CalibratedClassifierCV(NBSVM(class_weight=weight), method="sigmoid", cv=folds)
    if options.estimator == "nbsvm":
        return nbsvm
    if options.estimator == "ensemble":
        return VotingClassifier([("svm", svm), ("nbsvm", nbsvm)], voting="soft")
    return svm


def _coefficients(model: Any) -> np.ndarray:
    """(classes or 1, features) weights of a fitted linear model, averaged over calibration folds
    (and over an ensemble's members)."""
    if isinstance(model, VotingClassifier):
        return np.asarray(np.mean([_coefficients(member) for member in model.estimators_], axis=0))
    if isinstance(model, CalibratedClassifierCV):
        return np.asarray(np.mean([fold.estimator.coef_ for fold in model.calibrated_classifiers_], axis=0))
    return np.asarray(model.coef_)


class TextClassifier:
    """One label's classifier: ``fit`` on texts and labels, then ``explain`` or ``predict``.

    ``embed`` computes sentence vectors; it is needed (only) when ``options.sentence_vectors``."""

    def __init__(
        self,
        pipeline: Pipeline | None = None,
        options: ClassifierOptions | None = None,
        embed: Embed | None = None,
    ) -> None:
        self.options = options or ClassifierOptions()
        self._pipeline = pipeline
        if self.options.sentence_vectors and embed is None:
            raise ConfigurationError("该分类模型使用句向量特征，需要向量模型（embedder）")
        self._embed = embed

    def fit(self, texts: Sequence[str], labels: Sequence[str]) -> TextClassifier:
        if len(texts) != len(labels):
            raise BadInput(f"文本 {len(texts)} 条与标签 {len(labels)} 个数量不一致")
        if len(set(labels)) < 2:
            raise BadInput("训练数据至少需要两个不同的类别")
        features = build_features(self.options, len(texts))
        model = build_estimator(self.options, labels)
        self._pipeline = Pipeline([("features", features), ("model", model)])
        features.fit(list(texts))
        model.fit(self._matrix(texts), list(labels))
        logger.info("trained a classifier on %d texts, %d classes", len(texts), len(set(labels)))
        return self

    def _matrix(self, texts: Sequence[str]) -> Any:
        """The model's input: sparse TF-IDF, and the sentence vectors after it when asked for."""
        sparse_part = self.pipeline.named_steps["features"].transform(list(texts))
        if not self.options.sentence_vectors:
            return sparse_part
        assert self._embed is not None  # checked in __init__
        vectors = self._embed([text[:SENTENCE_CHARS] for text in texts]) * SENTENCE_WEIGHT
        return sparse.hstack([sparse_part, sparse.csr_matrix(vectors)]).tocsr()

    @property
    def pipeline(self) -> Pipeline:
        if self._pipeline is None:
            raise ConfigurationError("分类模型尚未训练：请先调用 fit 或用 govassist hotline train 训练")
        return self._pipeline

    @property
    def labels(self) -> list[str]:
        return [str(label) for label in self.pipeline.named_steps["model"].classes_]

    def predict(self, texts: Sequence[str]) -> list[str]:
        return [str(label) for label in self.pipeline.named_steps["model"].predict(self._matrix(texts))]

    def probabilities(self, texts: Sequence[str]) -> np.ndarray:
        """(texts, ``labels``) probabilities."""
        return np.asarray(self.pipeline.named_steps["model"].predict_proba(self._matrix(texts)))

    def explain(self, text: str, top: int = 5) -> Prediction:
        """The most probable label, its probability and the words behind it."""
        probabilities = self.probabilities([text])[0]
        best = int(np.argmax(probabilities))
        return Prediction(
            self.labels[best], round(float(probabilities[best]), 4), self.reason(text, best, top)
        )

    def reason(self, text: str, label_index: int, top: int = 5) -> list[str]:
        """The words of ``text`` that weighed most for the label ``labels[label_index]``."""
        union: FeatureUnion = self.pipeline.named_steps["features"]
        weights = _coefficients(self.pipeline.named_steps["model"])
        row = weights[label_index] if weights.shape[0] > 1 else weights[0] * (1 if label_index == 1 else -1)
        vector = union.transform([text]).tocoo()
        names = union.get_feature_names_out()
        ranked = sorted(
            zip(vector.col, vector.data * row[vector.col], strict=True), key=lambda pair: -pair[1]
        )
        # Words read better than character n-grams; a character n-gram is shown only when no word is.
        terms = [names[column].split("__", 1) for column, weight in ranked if weight > 0]
        chosen = [term for kind, term in terms if kind == "words"] or [term for _, term in terms]
        readable = (term.split(" ") for term in chosen)
        shown = (
            "".join(parts) for parts in readable if not any(part in lexical.STOP_WORDS for part in parts)
        )
        return list(dict.fromkeys(term for term in shown if len(term) > 1))[:top]

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        joblib.dump({"pipeline": self.pipeline, "options": self.options}, path)

    @classmethod
    def load(cls, path: Path, embed: Embed | None = None) -> TextClassifier:
        """A model saved by ``save`` (a pickle: load only files this deployment wrote); ``embed``
        for a model trained with sentence vectors."""
        try:
            stored = joblib.load(path)
            return cls(stored["pipeline"], stored["options"], embed)
        except (
            OSError,
            ValueError,
            EOFError,
            KeyError,
            IndexError,
            TypeError,
            AttributeError,
            ModuleNotFoundError,
            pickle.UnpicklingError,
        ) as exc:
            raise ConfigurationError(
                f"无法读取分类模型 {path}：{exc}（可用 govassist hotline train 重新训练）"
            ) from exc


def read_labelled(
    path: Path, label: str, text_fields: tuple[str, ...] = TEXT_FIELDS
) -> tuple[list[str], list[str]]:
    """Texts and labels of a JSON Lines file; rows without text or label are skipped (and counted)."""
    texts, labels, skipped = [], [], 0
    for _, record in read_objects(path, "训练数据"):
        text = next((record[name] for name in text_fields if record.get(name)), "")
        value = record.get(label)
        if text and value not in (None, ""):
            texts.append(str(text))
            labels.append(str(value))
        else:
            skipped += 1
    if not texts:
        raise BadInput(f"{path.name} 中没有同时带文本（{'/'.join(text_fields)}）和标签“{label}”的行")
    if skipped:
        logger.info("%s: %d rows without text or label '%s' skipped", path.name, skipped, label)
    return texts, labels
