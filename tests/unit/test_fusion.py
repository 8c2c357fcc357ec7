from assistant.retrieval.index import IndexMatch
from assistant.retrieval.search import Candidates, fuse_rrf, fuse_scores


def _match(point_id: str, score: float) -> IndexMatch:
    payload = {"doc_id": point_id, "chunk_no": 0, "text": point_id, "content_hash": "h", "kind": "faq"}
    return IndexMatch(point_id, score, payload)


def test_score_fusion_keeps_strong_keyword_match_first_and_uses_dense_to_break_ties():
    sparse = [_match("a", 10.0), _match("b", 6.0), _match("c", 6.0)]
    dense = [_match("c", 0.9), _match("b", 0.1), _match("a", 0.2)]
    hits = fuse_scores(Candidates(sparse, dense), sparse_weight=1.0, dense_weight=0.4)
    assert [h.chunk.doc_id for h in hits] == ["a", "c", "b"]
    top = hits[0].scores
    assert top.sparse == 10.0 and top.sparse_rank == 1 and top.dense == 0.2 and top.dense_rank == 2


def test_dense_only_candidate_is_kept_but_ranked_below_keyword_matches():
    hits = fuse_scores(Candidates([_match("a", 5.0)], [_match("z", 0.99)]), 1.0, 0.4)
    assert [h.chunk.doc_id for h in hits] == ["a", "z"]
    assert hits[1].scores.sparse is None


def test_rrf_rewards_agreement_between_channels():
    sparse = [_match("a", 3.0), _match("b", 2.0)]
    dense = [_match("b", 0.9), _match("c", 0.8)]
    hits = fuse_rrf(Candidates(sparse, dense), rrf_k=60, sparse_weight=1.0, dense_weight=1.0)
    assert hits[0].chunk.doc_id == "b"
    assert hits[0].score == 1 / 62 + 1 / 61


def test_zero_weight_turns_a_channel_off():
    hits = fuse_scores(Candidates([_match("a", 1.0)], [_match("b", 0.9)]), sparse_weight=1.0, dense_weight=0.0)
    assert hits[0].chunk.doc_id == "a" and hits[1].score == 0.0
