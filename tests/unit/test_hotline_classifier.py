"""The trainable classifier on a small written history: predictions with confidence and reasons,
saved and reloaded; bad training data gets a clear error."""

import json

import pytest

from assistant.errors import BadInput, ConfigurationError
from assistant.hotline.classifier import ClassifierOptions, TextClassifier, ask_clause, read_labelled
from assistant.hotline.taxonomy import Taxonomy
from eval_sets.hotline_bench import cross_validated, label_consistency, stratified_split

HISTORY = (
    [(f"{s}的路灯坏了{n}天，晚上很黑", "路灯所") for n in range(6) for s in ("东街", "西街")]
    + [(f"{s}的垃圾{n}天没人清运，很臭", "环卫处") for n in range(6) for s in ("东街", "西街")]
    + [(f"{s}有个井盖丢了{n}天", "市政处") for n in range(3) for s in ("东街", "南街")]
)


def write(path, rows):
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), encoding="utf-8")
    return path


@pytest.mark.parametrize("estimator", ["svm", "logistic", "nbsvm", "ensemble"])
def test_predictions_have_a_confidence_and_reason(estimator):
    texts, labels = zip(*HISTORY, strict=True)
    classifier = TextClassifier(options=ClassifierOptions(estimator=estimator)).fit(texts, labels)
    prediction = classifier.explain("北街路灯坏了，一片漆黑")
    assert prediction.label == "路灯所" and 0.34 < prediction.confidence <= 1
    assert "路灯" in prediction.reason


def test_nbsvm_separates_two_classes_and_explains():
    """The binary case has one log-count-ratio model; its reasons point at the class's words."""
    rows = [(text, label) for text, label in HISTORY if label != "市政处"]
    texts, labels = zip(*rows, strict=True)
    classifier = TextClassifier(options=ClassifierOptions(estimator="nbsvm")).fit(texts, labels)
    assert classifier.predict(["南街路灯不亮", "北街垃圾很臭"]) == ["路灯所", "环卫处"]
    assert "垃圾" in classifier.explain("北街垃圾很臭").reason


def test_the_ask_is_the_last_sentences_and_a_feature_of_its_own():
    assert ask_clause("楼下装修很吵。已经一个月了！请问能否管一管？") == "已经一个月了。请问能否管一管"
    assert ask_clause("路灯坏了") == "路灯坏了"
    texts, labels = zip(*HISTORY, strict=True)
    classifier = TextClassifier(options=ClassifierOptions(ask_clause=True, char_max_n=4)).fit(texts, labels)
    names = classifier.pipeline.named_steps["features"].get_feature_names_out()
    assert any(name.startswith("ask__") for name in names) and classifier.predict(["路灯坏了"]) == ["路灯所"]


def test_saved_model_is_reloaded(tmp_path):
    texts, labels = zip(*HISTORY, strict=True)
    TextClassifier().fit(texts, labels).save(tmp_path / "m.joblib")
    reloaded = TextClassifier.load(tmp_path / "m.joblib")
    assert reloaded.labels == ["市政处", "环卫处", "路灯所"] and reloaded.predict(["垃圾没人清运"]) == [
        "环卫处"
    ]


def test_bad_models_and_data_get_clear_errors(tmp_path):
    (tmp_path / "broken.joblib").write_bytes(b"not a model")
    with pytest.raises(ConfigurationError, match="hotline train"):
        TextClassifier.load(tmp_path / "broken.joblib")
    with pytest.raises(BadInput, match="两个不同的类别"):
        TextClassifier().fit(["a", "b"], ["x", "x"])
    (tmp_path / "bad.jsonl").write_text(
        '{"text": "路灯坏了", "department": "路灯所"}\nnot json', encoding="utf-8"
    )
    with pytest.raises(BadInput, match="第 2 行"):
        read_labelled(tmp_path / "bad.jsonl", "department")
    with pytest.raises(BadInput, match="urgency"):
        read_labelled(write(tmp_path / "ok.jsonl", [{"text": "路灯坏了", "department": "路灯所"}]), "urgency")


def test_rows_use_text_or_question_and_skip_unlabelled(tmp_path):
    rows = [
        {"question": "路灯坏了", "department": "路灯所"},
        {"text": "垃圾", "department": ""},
        {"text": "井盖丢了", "department": "市政处"},
    ]
    assert read_labelled(write(tmp_path / "h.jsonl", rows), "department") == (
        ["路灯坏了", "井盖丢了"],
        ["路灯所", "市政处"],
    )


def test_stratified_split_holds_out_every_class_and_keeps_singletons():
    labels = ["a"] * 8 + ["b"] * 4 + ["c"]
    train_x, train_y, test_x, test_y = stratified_split([str(i) for i in range(13)], labels)
    assert sorted(test_y) == ["a", "a", "b"] and "c" in train_y and not set(train_x) & set(test_x)
    assert stratified_split([str(i) for i in range(13)], labels) == (train_x, train_y, test_x, test_y)


def test_the_shipped_taxonomy_covers_the_shipped_categories():
    taxonomy = Taxonomy.load()
    assert taxonomy.levels("城市管理/噪声扰民") == ("城市管理", "噪声扰民")
    assert taxonomy.unknown(["城市管理", "外星事务/飞碟"]) == ["外星事务/飞碟"]


def test_cross_validation_scores_the_training_rows_only():
    """Each fold is scored by a model that never saw it: a label the text cannot predict scores
    near chance, one it can scores high."""
    texts, labels = zip(*HISTORY, strict=True)
    assert cross_validated(TextClassifier, list(texts), list(labels), folds=3) >= 0.9
    shuffled = [labels[(i * 7) % len(labels)] for i in range(len(labels))]
    assert cross_validated(TextClassifier, list(texts), shuffled, folds=3) < 0.7


def test_label_consistency_counts_near_duplicates_labelled_differently():
    texts = [
        "小区门口的路灯坏了三天",
        "小区门口的路灯坏了三天。",
        "垃圾没人清运",
        "垃圾没人清运！",
        "公交车改线了",
    ]
    labels = ["投诉", "咨询", "投诉", "投诉", "咨询"]
    strict, near, loose = label_consistency(texts, labels)
    assert strict["pairs"] == 0  # punctuation alone keeps these short pairs under 0.95
    assert (near["pairs"], near["conflicting"], near["share"]) == (2, 1, 0.5) and loose["pairs"] == 2
