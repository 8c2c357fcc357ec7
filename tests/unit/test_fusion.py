from assistant.config import SearchSettings
from assistant.retrieval.index import IndexMatch
from assistant.retrieval.search import Candidates, fuse


def _match(point_id: str, score: float) -> IndexMatch:
    payload = {"doc_id": point_id, "chunk_no": 0, "text": point_id, "content_hash": "h", "kind": "faq"}
    return IndexMatch(point_id, score, payload)


def _settings(**values) -> SearchSettings:
    return SearchSettings(**{"sparse_weight": 0.1, "bigram_weight": 0.2, "dense_weight": 1.0, **values})


def test_channels_are_min_max_normalised_then_weighted():
    words = [_match("a", 10.0), _match("b", 6.0), _match("c", 2.0)]
    dense = [_match("c", 0.90), _match("b", 0.86), _match("a", 0.80)]
    hits = fuse(Candidates(words=words, dense=dense), _settings())
    # dense: c 1.0, b 0.6, a 0.0; words x 0.1: a 0.1, b 0.05, c 0.0
    assert [h.chunk.doc_id for h in hits] == ["c", "b", "a"]
    assert abs(hits[1].score - (0.6 + 0.05)) < 1e-9
    top = hits[0].scores
    assert top.sparse == 2.0 and top.sparse_rank == 3 and top.dense == 0.90 and top.dense_rank == 1


def test_a_strong_keyword_match_wins_when_meaning_is_a_tie():
    words = [_match("a", 9.0), _match("b", 1.0)]
    dense = [_match("a", 0.85), _match("b", 0.85), _match("z", 0.80)]
    hits = fuse(Candidates(words=words, dense=dense), _settings())
    assert hits[0].chunk.doc_id == "a"


def test_a_candidate_a_channel_did_not_return_counts_as_its_minimum():
    hits = fuse(
        Candidates(words=[_match("a", 5.0), _match("b", 1.0)], dense=[_match("z", 0.99), _match("a", 0.7)]),
        _settings(),
    )
    assert hits[0].chunk.doc_id == "z" and hits[0].scores.sparse is None
    assert {h.chunk.doc_id for h in hits} == {"a", "b", "z"}


def test_rrf_rewards_agreement_between_channels():
    words = [_match("a", 3.0), _match("b", 2.0)]
    dense = [_match("b", 0.9), _match("c", 0.8)]
    hits = fuse(
        Candidates(words=words, dense=dense), _settings(fusion="rrf", sparse_weight=1.0, dense_weight=1.0)
    )
    assert hits[0].chunk.doc_id == "b"
    assert hits[0].score == 1 / 62 + 1 / 61


def test_zero_weight_turns_a_channel_off():
    hits = fuse(
        Candidates(words=[_match("a", 1.0), _match("c", 0.5)], dense=[_match("b", 0.9)]),
        _settings(dense_weight=0.0),
    )
    assert hits[0].chunk.doc_id == "a" and hits[-1].score == 0.0


def test_a_limit_keeps_the_best_hits_in_the_same_order():
    words = [_match(name, 10.0 - n) for n, name in enumerate("abcdef")]
    dense = [_match(name, 0.9 - n / 20) for n, name in enumerate("fedcba")]
    candidates = Candidates(words=words, dense=dense)
    every = fuse(candidates, _settings())
    best = fuse(candidates, _settings(), limit=2)
    assert len(every) == 6 and [(h.chunk.doc_id, h.score) for h in best] == [
        (h.chunk.doc_id, h.score) for h in every[:2]
    ]
