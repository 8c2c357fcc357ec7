"""The answer cache alone: a hit only under the version an answer was computed on, bounded, and
what it hands out belongs to the caller."""

from __future__ import annotations

from assistant.access import Access
from assistant.answering.answer import Answer
from assistant.answering.answer_cache import AnswerCache, cache_key
from assistant.documents import SearchFilters
from assistant.retrieval.index import FilterSpec


def _key(question: str, **filters: object) -> tuple[str, str]:
    return cache_key(question, FilterSpec.from_filters(SearchFilters(**filters)))  # type: ignore[arg-type]


def test_an_answer_is_served_only_under_the_version_it_was_computed_on():
    version = [1]
    cache = AnswerCache(8, lambda: version[0])
    cache.put(
        _key("居住证 收费吗"), 1, Answer("answered", "不收费", session_id="s1", question="居住证 收费吗")
    )
    served = cache.get(_key("居住证 收费吗"))
    assert (
        served is not None and served.text == "不收费" and served.session_id == "" and served.question == ""
    )
    version[0] = 2  # the knowledge base changed
    assert cache.get(_key("居住证 收费吗")) is None


def test_an_answer_computed_while_the_knowledge_base_changed_is_not_served():
    cache = AnswerCache(8, lambda: 2)
    cache.put(_key("问题"), 1, Answer("answered", "旧答案"))  # version read before computing: 1
    assert cache.get(_key("问题")) is None


def test_the_filter_is_part_of_the_key():
    cache = AnswerCache(8, lambda: 0)
    cache.put(_key("补贴", kinds=["policy"]), 0, Answer("answered", "政策答案"))
    assert cache.get(_key("补贴", kinds=["faq"])) is None
    assert cache.get(_key("补贴", regions=["示例市东湖区"])) is None
    assert cache.get(_key("补贴", kinds=["policy"])) is not None


def test_the_cache_is_bounded_and_keeps_the_recently_used():
    cache = AnswerCache(2, lambda: 0)
    for question in ("甲", "乙"):
        cache.put(_key(question), 0, Answer("answered", question))
    assert cache.get(_key("甲")) is not None  # 甲 is now the most recent
    cache.put(_key("丙"), 0, Answer("answered", "丙"))
    assert cache.get(_key("乙")) is None
    assert cache.get(_key("甲")) is not None and cache.get(_key("丙")) is not None


def test_size_zero_keeps_nothing():
    cache = AnswerCache(0, lambda: 0)
    cache.put(_key("甲"), 0, Answer("answered", "甲"))
    assert cache.get(_key("甲")) is None


def test_what_a_hit_hands_out_can_be_changed_without_touching_the_cache():
    cache = AnswerCache(4, lambda: 0)
    cache.put(_key("甲"), 0, Answer("answered", "甲"))
    first = cache.get(_key("甲"))
    assert first is not None
    first.session_id, first.timings_ms["cached"] = "s1", 1.0
    second = cache.get(_key("甲"))
    assert second is not None and second.session_id == "" and second.timings_ms == {}


def test_a_caller_is_never_served_an_answer_retrieved_under_another_callers_access():
    cache = AnswerCache(8, lambda: 0)
    staff = cache_key("社保补贴", FilterSpec.from_filters(None, Access.for_caller("agent", "示例市人社局")))
    cache.put(staff, 0, Answer("answered", "含内部资料的答案"))
    assert cache.get(cache_key("社保补贴", FilterSpec.from_filters(None, Access.public()))) is None
    assert (
        cache.get(
            cache_key("社保补贴", FilterSpec.from_filters(None, Access.for_caller("agent", "示例市民政局")))
        )
        is None
    )
    assert cache.get(staff) is not None
