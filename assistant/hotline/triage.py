"""Call triage: what the copilot says about a call transcript or a citizen message.

``CallTriage.analyse(text)`` gives the request type (咨询 / 投诉求助 / 建言), the category, the
suggested handling department (承办单位) — each with a confidence and the words behind it — the
urgency and the caller's mood (each with its evidence), and the ticket fields with their spans.

Models: a deployment's own, trained with ``govassist hotline train`` and kept under
``<models_dir>/hotline/<label>.joblib``; for a label without one, a default trained once per
process (about a second) on the written 示例市 set ``assistant/hotline/data/training.jsonl``.

The classifiers are ``classifier``'s, the fields ``extraction``'s, the rules ``signals``'; this
module only decides which model answers and puts the pieces together. The names imported below
from those modules are re-exported for the callers that know this module only.
"""

from __future__ import annotations

import logging
from functools import lru_cache
from pathlib import Path
from typing import Any

from assistant.errors import BadInput, ConfigurationError
from assistant.hotline import data as hotline_data
from assistant.hotline.classifier import TextClassifier, read_labelled
from assistant.hotline.extraction import ExtractedField, extract_fields
from assistant.hotline.signals import sentiment, urgency
from assistant.hotline.taxonomy import DEFAULT_TAXONOMY, Taxonomy

__all__ = ["CallTriage", "ExtractedField", "TextClassifier", "extract_fields", "read_labelled", "sentiment", "urgency"]

logger = logging.getLogger(__name__)

DEFAULT_TRAINING = hotline_data.TRAINING
LABELS = ("request_type", "category", "department")  # shown as predictions
TRAINABLE = (*LABELS, "urgency")
URGENCY_ORDER = ("一般", "较急", "紧急")


@lru_cache(maxsize=8)
def _default_classifier(label: str) -> TextClassifier:
    return TextClassifier().fit(*read_labelled(DEFAULT_TRAINING, label))


class CallTriage:
    """The classifiers of one deployment, loaded (or trained by default) on first use."""

    def __init__(self, models_dir: Path, taxonomy_path: Path | None = None) -> None:
        self._models_dir = models_dir
        self._taxonomy_path = taxonomy_path or DEFAULT_TAXONOMY
        self._taxonomy: Taxonomy | None = None
        self._classifiers: dict[str, TextClassifier] = {}

    @property
    def taxonomy(self) -> Taxonomy:
        """The deployment's category taxonomy, read on first use."""
        if self._taxonomy is None:
            try:
                self._taxonomy = Taxonomy.load(self._taxonomy_path)
            except BadInput as exc:
                raise ConfigurationError(f"{exc}（分类体系文件由 GOVASSIST_HOTLINE__TAXONOMY 设置）") from exc
        return self._taxonomy

    def path(self, label: str) -> Path:
        return self._models_dir / "hotline" / f"{label}.joblib"

    def classifier(self, label: str) -> TextClassifier:
        if label not in self._classifiers:
            path = self.path(label)
            self._classifiers[label] = TextClassifier.load(path) if path.exists() else _default_classifier(label)
        return self._classifiers[label]

    def train(self, data: Path, label: str, save_as: str | None = None) -> TextClassifier:
        """Train on the ``label`` field of a JSONL file and keep the model as ``save_as`` (default:
        the field name; use one of ``TRAINABLE`` for the copilot to pick it up)."""
        texts, labels = read_labelled(data, label)
        name = save_as or label
        if name == "category":
            self._warn_outside_taxonomy(labels)
        classifier = TextClassifier().fit(texts, labels)
        classifier.save(self.path(name))
        self._classifiers[name] = classifier
        return classifier

    def train_all(self, data: Path) -> dict[str, TextClassifier]:
        """Train every label of ``TRAINABLE`` that the file has."""
        trained = {}
        for label in TRAINABLE:
            try:
                trained[label] = self.train(data, label)
            except BadInput as exc:
                logger.info("%s: no model for %s (%s)", data.name, label, exc)
        if not trained:
            raise BadInput(f"{data.name} 中没有可训练的标签字段；可用字段：{'、'.join(TRAINABLE)}（或用 --label 指定）")
        return trained

    def _warn_outside_taxonomy(self, labels: list[str]) -> None:
        unknown = self.taxonomy.unknown(labels)
        if unknown:
            logger.warning("%d category labels are not in %s, e.g. %s", len(unknown), self._taxonomy_path.name, unknown[:3])

    def urgency(self, text: str) -> dict[str, str]:
        """Rules (danger words) and the trained urgency model; the more urgent of the two wins."""
        level, evidence = urgency(text)
        predicted = self.classifier("urgency").explain(text)
        if predicted.label in URGENCY_ORDER and URGENCY_ORDER.index(predicted.label) > URGENCY_ORDER.index(level):
            return {"label": predicted.label, "evidence": "、".join(predicted.reason[:3])}
        return {"label": level, "evidence": evidence}

    def analyse(self, text: str) -> dict[str, Any]:
        """Predictions (with confidence and reason), fields with spans, urgency and sentiment."""
        if not text.strip():
            raise BadInput("来电内容为空")
        predictions = {label: vars(self.classifier(label).explain(text)) for label in LABELS}
        mood, mood_evidence = sentiment(text)
        return {
            "predictions": predictions,
            "fields": [vars(field) for field in extract_fields(text)],
            "urgency": self.urgency(text),
            "sentiment": {"label": mood, "evidence": mood_evidence},
        }
