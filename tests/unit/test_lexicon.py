"""The government lexicon: how citizens' words are matched to the documents' words."""

from assistant.retrieval import lexical, lexicon


def _surfaces(question: str) -> dict[str, lexicon.Concept]:
    return {c.surface: c for c in lexicon.question_concepts(question, ("示例市",))}


def test_colloquial_expressions_map_to_the_official_terms():
    concepts = _surfaces("我刚来示例市打工，想办个居住证，要带啥？")
    assert "材料" in concepts["要带啥"].forms and concepts["要带啥"].colloquial
    assert "居住证" in concepts
    assert (
        "示例市" not in concepts and "办个" not in concepts
    )  # the region's own name and filler count for nothing


def test_a_passage_covers_a_concept_through_its_official_term():
    concepts = lexicon.question_concepts("小孩户口能不能落在爸爸那边")
    passage = lexicon.normalise("新生儿可以随父或者随母申报常住户口")
    covered = {c.surface for c in concepts if lexicon.covers(passage, c)}
    assert {"小孩", "户口"} <= covered


def test_rare_words_weigh_more_than_common_ones():
    concepts = _surfaces("护照怎么办理")
    assert concepts["护照"].weight > lexicon.weight("怎么") and "办理" not in concepts
    assert lexicon.weight("居住证") > lexicon.weight("材料")


def test_a_year_weighs_as_much_as_the_rarest_word():
    assert _surfaces("2027年居民医保交多少钱")["2027"].weight == lexicon.MAX_WEIGHT


def test_pinyin_typos_are_mended_against_the_passages_but_real_words_are_kept():
    passages = ["申领居住证需要提交居民身份证", "租房提取住房公积金", "自契税完税之日起2年内"]
    assert lexicon.correct("居住正要带什么", passages) == "居住证要带什么"
    assert (
        lexicon.correct("公基金租房能取多少", passages) == "公积金租房能取多少"
    )  # 租房 is a word: not made 住房
    assert lexicon.correct("交契水那天算吗", passages) == "交契税那天算吗"
    # Only into a dictionary word: "的时" sounds like "的市" in 示例市的市民, but 时候 stays.
    assert lexicon.correct("住院的时候没结算", ["示例市的市民", "住院费用"]) == "住院的时候没结算"


def test_text_is_normalised_before_matching():
    assert lexicon.normalise("居住\u200b证１２３ＡＢ") == "居住证123ab"


def test_expansions_weigh_official_terms_above_synonyms():
    weights = dict(lexicon.expansions("公积金租房能取多少"))
    assert weights["住房公积金"] == lexicon.SYNONYM_WEIGHT
    assert weights["标准"] == lexicon.OFFICIAL_WEIGHT  # 能取多少 → 标准 / 金额 / 额度
    vector = lexical.encode_query("公积金租房能取多少", "words", list(weights.items()))
    assert lexical.token_id("住房公积金") in vector.indices


def test_questions_ask_about_aspects():
    assert [a.name for a in lexicon.asked_aspects("办居住证收费吗多久能拿到")] == ["办理时限", "收费"]
    assert [a.name for a in lexicon.asked_aspects("要带啥")] == ["材料"]
