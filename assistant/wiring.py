"""Wiring: the one place that turns ``Settings`` into concrete backends.

Everything else receives its embedder, index, reranker and searcher from here; nothing else
imports a backend module. Backends are built lazily and cached per process.
"""

from __future__ import annotations

import importlib.util
import logging
import os
import threading
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import TypeVar, cast

from assistant.answering.answer_cache import AnswerCache
from assistant.answering.chain import AnswerChain
from assistant.answering.chat_models import ChatModel, LlamaCppChatModel, OpenAICompatibleChatModel
from assistant.answering.conversations import ConversationStore
from assistant.answering.local_model import packaged_model_path
from assistant.config import Settings, get_settings
from assistant.database import Database
from assistant.errors import ConfigurationError
from assistant.hotline.assist import Copilot
from assistant.hotline.tickets import TicketStore
from assistant.hotline.triage import CallTriage
from assistant.knowledge_base import KnowledgeBase
from assistant.policy_matching.service import PolicyMatching
from assistant.retrieval.embedding import E5Embedder, Embedder, SentenceTransformerEmbedder, UseEmbedder
from assistant.retrieval.embedding_cache import CachedEmbedder, VectorStore
from assistant.retrieval.index import VectorIndex
from assistant.retrieval.manifest import ManifestFile, ManifestStore
from assistant.retrieval.manifest_table import ManifestTable
from assistant.retrieval.reranking import CrossEncoderReranker, Reranker
from assistant.retrieval.search import HybridSearcher
from assistant.speech.types import SpeechToText

logger = logging.getLogger(__name__)
_T = TypeVar("_T")


def apply_offline_mode(settings: Settings) -> None:
    """Forbid model-hub downloads for every library that honours the standard variables."""
    if settings.offline:
        for variable in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "HF_DATASETS_OFFLINE"):
            os.environ[variable] = "1"


def build_embedder(settings: Settings) -> Embedder:
    """The configured embedder, behind the passage-vector cache unless that is turned off."""
    apply_offline_mode(settings)
    embedding = settings.embedding
    embedder: Embedder
    match embedding.backend:
        case "e5":
            embedder = E5Embedder(threads=embedding.threads)
        case "use":
            embedder = UseEmbedder(threads=embedding.threads, batch_size=embedding.batch_size)
        case "sentence-transformers":
            embedder = SentenceTransformerEmbedder(
                embedding.model, embedding.device, embedding.batch_size, embedding.query_instruction
            )
    if not embedding.cache:
        return embedder
    return CachedEmbedder(embedder, VectorStore(settings.embedding_cache() / "passages.sqlite"))


def build_index(settings: Settings) -> VectorIndex:
    qdrant = settings.qdrant
    if qdrant.url:
        from assistant.retrieval.qdrant_index import QdrantServerIndex

        api_key = qdrant.api_key.get_secret_value() if qdrant.api_key else None
        return QdrantServerIndex.connect(qdrant.url, qdrant.collection, api_key, qdrant.timeout_s)
    if qdrant.shared_index:
        from assistant.retrieval.shared_index import SharedIndex

        return SharedIndex(Path(qdrant.shared_index), qdrant.shared_index_key.get_secret_value().encode())
    return build_embedded_index(settings)


def build_embedded_index(settings: Settings) -> VectorIndex:
    """The embedded engine itself (the index process of several workers opens it with this)."""
    from assistant.retrieval.edge_index import EdgeIndex

    return EdgeIndex(settings.data_dir / "qdrant" / settings.qdrant.collection)


def build_reranker(settings: Settings) -> Reranker | None:
    if not settings.reranker.model:
        return None
    apply_offline_mode(settings)
    return CrossEncoderReranker(settings.reranker.model, settings.reranker.top_n, settings.reranker.device)


def build_manifests(settings: Settings, database: Callable[[], Database]) -> ManifestStore:
    """A file beside the embedded index; a row of the (shared) database when the index is a Qdrant
    server, which several machines may share (the file, if one was kept before, is its start)."""
    path = settings.data_dir / f"{settings.qdrant.collection}.manifest.json"
    if settings.qdrant.url:
        return ManifestTable(database(), settings.qdrant.collection, legacy_file=path)
    return ManifestFile(path)


def build_database(settings: Settings) -> Database:
    # Importing a feature module declares its tables; create_tables makes the missing ones.
    import assistant.api.security  # noqa: F401  (api keys)
    import assistant.hotline.tickets  # noqa: F401  (tickets)
    import assistant.policy_matching.store  # noqa: F401  (policy items, enterprise profiles)
    import assistant.ratings  # noqa: F401  (好差评 ratings, follow-ups)
    import assistant.retrieval.manifest_table  # noqa: F401  (the manifest, with a Qdrant server)
    from assistant.audit import AuditLog  # (audit events, chain, checkpoints)

    options = settings.database
    database = Database(
        settings.database_url(), options.echo, options.sqlite_synchronous, options.sqlite_busy_timeout_s
    )
    database.create_tables()
    AuditLog(database).start()  # chains rows written before the chain existed, once
    return database


def build_chat_model(settings: Settings) -> ChatModel | None:
    """The configured chat model, or None for extractive answers."""
    llm = settings.llm
    match llm.backend:
        case "extractive":
            return None
        case "openai":
            api_key = llm.api_key.get_secret_value() if llm.api_key else ""
            return OpenAICompatibleChatModel(llm.base_url, llm.model, api_key, llm.timeout_s, llm.max_retries)
        case "local":
            if importlib.util.find_spec("llama_cpp") is None:
                logger.warning(
                    "llama-cpp-python is not installed: answers are extractive (GOVASSIST_LLM__BACKEND)"
                )
                return None
            path = (
                Path(llm.model_path)
                if llm.model_path
                else packaged_model_path(settings.model_cache(), llm.packaged)
            )
            if not path.is_file():
                raise ConfigurationError(f"GGUF model {path} not found: set GOVASSIST_LLM__MODEL_PATH.")
            return LlamaCppChatModel(path, llm.context_tokens, llm.threads)


def build_speech_to_text(settings: Settings) -> SpeechToText:
    """faster-whisper with the packaged Whisper base, or any CTranslate2 Whisper directory; loads on first use."""
    from assistant.speech.whisper import FasterWhisperRecognizer

    return FasterWhisperRecognizer(settings.asr, settings.model_cache())


class Services:
    """The backends of one process, built on first use from one ``Settings``: each once, under its
    own lock, so two first requests at once never load a model (or open the embedded index) twice,
    and a slow build (the chat model) does not hold up the others.

    ``overrides`` replace what a property would build, by its name (``Services(settings,
    chat_model=fake)``): tests pass a fake through the same seam production uses
    (``create_app(services=...)``), and everything built from it (the answer chain, the copilot)
    uses the fake.
    """

    def __init__(self, settings: Settings, **overrides: object) -> None:
        unknown = sorted(
            name for name in overrides if not isinstance(getattr(type(self), name, None), property)
        )
        if unknown:
            raise ConfigurationError(f"Services has no {', '.join(unknown)} to override.")
        self.settings = settings
        self._built: dict[str, object] = dict(overrides)
        self._locks: dict[str, threading.Lock] = {}
        self._locks_lock = threading.Lock()
        self.writing = (
            threading.Lock()
        )  # one knowledge-base change (upload, delete) at a time in this process
        # The data dir holds the database, uploads and keys: its owner only (0700), also when it already existed.
        settings.data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        try:
            settings.data_dir.chmod(0o700)
        except PermissionError:  # another user's directory: say so, the owner decides
            logger.warning(
                "Cannot make the data dir %s private (mode 0700): it belongs to another user",
                settings.data_dir,
            )

    @property
    def embedder(self) -> Embedder:
        return self._cached("embedder", build_embedder)

    @property
    def index(self) -> VectorIndex:
        return self._cached("index", build_index)

    @property
    def manifests(self) -> ManifestStore:
        return self._cached("manifests", lambda settings: build_manifests(settings, lambda: self.database))

    @property
    def database(self) -> Database:
        return self._cached("database", build_database)

    @property
    def knowledge_base(self) -> KnowledgeBase:
        return self._fresh("knowledge_base", lambda: KnowledgeBase(self.index, self.embedder, self.manifests))

    @property
    def chat_model(self) -> ChatModel | None:
        return self._cached("chat_model", build_chat_model)

    @property
    def answer_chain(self) -> AnswerChain:
        return self._cached("answer_chain", self._build_answer_chain)

    def _build_answer_chain(self, settings: Settings) -> AnswerChain:
        conversations = ConversationStore(self.database)
        cache = AnswerCache(settings.answer.cache_size, self.manifests.version)
        return AnswerChain(
            self.searcher,
            self.embedder,
            conversations,
            settings.answer,
            settings.llm,
            self.chat_model,
            cache,
            deployment=settings.deployment,
        )

    @property
    def speech_to_text(self) -> SpeechToText:
        return self._cached("speech_to_text", build_speech_to_text)

    @property
    def call_triage(self) -> CallTriage:
        return self._cached(
            "call_triage",
            lambda settings: CallTriage(
                settings.model_cache(),
                settings.hotline.taxonomy,
                settings.hotline.duty_list,
                self.embedder,
                settings.hotline.sentence_vectors,
            ),
        )

    @property
    def copilot(self) -> Copilot:
        regions = self.settings.answer.service_regions
        return self._cached(
            "copilot", lambda settings: Copilot(self.searcher, self.answer_chain, self.call_triage, regions)
        )

    @property
    def ticket_store(self) -> TicketStore:
        return self._cached("ticket_store", lambda settings: TicketStore(self.database, settings.privacy))

    @property
    def policy_matching(self) -> PolicyMatching:
        return self._cached(
            "policy_matching", lambda settings: PolicyMatching(self.database, settings.policy_matching)
        )

    @property
    def searcher(self) -> HybridSearcher:
        return self._cached("searcher", self._build_searcher)

    def _build_searcher(self, settings: Settings) -> HybridSearcher:
        reranker = self._cached("reranker", build_reranker)
        return HybridSearcher(self.index, self.embedder, self.manifests, settings.search, reranker)

    def _cached(self, name: str, build: Callable[[Settings], _T]) -> _T:
        """Built once per process, under its own lock (or the override of that name)."""
        built = self._built.get(name)
        if built is not None:
            return cast(_T, built)
        with self._locks_lock:
            lock = self._locks.setdefault(name, threading.Lock())
        with lock:  # builds nest (searcher → index) but never in a cycle: one lock per name cannot deadlock
            if name not in self._built:
                self._built[name] = build(self.settings)
            return cast(_T, self._built[name])

    def _fresh(self, name: str, build: Callable[[], _T]) -> _T:
        """Built on every use from the cached parts (or the override of that name)."""
        return cast(_T, self._built[name]) if name in self._built else build()

    def close(self) -> None:
        for name in ("index", "database"):
            if name in self._built:
                cast(VectorIndex | Database, self._built.pop(name)).close()
        embedder = self._built.pop("embedder", None)
        if isinstance(embedder, CachedEmbedder):
            embedder.close()
        self._built.clear()  # the searcher and chain held the closed backends


@lru_cache(maxsize=1)
def get_services() -> Services:
    return Services(get_settings())
