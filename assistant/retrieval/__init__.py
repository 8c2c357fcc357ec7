"""Retrieval: embedders, the BM25 encoder, vector-index backends and the hybrid searcher.

Each outside system sits behind a small Protocol (``Embedder``, ``VectorIndex``, ``Reranker``)
taking and returning our own types; ``assistant.wiring`` picks the concrete backends.
"""
