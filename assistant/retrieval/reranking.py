"""Optional cross-encoder reranking of fused candidates (off unless a model is configured).

``CrossEncoderReranker`` loads any local sentence-transformers cross-encoder directory
(bge-reranker-v2-m3, ...). No Chinese reranker ships on PyPI, so the offline default has none.
"""

from __future__ import annotations

import os
import threading
from typing import Any, Protocol

from assistant.documents import SearchHit
from assistant.errors import ConfigurationError


class Reranker(Protocol):
    top_n: int

    def rerank(self, query: str, hits: list[SearchHit]) -> list[SearchHit]:
        """The same hits, re-ordered, each with ``scores.rerank`` set."""
        ...


class CrossEncoderReranker:
    def __init__(self, model: str, top_n: int = 20, device: str = "cpu") -> None:
        self._model_ref = model
        self._device = device
        self.top_n = top_n
        self._model: Any = None
        self._lock = threading.Lock()  # two first queries at once load the model once

    def _loaded(self) -> Any:
        with self._lock:
            if self._model is None:
                os.environ.setdefault("HF_HUB_OFFLINE", "1")
                from sentence_transformers import CrossEncoder

                try:
                    self._model = CrossEncoder(self._model_ref, device=self._device)
                except (OSError, ValueError) as exc:
                    raise ConfigurationError(
                        f"Reranker model '{self._model_ref}' is not available locally ({exc}). Set "
                        "GOVASSIST_RERANKER__MODEL to a local cross-encoder directory, or empty to turn reranking off."
                    ) from exc
        return self._model

    def rerank(self, query: str, hits: list[SearchHit]) -> list[SearchHit]:
        scores = self._loaded().predict(
            [(query, hit.chunk.search_text) for hit in hits], show_progress_bar=False
        )
        for hit, score in zip(hits, scores, strict=True):
            hit.scores.rerank = float(score)
            hit.score = float(score)
        return sorted(hits, key=lambda hit: hit.score, reverse=True)
