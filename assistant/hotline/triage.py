"""Call triage: trainable text classifiers (request type, category, handling department ...) and
rule-based field extraction, each result with its evidence.

``TextClassifier`` is one scikit-learn model per label: TF-IDF over character 1–3-grams and jieba
words (1–2-grams) feeding a class-balanced logistic regression, so every prediction has a
probability (the confidence shown to the agent) and the words that pushed it there (the reason).
Trained from a deployment's own labelled history (``govassist hotline train``); a default trained
on the written 示例市 set in ``eval_sets/hotline/`` ships with the code. Fields (caller name,
callback number, address, time, the matter and what the caller wants) come from patterns, each
with the span of the transcript it was read from.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import joblib
import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion, Pipeline

from assistant.errors import BadInput, ConfigurationError
from assistant.privacy import find_personal_data
from assistant.retrieval import lexical


def _words(text: str) -> list[str]:
    return lexical.tokenize(text)


@dataclass
class Prediction:
    label: str
    confidence: float
    reason: list[str] = field(default_factory=list)  # the words that weighed most for this label


class TextClassifier:
    def __init__(self, pipeline: Pipeline | None = None) -> None:
        self._pipeline = pipeline or Pipeline([
            ("features", FeatureUnion([
                ("chars", TfidfVectorizer(analyzer="char", ngram_range=(1, 3), sublinear_tf=True, min_df=1)),
                ("words", TfidfVectorizer(tokenizer=_words, token_pattern=None, lowercase=False, ngram_range=(1, 2), sublinear_tf=True)),
            ])),
            ("model", LogisticRegression(C=10.0, class_weight="balanced", max_iter=3000)),
        ])

    def fit(self, texts: Sequence[str], labels: Sequence[str]) -> TextClassifier:
        if len(set(labels)) < 2:
            raise BadInput("训练数据至少需要两个不同的类别")
        self._pipeline.fit(list(texts), list(labels))
        return self

    @property
    def labels(self) -> list[str]:
        return [str(label) for label in self._pipeline.named_steps["model"].classes_]

    def predict(self, texts: Sequence[str]) -> list[str]:
        return [str(label) for label in self._pipeline.predict(list(texts))]

    def explain(self, text: str, top: int = 5) -> Prediction:
        probabilities = self._pipeline.predict_proba([text])[0]
        best = int(np.argmax(probabilities))
        return Prediction(self.labels[best], float(probabilities[best]), self._reason(text, best, top))

    def _reason(self, text: str, label_index: int, top: int) -> list[str]:
        union: FeatureUnion = self._pipeline.named_steps["features"]
        model: LogisticRegression = self._pipeline.named_steps["model"]
        vector = union.transform([text]).tocoo()
        coefficients = model.coef_[label_index if model.coef_.shape[0] > 1 else 0]
        names = union.get_feature_names_out()
        weighted = sorted(zip(vector.col, vector.data * coefficients[vector.col], strict=True), key=lambda p: -p[1])
        terms = [names[column].split("__", 1)[1] for column, weight in weighted if weight > 0]
        return list(dict.fromkeys(t for t in terms if len(t) > 1))[:top]

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        joblib.dump(self._pipeline, path)

    @classmethod
    def load(cls, path: Path) -> TextClassifier:
        try:
            return cls(joblib.load(path))
        except (OSError, ValueError, EOFError) as exc:
            raise ConfigurationError(f"无法读取分类模型 {path}：{exc}（可用 govassist hotline train 重新训练）") from exc


@dataclass
class Field_:
    name: str
    value: str
    start: int
    end: int


_NAME = re.compile(r"([\u4e00-\u9fff](?:先生|女士|师傅|阿姨|大爷))|我(?:叫|姓)([\u4e00-\u9fff]{1,3}?)(?=[，。,\s]|$|的|住|在|电话)")
_ADDRESS = re.compile(
    r"(?:住在|家住|地址是|地址在|位于)?((?:[\u4e00-\u9fff]{2,6}(?:区|县|镇|街道))?[\u4e00-\u9fff]{1,10}?"
    r"(?:路|街|巷|小区|花园|村|大厦|社区)[\u4e00-\u9fff0-9号栋楼单元室之-]{0,12})"
)
_TIME = re.compile(r"(?:今天|昨天|前天|今晚|昨晚|早上|上午|中午|下午|傍晚|晚上|半夜|凌晨|\d{1,2}月\d{1,2}[日号]|\d{1,2}[点时](?:\d{1,2}分)?|最近|这几天|每天)+")
_REQUEST = re.compile(r"[^。！？!?]*(?:希望|要求|请求|请你们|请尽快|能不能|能否|麻烦|帮忙|想问|想咨询|怎么办)[^。！？!?]*[。！？!?]?")


def extract_fields(text: str) -> list[Field_]:
    """Caller name, callback number, address, event time and the request, each with its span."""
    fields: list[Field_] = []
    for pattern, name in ((_NAME, "caller_name"), (_ADDRESS, "address"), (_TIME, "event_time"), (_REQUEST, "request")):
        match = pattern.search(text)
        if match:
            group = next((g for g in range(1, (match.re.groups or 0) + 1) if match.group(g)), 0)
            value = match.group(group).strip("，, ")
            start = match.start(group)
            lead = re.match(r"(?:我家住在|我家在|我住在|家住在|家住|住在)", value) if name == "address" else None
            if lead:
                start, value = start + lead.end(), value[lead.end() :]
            fields.append(Field_(name, value, start, start + len(value)))
    phones = [span for span in find_personal_data(text) if span.kind in ("mobile", "landline")]
    if phones:
        fields.append(Field_("callback_number", phones[0].text, phones[0].start, phones[0].end))
    return fields


_URGENT = re.compile(r"着火|起火|火灾|漏气|燃气泄漏|爆炸|受伤|晕倒|被困|塌|触电|救命|危险|马上|紧急|停水好几天|停电好几天")
_ANGRY = re.compile(r"太过分|气死|投诉无门|忍无可忍|强烈要求|严重|再不|一直没人管|没人管|敷衍|踢皮球")


def urgency(text: str) -> tuple[str, str]:
    match = _URGENT.search(text)
    return ("紧急", match.group()) if match else ("一般", "")


def sentiment(text: str) -> tuple[str, str]:
    match = _ANGRY.search(text)
    return ("不满", match.group()) if match else ("平和", "")


DEFAULT_TRAINING = Path(__file__).resolve().parents[2] / "eval_sets" / "hotline" / "training.jsonl"
LABELS = ("request_type", "category", "department")


def read_labelled(path: Path, label: str, text_fields: tuple[str, ...] = ("text", "question")) -> tuple[list[str], list[str]]:
    """Texts and labels of a JSON Lines file; rows without the label are skipped."""
    import json

    texts, labels = [], []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise BadInput(f"{path.name} 第 {number} 行不是有效的 JSON") from exc
        text = next((record[f] for f in text_fields if record.get(f)), "")
        if text and record.get(label):
            texts.append(str(text))
            labels.append(str(record[label]))
    if not texts:
        raise BadInput(f"{path.name} 中没有同时带文本（text/question）和标签“{label}”的行")
    return texts, labels


class CallTriage:
    """The classifiers of one deployment: trained models under ``models_dir`` when present,
    else defaults trained (once, in seconds) on the shipped 示例市 set."""

    def __init__(self, models_dir: Path) -> None:
        self._models_dir = models_dir
        self._classifiers: dict[str, TextClassifier] = {}

    def path(self, label: str) -> Path:
        return self._models_dir / "hotline" / f"{label}.joblib"

    def classifier(self, label: str) -> TextClassifier:
        if label not in self._classifiers:
            path = self.path(label)
            if path.exists():
                self._classifiers[label] = TextClassifier.load(path)
            else:
                self._classifiers[label] = TextClassifier().fit(*read_labelled(DEFAULT_TRAINING, label))
        return self._classifiers[label]

    def train(self, data: Path, label: str) -> TextClassifier:
        classifier = TextClassifier().fit(*read_labelled(data, label))
        classifier.save(self.path(label))
        self._classifiers[label] = classifier
        return classifier

    def analyse(self, text: str) -> dict[str, object]:
        """Predictions (with confidence and reason), fields with spans, urgency and sentiment."""
        predictions = {label: vars(self.classifier(label).explain(text)) for label in LABELS}
        level, cue = urgency(text)
        mood, mood_cue = sentiment(text)
        return {
            "predictions": predictions,
            "fields": [vars(f) for f in extract_fields(text)],
            "urgency": {"label": level, "evidence": cue},
            "sentiment": {"label": mood, "evidence": mood_cue},
        }
