from assistant.config import SearchSettings
from assistant.retrieval.index import IndexMatch
from assistant.retrieval.search import Candidates, fuse


def _match(point_id: str, score: float) -> IndexMatch:
    payload = {"doc_id": point_id, "chunk_no": 0, "text": point_id, "content_hash": "h", "kind": "faq"}
    return IndexMatch(point_id, score, payload)


def _settings(**values) -> SearchSettings:
    return SearchSettings(**{"sparse_weight": 1.0, "bigram_weight": 0.0, "dense_weight": 0.4, **values})


def test_score_fusion_keeps_strong_keyword_match_first_and_uses_dense_to_break_ties():
    words = [_match("a", 10.0), _match("b", 6.0), _match("c", 6.0)]
    dense = [_match("c", 0.9), _match("b", 0.1), _match("a", 0.2)]
    hits = fuse(Candidates(words=words, dense=dense), _settings())
    assert [h.chunk.doc_id for h in hits] == ["a", "c", "b"]
    top = hits[0].scores
    assert top.sparse == 10.0 and top.sparse_rank == 1 and top.dense == 0.2 and top.dense_rank == 2


def test_bigram_channel_adds_its_normalised_score():
    words = [_match("a", 4.0), _match("b", 3.0)]
    bigrams = [_match("b", 20.0), _match("a", 5.0)]
    hits = fuse(Candidates(words=words, bigrams=bigrams), _settings(bigram_weight=1.0, dense_weight=0.0))
    assert [h.chunk.doc_id for h in hits] == ["b", "a"]
    assert hits[0].score == 3.0 / 4.0 + 1.0 and hits[0].scores.bigram_rank == 1


def test_dense_only_candidate_is_kept_but_ranked_below_keyword_matches():
    hits = fuse(Candidates(words=[_match("a", 5.0)], dense=[_match("z", 0.99)]), _settings())
    assert [h.chunk.doc_id for h in hits] == ["a", "z"]
    assert hits[1].scores.sparse is None


def test_rrf_rewards_agreement_between_channels():
    words = [_match("a", 3.0), _match("b", 2.0)]
    dense = [_match("b", 0.9), _match("c", 0.8)]
    hits = fuse(Candidates(words=words, dense=dense), _settings(fusion="rrf", dense_weight=1.0))
    assert hits[0].chunk.doc_id == "b"
    assert hits[0].score == 1 / 62 + 1 / 61


def test_zero_weight_turns_a_channel_off():
    hits = fuse(Candidates(words=[_match("a", 1.0)], dense=[_match("b", 0.9)]), _settings(dense_weight=0.0))
    assert hits[0].chunk.doc_id == "a" and hits[1].score == 0.0
