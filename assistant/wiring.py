"""Wiring: the one place that turns ``Settings`` into concrete backends.

Everything else receives its embedder, index, reranker and searcher from here; nothing else
imports a backend module. Backends are built lazily and cached per process.
"""

from __future__ import annotations

import os
from functools import lru_cache

from assistant.config import Settings, get_settings
from assistant.database import Database
from assistant.knowledge_base import KnowledgeBase
from assistant.retrieval.embedding import Embedder, SentenceTransformerEmbedder, UseEmbedder
from assistant.retrieval.index import VectorIndex
from assistant.retrieval.manifest import ManifestStore
from assistant.retrieval.reranking import CrossEncoderReranker, Reranker
from assistant.retrieval.search import HybridSearcher


def apply_offline_mode(settings: Settings) -> None:
    """Forbid model-hub downloads for every library that honours the standard variables."""
    if settings.offline:
        for variable in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "HF_DATASETS_OFFLINE"):
            os.environ[variable] = "1"


def build_embedder(settings: Settings) -> Embedder:
    apply_offline_mode(settings)
    embedding = settings.embedding
    match embedding.backend:
        case "use":
            return UseEmbedder(batch_size=embedding.batch_size)
        case "sentence-transformers":
            return SentenceTransformerEmbedder(
                embedding.model, embedding.device, embedding.batch_size, embedding.query_instruction
            )


def build_index(settings: Settings) -> VectorIndex:
    qdrant = settings.qdrant
    if qdrant.url:
        from assistant.retrieval.qdrant_index import QdrantServerIndex

        api_key = qdrant.api_key.get_secret_value() if qdrant.api_key else None
        return QdrantServerIndex.connect(qdrant.url, qdrant.collection, api_key, qdrant.timeout_s)
    from assistant.retrieval.edge_index import EdgeIndex

    return EdgeIndex(settings.data_dir / "qdrant" / qdrant.collection)


def build_reranker(settings: Settings) -> Reranker | None:
    if not settings.reranker.model:
        return None
    apply_offline_mode(settings)
    return CrossEncoderReranker(settings.reranker.model, settings.reranker.top_n, settings.reranker.device)


def build_manifests(settings: Settings) -> ManifestStore:
    return ManifestStore(settings.data_dir / f"{settings.qdrant.collection}.manifest.json")


def build_database(settings: Settings) -> Database:
    database = Database(settings.database_url(), echo=settings.database.echo)
    database.create_tables()
    return database


class Services:
    """The backends of one process, built on first use from one ``Settings``."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    @property
    def embedder(self) -> Embedder:
        return self._cached("embedder", build_embedder)

    @property
    def index(self) -> VectorIndex:
        return self._cached("index", build_index)

    @property
    def manifests(self) -> ManifestStore:
        return self._cached("manifests", build_manifests)

    @property
    def database(self) -> Database:
        return self._cached("database", build_database)

    @property
    def knowledge_base(self) -> KnowledgeBase:
        return KnowledgeBase(self.index, self.embedder, self.manifests)

    @property
    def searcher(self) -> HybridSearcher:
        reranker = self._cached("reranker", build_reranker)
        return HybridSearcher(self.index, self.embedder, self.manifests, self.settings.search, reranker)

    def _cached(self, name: str, build):  # type: ignore[no-untyped-def]
        if name not in self.__dict__:
            self.__dict__[name] = build(self.settings)
        return self.__dict__[name]

    def close(self) -> None:
        for name in ("index", "database"):
            if name in self.__dict__:
                self.__dict__.pop(name).close()


@lru_cache(maxsize=1)
def get_services() -> Services:
    return Services(get_settings())
