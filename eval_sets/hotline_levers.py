"""Request-type levers aimed at noisy and ambiguous labels, measured by ``govassist bench hotline --levers``.

Each is a classifier with ``fit(texts, labels)``, ``predict``, ``probabilities`` and ``labels``,
as ``TextClassifier`` has, so the bench scores it like any other row:

- ``ConfidentLearning`` (Northcutt, Jiang and Chuang, 2021): out-of-fold probabilities on the
  training rows; a row whose given label is below that label's own confidence threshold while
  another label is above its threshold is a label issue, dropped before the model is retrained.
- ``AuxiliaryStack``: the other labels of the file (sentiment, domain), given for training rows
  only, as extra supervision: an auxiliary classifier's out-of-fold probabilities become features
  of the request-type model; at run time they are predicted from the text.
- ``CharacterBag``: a fastText-like torch model, the mean of hashed character 1–3-gram and word
  embeddings and a linear layer, small, seeded and trained in seconds on the CPU.
- ``Averaged``: the probabilities of several of these averaged.

None beat the default by the 0.01 of 3-fold cross-validation asked for on request type
(BENCHMARKS.md), so they live with the bench, not in ``assistant/``.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
from scipy import sparse
from sklearn.model_selection import StratifiedKFold

from assistant.errors import BadInput
from assistant.hotline.classifier import (
    ClassifierOptions,
    TextClassifier,
    build_estimator,
    build_features,
    words,
)

SEED = 0
FOLDS = 3


def out_of_fold_probabilities(
    make: Callable[[], Any], texts: Sequence[str], labels: Sequence[str], folds: int = FOLDS
) -> tuple[np.ndarray, list[str]]:
    """(texts, classes) probabilities, each row's from a model that did not see it, and the classes
    (sorted; a class missing from a fold's training rows gets probability 0 there)."""
    target = np.asarray(labels)
    classes = sorted(set(labels))
    probabilities = np.zeros((len(texts), len(classes)))
    splits = StratifiedKFold(folds, shuffle=True, random_state=SEED).split(np.zeros(len(texts)), target)
    for fit_rows, score_rows in splits:
        model = make().fit([texts[i] for i in fit_rows], list(target[fit_rows]))
        columns = [classes.index(label) for label in model.labels]
        probabilities[np.ix_(score_rows, columns)] = model.probabilities([texts[i] for i in score_rows])
    return probabilities, classes


def label_issues(probabilities: np.ndarray, classes: Sequence[str], labels: Sequence[str]) -> np.ndarray:
    """Indices of the rows that confident learning counts off the diagonal of its confident joint:
    among the labels whose probability reaches that label's threshold (the mean probability it
    gets on the rows labelled with it), the likeliest is not the given one."""
    given = np.array([list(classes).index(label) for label in labels])
    thresholds = np.array(
        [probabilities[given == j, j].mean() if (given == j).any() else 1.0 for j in range(len(classes))]
    )
    confident = np.where(probabilities >= thresholds, probabilities, -1.0)
    best = confident.argmax(axis=1)
    has_confident = confident.max(axis=1) >= 0
    return np.flatnonzero(has_confident & (best != given))


class ConfidentLearning:
    """``make``'s model retrained without the training rows confident learning finds mislabelled."""

    def __init__(self, make: Callable[[], Any] = TextClassifier) -> None:
        self._make = make
        self.dropped = 0  # label issues dropped at the last fit

    def fit(self, texts: Sequence[str], labels: Sequence[str]) -> ConfidentLearning:
        issues = set(label_issues(*out_of_fold_probabilities(self._make, texts, labels), labels).tolist())
        self.dropped = len(issues)
        kept = [i for i in range(len(texts)) if i not in issues]
        self.model = self._make().fit([texts[i] for i in kept], [labels[i] for i in kept])
        return self

    @property
    def labels(self) -> list[str]:
        return list(self.model.labels)

    def probabilities(self, texts: Sequence[str]) -> np.ndarray:
        return np.asarray(self.model.probabilities(texts))

    def predict(self, texts: Sequence[str]) -> list[str]:
        return list(self.model.predict(texts))


class AuxiliaryStack:
    """The request-type model's TF-IDF features beside an auxiliary label's probabilities
    (``auxiliary``: text → that label, known for some training rows only; out-of-fold while
    training, predicted from the text at run time)."""

    def __init__(self, auxiliary: Mapping[str, str], weight: float = 1.0) -> None:
        self._auxiliary = auxiliary
        self._weight = weight
        self._options = ClassifierOptions()

    def fit(self, texts: Sequence[str], labels: Sequence[str]) -> AuxiliaryStack:
        known = [i for i, text in enumerate(texts) if text in self._auxiliary]
        if len({self._auxiliary[texts[i]] for i in known}) < 2:
            raise BadInput("训练文本的辅助标签不足两个类别")
        side = [self._auxiliary[texts[i]] for i in known]
        self._side_model = TextClassifier().fit([texts[i] for i in known], side)
        self._side_classes = sorted(set(side))
        # Rows with the auxiliary label get out-of-fold probabilities; the others the side model's,
        # which never saw them either.
        side_probabilities = self._side(texts)
        side_probabilities[known] = out_of_fold_probabilities(
            TextClassifier, [texts[i] for i in known], side
        )[0]
        self._features = build_features(self._options, len(texts)).fit(list(texts))
        self._model = build_estimator(self._options, labels).fit(
            self._matrix(texts, side_probabilities), list(labels)
        )
        return self

    def _matrix(self, texts: Sequence[str], side_probabilities: np.ndarray) -> Any:
        stacked = sparse.csr_matrix(side_probabilities * self._weight)
        return sparse.hstack([self._features.transform(list(texts)), stacked]).tocsr()

    def _side(self, texts: Sequence[str]) -> np.ndarray:
        predicted = np.zeros((len(texts), len(self._side_classes)))
        columns = [self._side_classes.index(label) for label in self._side_model.labels]
        predicted[:, columns] = self._side_model.probabilities(texts)
        return predicted

    @property
    def labels(self) -> list[str]:
        return [str(label) for label in self._model.classes_]

    def probabilities(self, texts: Sequence[str]) -> np.ndarray:
        return np.asarray(self._model.predict_proba(self._matrix(texts, self._side(texts))))

    def predict(self, texts: Sequence[str]) -> list[str]:
        return [str(label) for label in self._model.predict(self._matrix(texts, self._side(texts)))]


class CharacterBag:
    """fastText-like: hashed character 1–3-grams and jieba words, embedded, averaged, one linear
    layer; Adam (sparse for the embeddings), seeded shuffles and initial weights."""

    def __init__(
        self, dimension: int = 32, epochs: int = 5, learning_rate: float = 0.02, buckets: int = 1 << 18
    ) -> None:
        self._dimension = dimension
        self._epochs = epochs
        self._learning_rate = learning_rate
        self._buckets = buckets
        self.labels: list[str] = []

    def _ids(self, text: str) -> np.ndarray:
        lowered = text.lower()
        grams = [lowered[i : i + n] for n in (1, 2, 3) for i in range(len(lowered) - n + 1)]
        tokens = [gram for gram in grams if "*" not in gram] + [f"w:{word}" for word in words(text)]
        return np.array([zlib.crc32(token.encode("utf-8")) % self._buckets for token in tokens] or [0])

    @staticmethod
    def _batch(rows: Sequence[np.ndarray]) -> tuple[Any, Any]:
        import torch

        offsets = np.cumsum([0] + [len(row) for row in rows[:-1]])
        return torch.from_numpy(np.concatenate(rows)), torch.from_numpy(offsets)

    def fit(self, texts: Sequence[str], labels: Sequence[str]) -> CharacterBag:
        import torch

        torch.manual_seed(SEED)
        shuffles = np.random.default_rng(SEED)
        self.labels = sorted(set(labels))
        target = torch.tensor([self.labels.index(label) for label in labels])
        rows = [self._ids(text) for text in texts]
        self._embedding = torch.nn.EmbeddingBag(self._buckets, self._dimension, mode="mean", sparse=True)
        self._output = torch.nn.Linear(self._dimension, len(self.labels))
        optimisers = [
            torch.optim.SparseAdam(list(self._embedding.parameters()), lr=self._learning_rate),
            torch.optim.Adam(list(self._output.parameters()), lr=self._learning_rate),
        ]
        loss = torch.nn.CrossEntropyLoss()
        for _ in range(self._epochs):
            order = shuffles.permutation(len(rows))
            for start in range(0, len(order), 64):
                chosen = order[start : start + 64]
                for optimiser in optimisers:
                    optimiser.zero_grad()
                loss(
                    self._output(self._embedding(*self._batch([rows[i] for i in chosen]))), target[chosen]
                ).backward()
                for optimiser in optimisers:
                    optimiser.step()
        return self

    def probabilities(self, texts: Sequence[str]) -> np.ndarray:
        import torch

        with torch.no_grad():
            scores = self._output(self._embedding(*self._batch([self._ids(text) for text in texts])))
            return np.asarray(torch.softmax(scores, dim=-1).numpy())

    def predict(self, texts: Sequence[str]) -> list[str]:
        return [self.labels[i] for i in self.probabilities(texts).argmax(axis=1)]


class Averaged:
    """The members' probabilities averaged (members with the same sorted labels)."""

    def __init__(self, *makes: Callable[[], Any]) -> None:
        self._makes = makes

    def fit(self, texts: Sequence[str], labels: Sequence[str]) -> Averaged:
        self._members = [make().fit(texts, labels) for make in self._makes]
        return self

    @property
    def labels(self) -> list[str]:
        return list(self._members[0].labels)

    def probabilities(self, texts: Sequence[str]) -> np.ndarray:
        return np.asarray(np.mean([member.probabilities(texts) for member in self._members], axis=0))

    def predict(self, texts: Sequence[str]) -> list[str]:
        return [self.labels[i] for i in self.probabilities(texts).argmax(axis=1)]
