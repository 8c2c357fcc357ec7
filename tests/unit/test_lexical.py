from assistant.retrieval import lexical


def test_tokenize_keeps_government_terms_and_drops_stop_words():
    tokens = lexical.tokenize("请问办理居住证需要哪些材料？")
    assert "居住证" in tokens
    assert "材料" in tokens
    assert not {"请问", "哪些", "？", "需要"} & set(tokens)


def test_query_terms_get_full_weight_and_expansions_their_own():
    vector = lexical.encode_query("公积金怎么提取", "words", [("住房公积金", 0.5)])
    weights = dict(zip(vector.indices, vector.values, strict=True))
    assert weights[lexical.token_id("公积金")] == 1.0
    assert weights[lexical.token_id("住房公积金")] == 0.5
    assert lexical.token_id("住房公积金") not in lexical.encode_query("公积金怎么提取").indices


def test_bm25_weight_saturates_with_term_frequency_and_penalises_length():
    once = lexical.encode_document(["社保", "补贴"], average_length=2)
    many = lexical.encode_document(["社保"] * 10 + ["补贴"], average_length=2)
    long = lexical.encode_document(["社保", "补贴"] + ["其他"] * 40, average_length=2)
    weight = lambda vector: dict(zip(vector.indices, vector.values, strict=True))[lexical.token_id("社保")]  # noqa: E731
    assert weight(once) < weight(many) < 1.2 + 1  # bounded by k1 + 1
    assert weight(long) < weight(once)


def test_token_ids_are_stable_and_fit_qdrant_indices():
    assert lexical.token_id("居住证") == lexical.token_id("居住证")
    assert 0 <= lexical.token_id("居住证") < 2**31


def test_bigrams_cover_chinese_runs_and_keep_latin_words():
    assert lexical.bigrams("居住证C5驾照") == ["居住", "住证", "c5", "驾照"]
    assert lexical.bigrams("证") == ["证"]
    assert set(lexical.analyse("办理居住证")) == set(lexical.CHANNELS)


def test_bigram_query_has_one_weight_per_distinct_pair():
    vector = lexical.encode_query("公积金公积金", "bigrams")
    assert len(vector.indices) == 3 and set(vector.values) == {1.0}
