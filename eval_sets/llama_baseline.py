"""The ten-minute llama-index baseline: ``VectorStoreIndex`` with default settings.

Our embedder is wrapped as a llama-index ``BaseEmbedding`` and passed explicitly
(``embed_model=``): llama-index's global defaults would reach for a hosted model.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from llama_index.core import Document as LlamaDocument
from llama_index.core import VectorStoreIndex
from llama_index.core.embeddings import BaseEmbedding
from pydantic import PrivateAttr

from assistant.retrieval.embedding import Embedder


class _EmbedderAdapter(BaseEmbedding):
    _embedder: Any = PrivateAttr()

    def __init__(self, embedder: Embedder) -> None:
        super().__init__(model_name=embedder.name, embed_batch_size=64)
        self._embedder = embedder

    def _get_query_embedding(self, query: str) -> list[float]:
        vector: list[float] = self._embedder.embed_query(query).tolist()
        return vector

    async def _aget_query_embedding(self, query: str) -> list[float]:
        return self._get_query_embedding(query)

    def _get_text_embedding(self, text: str) -> list[float]:
        vector: list[float] = self._embedder.embed_documents([text])[0].tolist()
        return vector

    def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
        vectors: list[list[float]] = self._embedder.embed_documents(texts).tolist()
        return vectors


def build_llama_index_retriever(embedder: Embedder, docs_path: Path, top_k: int = 10):  # type: ignore[no-untyped-def]
    documents = []
    for line in docs_path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            record = json.loads(line)
            documents.append(
                LlamaDocument(text=record["text"], metadata={"doc_id": record["id"]}, id_=record["id"])
            )
    index = VectorStoreIndex.from_documents(documents, embed_model=_EmbedderAdapter(embedder))
    retriever = index.as_retriever(similarity_top_k=top_k)

    def search(question: str) -> list[str]:
        return [node.node.metadata["doc_id"] for node in retriever.retrieve(question)]

    return search
