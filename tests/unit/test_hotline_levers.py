"""The bench's noisy-label levers on a small written history: confident learning finds the rows
whose label contradicts the rest, the auxiliary stack and the character bag learn the task, and
the per-class figures and confusion matrix count what they should."""

import numpy as np
import pytest

from assistant.errors import BadInput
from assistant.hotline.classifier import TextClassifier
from eval_sets.hotline_levers import (
    AuxiliaryStack,
    Averaged,
    CharacterBag,
    ConfidentLearning,
    label_issues,
    out_of_fold_probabilities,
)
from eval_sets.metrics import class_rows, confusion_rows

STREETS = ("东街", "西街", "南街", "北街")
HISTORY = [(f"{s}的路灯坏了{n}天，晚上很黑，请尽快修", "投诉") for n in range(5) for s in STREETS] + [
    (f"请问{s}办居住证需要带什么材料{n}", "咨询") for n in range(5) for s in STREETS
]
MOOD = {text: ("愤怒" if label == "投诉" else "中性") for text, label in HISTORY}


def history_with_flipped(flipped: int) -> tuple[list[str], list[str]]:
    texts, labels = (list(column) for column in zip(*HISTORY, strict=True))
    labels[flipped] = "咨询"  # a lamp complaint labelled as a question
    return texts, labels


def test_label_issues_are_rows_whose_label_another_confident_label_beats():
    probabilities = np.array([[0.9, 0.1], [0.8, 0.2], [0.2, 0.8], [0.3, 0.7], [0.9, 0.1]])
    labels = ["a", "a", "b", "b", "b"]  # the last row looks like an "a"
    assert label_issues(probabilities, ["a", "b"], labels).tolist() == [4]


def test_out_of_fold_probabilities_come_from_models_that_did_not_see_the_row():
    texts, labels = history_with_flipped(0)
    probabilities, classes = out_of_fold_probabilities(TextClassifier, texts, labels)
    assert classes == ["咨询", "投诉"] and probabilities.shape == (len(texts), 2)
    # the flipped row was scored by a model trained on its true-labelled neighbours
    assert probabilities[0, classes.index("投诉")] > 0.5


def test_confident_learning_drops_the_flipped_row_and_still_classifies():
    texts, labels = history_with_flipped(0)
    model = ConfidentLearning().fit(texts, labels)
    assert 1 <= model.dropped <= 3
    assert model.predict(["中街的路灯坏了，晚上很黑", "请问办居住证要什么材料"]) == ["投诉", "咨询"]


def test_auxiliary_stack_uses_the_side_label_and_tolerates_rows_without_it():
    texts, labels = (list(column) for column in zip(*HISTORY, strict=True))
    partial = {text: mood for i, (text, mood) in enumerate(MOOD.items()) if i % 4}
    model = AuxiliaryStack(partial).fit(texts, labels)
    assert model.labels == ["咨询", "投诉"]
    assert model.predict(["中街的路灯坏了，晚上很黑"]) == ["投诉"]
    assert np.allclose(model.probabilities(["请问办居住证要什么材料"]).sum(axis=1), 1)
    with pytest.raises(BadInput):
        AuxiliaryStack({}).fit(texts, labels)


def test_character_bag_is_seeded_and_averages_with_the_svm():
    texts, labels = (list(column) for column in zip(*HISTORY, strict=True))
    first = CharacterBag(epochs=30).fit(texts, labels)
    again = CharacterBag(epochs=30).fit(texts, labels)
    asked = ["中街的路灯坏了，晚上很黑", "请问办居住证要什么材料"]
    assert np.array_equal(first.probabilities(asked), again.probabilities(asked))
    assert first.predict(asked) == ["投诉", "咨询"]
    averaged = Averaged(TextClassifier, lambda: CharacterBag(epochs=30)).fit(texts, labels)
    assert averaged.predict(asked) == ["投诉", "咨询"]


def test_per_class_figures_and_confusion_matrix_count_the_test_rows():
    expected = ["咨询", "咨询", "投诉", "建言"]
    predicted = ["咨询", "投诉", "投诉", "投诉"]
    rows = {row["class"]: row for row in class_rows(expected, predicted)}
    assert rows["咨询"] == {"class": "咨询", "rows": 2, "precision": 1.0, "recall": 0.5, "f1": 0.6667}
    assert rows["投诉"]["precision"] == pytest.approx(1 / 3, abs=1e-4) and rows["建言"]["recall"] == 0
    matrix = {row["given"]: row for row in confusion_rows(expected, predicted)}
    assert matrix["咨询"] == {"given": "咨询", "咨询": 1, "建言": 0, "投诉": 1}
    assert matrix["建言"]["投诉"] == 1
