"""Call triage: what the copilot says about a call transcript or a citizen message.

``CallTriage.analyse(text)`` gives a ``Triage``: the request type (咨询 / 投诉求助 / 建言), the
category, the suggested handling department (承办单位) — each with a confidence and the words
behind it — the ranked department suggestions with the duty line (权责清单) each matched, the
urgency and the caller's mood (each with its evidence), and the ticket fields with their spans.

Models: a deployment's own, trained with ``govassist hotline train`` and kept under
``<models_dir>/hotline/<label>.joblib`` (with e5 sentence vectors when the deployment turns them
on); for a label without one, a default trained once per process (about a second) on the written
示例市 set ``assistant/hotline/data/training.jsonl``. Categories: the trained model mixed with the
taxonomy's own paths read as descriptions of its categories. Departments: the duty-list router, mixed with
the trained department model when there is labelled history (the deployment's own model, or the
default one while the deployment uses the default 示例市 duty list); a deployment with its own
duty list and no history routes by the duty list alone.

The classifiers are ``classifier``'s, the duty matching ``duty_routing``'s, the fields
``extraction``'s, the rules ``signals``'; this module only decides which model answers and puts
the pieces together. The names imported below from those modules are re-exported for the callers
that know this module only.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from assistant.errors import BadInput, ConfigurationError
from assistant.hotline import data as hotline_data
from assistant.hotline.classifier import ClassifierOptions, Prediction, TextClassifier, read_labelled, words
from assistant.hotline.duty_routing import DepartmentSuggestion, Duty, DutyRouter, combine, default_duty_list
from assistant.hotline.extraction import ExtractedField, extract_fields
from assistant.hotline.signals import sentiment, urgency
from assistant.hotline.taxonomy import DEFAULT_TAXONOMY, Taxonomy
from assistant.retrieval.embedding import Embedder

__all__ = [
    "CallTriage",
    "DepartmentSuggestion",
    "ExtractedField",
    "Prediction",
    "Signal",
    "TextClassifier",
    "Triage",
    "extract_fields",
    "read_labelled",
    "sentiment",
    "urgency",
]

logger = logging.getLogger(__name__)

DEFAULT_TRAINING = hotline_data.TRAINING
LABELS = ("request_type", "category", "department")  # shown as predictions
TRAINABLE = (*LABELS, "urgency")
URGENCY_ORDER = ("一般", "较急", "紧急")
SUGGESTED_DEPARTMENTS = 3  # shown to the agent, each with the duty line it matched


@dataclass(frozen=True)
class Signal:
    """A rule-read label (urgency, mood) and the words of the call behind it."""

    label: str
    evidence: str


@dataclass
class Triage:
    """What ``CallTriage.analyse`` says about a call."""

    predictions: dict[str, Prediction]  # request_type, category, department
    fields: list[ExtractedField]
    urgency: Signal
    sentiment: Signal
    departments: list[DepartmentSuggestion] = field(
        default_factory=list
    )  # best first, with matched duty lines


@lru_cache(maxsize=8)
def _default_classifier(label: str) -> TextClassifier:
    return TextClassifier().fit(*read_labelled(DEFAULT_TRAINING, label))


def _mixed(
    text: str, history: TextClassifier | None, described: list[DepartmentSuggestion]
) -> tuple[list[DepartmentSuggestion], Prediction]:
    """Labels ranked by their descriptions (duty lines, taxonomy paths) mixed with a trained model
    when there is one, and the top one as a prediction whose reason is the trained model's words,
    or the words the text shares with the matched description."""
    if history is None:
        ranked = described
    else:
        probabilities = history.probabilities([text])[0]
        ranked = combine(dict(zip(history.labels, (float(p) for p in probabilities), strict=True)), described)
    best = ranked[0]
    if history is not None and best.department in history.labels:
        reason = history.reason(text, history.labels.index(best.department))
    else:
        reason = list(dict.fromkeys(word for word in words(text) if len(word) > 1 and word in best.duty))[:5]
    return ranked, Prediction(best.department, best.confidence, reason)


class CallTriage:
    """The classifiers and duty list of one deployment, loaded (or trained by default) on first use.

    ``embedder`` gives the duty router its dense channel and the sentence-vector models their
    features; ``sentence_vectors`` makes ``train`` add them."""

    def __init__(
        self,
        models_dir: Path,
        taxonomy_path: Path | None = None,
        duty_list: Path | None = None,
        embedder: Embedder | None = None,
        sentence_vectors: bool = False,
    ) -> None:
        self._models_dir = models_dir
        self._taxonomy_path = taxonomy_path or DEFAULT_TAXONOMY
        self._taxonomy: Taxonomy | None = None
        self._duty_list = duty_list or default_duty_list()
        self._own_duty_list = duty_list is not None
        self._duty_router: DutyRouter | None = None
        self._embedder = embedder
        self._options = ClassifierOptions(sentence_vectors=sentence_vectors)
        if sentence_vectors and embedder is None:
            raise ConfigurationError("句向量特征（GOVASSIST_HOTLINE__SENTENCE_VECTORS）需要向量模型")
        self._classifiers: dict[str, TextClassifier] = {}
        self._category_routers: dict[int, DutyRouter | None] = {}

    @property
    def taxonomy(self) -> Taxonomy:
        """The deployment's category taxonomy, read on first use."""
        if self._taxonomy is None:
            try:
                self._taxonomy = Taxonomy.load(self._taxonomy_path)
            except BadInput as exc:
                raise ConfigurationError(f"{exc}（分类体系文件由 GOVASSIST_HOTLINE__TAXONOMY 设置）") from exc
        return self._taxonomy

    @property
    def duty_router(self) -> DutyRouter:
        """The deployment's duty-list router, read on first use."""
        if self._duty_router is None:
            try:
                self._duty_router = DutyRouter.load(self._duty_list, self._embedder)
            except BadInput as exc:
                raise ConfigurationError(
                    f"{exc}（权责清单文件由 GOVASSIST_HOTLINE__DUTY_LIST 设置）"
                ) from exc
        return self._duty_router

    def path(self, label: str) -> Path:
        return self._models_dir / "hotline" / f"{label}.joblib"

    def classifier(self, label: str) -> TextClassifier:
        if label not in self._classifiers:
            path = self.path(label)
            embed = self._embedder.embed_queries if self._embedder is not None else None
            self._classifiers[label] = (
                TextClassifier.load(path, embed) if path.exists() else _default_classifier(label)
            )
        return self._classifiers[label]

    def train(self, data: Path, label: str, save_as: str | None = None) -> TextClassifier:
        """Train on the ``label`` field of a JSONL file and keep the model as ``save_as`` (default:
        the field name; use one of ``TRAINABLE`` for the copilot to pick it up)."""
        texts, labels = read_labelled(data, label)
        name = save_as or label
        if name == "category":
            self._warn_outside_taxonomy(labels)
        embed = self._embedder.embed_queries if self._embedder is not None else None
        classifier = TextClassifier(options=self._options, embed=embed).fit(texts, labels)
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
            raise BadInput(
                f"{data.name} 中没有可训练的标签字段；可用字段：{'、'.join(TRAINABLE)}（或用 --label 指定）"
            )
        return trained

    def _warn_outside_taxonomy(self, labels: list[str]) -> None:
        unknown = self.taxonomy.unknown(labels)
        if unknown:
            logger.warning(
                "%d category labels are not in %s, e.g. %s",
                len(unknown),
                self._taxonomy_path.name,
                unknown[:3],
            )

    def urgency(self, text: str) -> Signal:
        """Rules (danger words) and the trained urgency model; the more urgent of the two wins."""
        level, evidence = urgency(text)
        predicted = self.classifier("urgency").explain(text)
        if predicted.label in URGENCY_ORDER and URGENCY_ORDER.index(predicted.label) > URGENCY_ORDER.index(
            level
        ):
            return Signal(predicted.label, "、".join(predicted.reason[:3]))
        return Signal(level, evidence)

    def _department_history(self) -> TextClassifier | None:
        """The trained department model, when there is history for this deployment's departments."""
        if self.path("department").exists() or not self._own_duty_list:
            return self.classifier("department")
        return None

    def _category_router(self, depth: int) -> DutyRouter | None:
        """The taxonomy's paths as descriptions of its categories ``depth`` levels deep (None when
        the taxonomy has fewer than two such categories)."""
        if depth not in self._category_routers:
            duties = [Duty(label, line) for label, line in self.taxonomy.descriptions(depth)]
            enough = len({duty.department for duty in duties}) >= 2
            self._category_routers[depth] = DutyRouter(duties, self._embedder) if enough else None
        return self._category_routers[depth]

    def category(self, text: str) -> Prediction:
        """The trained category model mixed with the taxonomy's descriptions of the same categories."""
        history = self.classifier("category")
        depth = max(len(label.split("/")) for label in history.labels)
        router = self._category_router(depth)
        if router is None or not set(history.labels) & set(router.departments):
            return history.explain(text)
        return _mixed(text, history, router.rank([text])[0])[1]

    def departments(self, text: str) -> tuple[list[DepartmentSuggestion], Prediction]:
        """Every department ranked (duty list, mixed with history when there is some), and the top one."""
        return _mixed(text, self._department_history(), self.duty_router.rank([text])[0])

    def analyse(self, text: str) -> Triage:
        """Predictions (with confidence and reason), departments with their duty lines, fields with
        spans, urgency and sentiment."""
        if not text.strip():
            raise BadInput("来电内容为空")
        predictions = {
            "request_type": self.classifier("request_type").explain(text),
            "category": self.category(text),
        }
        ranked, predictions["department"] = self.departments(text)
        mood, mood_evidence = sentiment(text)
        return Triage(
            predictions,
            extract_fields(text),
            self.urgency(text),
            Signal(mood, mood_evidence),
            ranked[:SUGGESTED_DEPARTMENTS],
        )
