"""``govassist bench hotline``: a classifier trained on labelled messages, against a TF-IDF +
logistic-regression baseline (character 1–2-grams, default settings), on a test file or on a
stratified 25 % split held out from the training file (fixed seed)."""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path
from typing import Any

from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, f1_score
from sklearn.model_selection import train_test_split
from sklearn.pipeline import Pipeline

from assistant.hotline.triage import TextClassifier, read_labelled


def _split(train: Path, label: str, test: Path | None) -> tuple[list[str], list[str], list[str], list[str]]:
    texts, labels = read_labelled(train, label)
    if test is not None:
        test_texts, test_labels = read_labelled(test, label)
        return texts, labels, test_texts, test_labels
    counts = Counter(labels)  # a class needs two examples to be on both sides of a stratified split
    kept = [(t, y) for t, y in zip(texts, labels, strict=True) if counts[y] >= 2]
    x_train, x_test, y_train, y_test = train_test_split(
        [t for t, _ in kept], [y for _, y in kept], test_size=0.25, random_state=0, stratify=[y for _, y in kept]
    )
    return x_train, y_train, x_test, y_test


def run(train: Path, label: str, test: Path | None = None) -> dict[str, Any]:
    x_train, y_train, x_test, y_test = _split(train, label, test)
    baseline = Pipeline([("tfidf", TfidfVectorizer(analyzer="char", ngram_range=(1, 2))), ("lr", LogisticRegression(max_iter=2000))])
    rows = []
    for name, model in (("govassist", TextClassifier()), ("tfidf+lr baseline", baseline)):
        started = time.perf_counter()
        model.fit(x_train, y_train)
        predicted = list(model.predict(x_test))
        rows.append({
            "classifier": name,
            "accuracy": accuracy_score(y_test, predicted),
            "macro_f1": f1_score(y_test, predicted, average="macro"),
            "train_s": time.perf_counter() - started,
        })
    return {"train": str(train), "label": label, "train_rows": len(x_train), "test_rows": len(x_test),
            "classes": len(set(y_train)), "rows": rows}
