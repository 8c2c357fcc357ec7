"""Settings: one typed ``Settings`` class with nested groups, read from the environment.

Environment variables use the prefix ``GOVASSIST_`` and ``__`` between group and field, e.g.
``GOVASSIST_QDRANT__URL=http://qdrant:6333`` or ``GOVASSIST_EMBEDDING__BACKEND=sentence-transformers``.
A ``.env`` file in the working directory is read too. The defaults run offline on one machine:
embedded Qdrant on disk under ``data_dir``, the packaged Universal Sentence Encoder.

This module only describes configuration; ``assistant.wiring`` turns it into backends.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class EmbeddingSettings(BaseModel):
    backend: Literal["use", "sentence-transformers"] = Field(
        "use",
        description="'use': the packaged Universal Sentence Encoder Multilingual (offline default); "
        "'sentence-transformers': any local model directory or name set in `model`.",
    )
    model: str = Field(
        "",
        description="For sentence-transformers: a local model directory (e.g. /models/bge-m3) or a name "
        "already in the local cache. Ignored by the 'use' backend.",
    )
    batch_size: int = Field(32, ge=1, description="Texts per embedding batch.")
    device: str = Field("cpu", description="Torch device for sentence-transformers ('cpu', 'cuda').")
    query_instruction: str = Field(
        "",
        description="Prefix added to queries only (bge-*-zh models want '为这个句子生成表示以用于检索相关文章：').",
    )


class RerankerSettings(BaseModel):
    model: str = Field(
        "",
        description="A local cross-encoder directory (e.g. /models/bge-reranker-v2-m3). Empty: no reranking.",
    )
    top_n: int = Field(20, ge=1, description="How many fused candidates the reranker re-scores.")
    device: str = Field("cpu", description="Torch device for the reranker.")


class QdrantSettings(BaseModel):
    url: str = Field(
        "",
        description="Qdrant server or cluster URL (http://host:6333). Empty: the embedded engine on disk.",
    )
    api_key: SecretStr | None = Field(None, description="API key for a Qdrant server, if it needs one.")
    collection: str = Field("govassist_kb", description="Collection (or embedded shard) name.")
    timeout_s: float = Field(10.0, gt=0, description="Request timeout for a Qdrant server.")


class SearchSettings(BaseModel):
    top_k: int = Field(5, ge=1, le=100, description="Hits returned by default.")
    candidates: int = Field(100, ge=10, description="Candidates fetched per channel before fusion.")
    fusion: Literal["score", "rrf"] = Field(
        "score",
        description="'score': BM25 score over the best BM25 score plus dense_weight x cosine, the cosine "
        "computed for the top `rescore_depth` BM25 candidates and the dense candidates (calibrated default); "
        "'rrf': weighted reciprocal-rank fusion of the two channels.",
    )
    rescore_depth: int = Field(30, ge=1, description="BM25 candidates whose dense similarity is added ('score').")
    rrf_k: int = Field(60, ge=1, description="Reciprocal-rank-fusion constant ('rrf').")
    sparse_weight: float = Field(1.0, ge=0, description="Weight of BM25 over jieba words; 0 turns it off.")
    bigram_weight: float = Field(1.0, ge=0, description="Weight of BM25 over character bigrams; 0 turns it off.")
    dense_weight: float = Field(0.4, ge=0, description="Weight of the dense channel; 0 turns it off.")
    use_synonyms: bool = Field(True, description="Expand queries with the government synonym lexicon.")


class IngestSettings(BaseModel):
    chunk_size: int = Field(500, ge=100, description="Target chunk length in characters.")
    chunk_overlap: int = Field(0, ge=0, description="Characters repeated between neighbouring chunks.")
    max_file_mb: float = Field(50.0, gt=0, description="Files larger than this are rejected.")


class DatabaseSettings(BaseModel):
    url: SecretStr = Field(
        SecretStr(""),
        description="SQLAlchemy URL, e.g. postgresql+psycopg://user:password@host/govassist. "
        "Empty: SQLite at <data_dir>/govassist.db.",
    )
    echo: bool = Field(False, description="Log every SQL statement (debugging only).")


class Settings(BaseSettings):
    """All gov-assistant settings. Every field has a working offline default."""

    model_config = SettingsConfigDict(
        env_prefix="GOVASSIST_",
        env_nested_delimiter="__",
        env_file=".env",
        extra="ignore",
    )

    data_dir: Path = Field(Path("data"), description="Where the embedded index, manifest and caches live.")
    offline: bool = Field(
        True, description="Forbid model-hub downloads (sets HF_HUB_OFFLINE/TRANSFORMERS_OFFLINE)."
    )
    embedding: EmbeddingSettings = EmbeddingSettings()
    reranker: RerankerSettings = RerankerSettings()
    qdrant: QdrantSettings = QdrantSettings()
    search: SearchSettings = SearchSettings()
    ingest: IngestSettings = IngestSettings()
    database: DatabaseSettings = DatabaseSettings()

    def database_url(self) -> str:
        return self.database.url.get_secret_value() or f"sqlite:///{self.data_dir / 'govassist.db'}"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
