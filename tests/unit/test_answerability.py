"""The answerability model as data: trees evaluated exactly, the packaged model complete, vetoes binding."""

import numpy as np
import pytest

from assistant.answering.answerability import FEATURES, AnswerabilityModel, Candidate, packaged_model
from assistant.documents import Chunk, DocumentMetadata, SearchHit

# One split on coverage: ≤ 0.5 → -2, else +2 (log-odds contributions before the rate).
STUMP = (
    (float(FEATURES.index("coverage")), 0.5, 1.0, 2.0, 0.0),
    (-1.0, 0.0, 0.0, 0.0, -2.0),
    (-1.0, 0.0, 0.0, 0.0, 2.0),
)


def _features(**values: float) -> dict[str, float]:
    return {name: values.get(name, 0.0) for name in FEATURES}


def test_trees_turn_features_into_a_probability():
    model = AnswerabilityModel((STUMP,), bias=0.0, rate=1.0, threshold=0.5)
    assert model.probability(_features(coverage=0.9)) == pytest.approx(1 / (1 + np.exp(-2)))
    assert model.probability(_features(coverage=0.1)) == pytest.approx(1 / (1 + np.exp(2)))
    assert AnswerabilityModel.from_dict(model.to_dict()) == model


def test_a_model_for_other_features_is_refused():
    data = AnswerabilityModel((STUMP,), 0.0, 1.0, 0.5).to_dict() | {"features": ["coverage"]}
    with pytest.raises(ValueError, match="refit"):
        AnswerabilityModel.from_dict(data)


def test_a_vetoed_candidate_never_answers():
    model = AnswerabilityModel((STUMP,), bias=5.0, rate=1.0, threshold=0.5)
    hit = SearchHit(Chunk("d", 0, "2025年缴费标准", [], DocumentMetadata(), "h"), 1.0)
    assert Candidate(hit, _features(coverage=1.0), vetoed="资料未涉及2027年").scored(model).probability == 0.0
    assert Candidate(hit, _features(coverage=1.0)).scored(model).probability > 0.99


def test_the_packaged_model_is_fitted_and_says_on_what():
    model = packaged_model()
    assert len(model.trees) > 10 and 0 < model.threshold < 1
    assert "bank dev" in model.fitted_on and set(model.importances) == set(FEATURES)
    assert model.with_threshold(0.9).threshold == 0.9
