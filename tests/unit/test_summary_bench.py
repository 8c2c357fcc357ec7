"""The call summary bench's scoring on hand-written summaries, and the eval set's own consistency."""

from __future__ import annotations

import json

import pytest

from assistant.hotline.call_summary import CallSummary
from eval_sets.call_summary import (
    CALLS,
    REQUEST_TYPES,
    Call,
    Scored,
    forbidden_found,
    in_standard_form,
    key_fact_recall,
    load_calls,
    load_messages,
    personal_leaks,
    score_rows,
)


def test_a_key_fact_is_found_through_any_of_its_alternatives_and_spaces_do_not_matter():
    summary = "来电人反映幸福小区 5号楼楼下垃圾一周无人清理，诉求尽快清运。"
    facts = [["五号楼", "5号楼"], ["垃圾"], ["一个礼拜", "一周"], ["三天"]]
    assert key_fact_recall(summary, facts) == pytest.approx(0.75)
    assert key_fact_recall(summary, []) is None


def test_forbidden_facts_are_listed_when_present():
    summary = "来电人反映三号楼垃圾无人清理，诉求转交城管部门。"
    assert forbidden_found(summary, ["三号楼", "城管部门", "赵先生"]) == ["三号楼", "城管部门"]


def test_a_masked_number_is_no_leak_but_a_whole_one_or_any_unmasked_number_is():
    assert personal_leaks("来电人反映电话138****5678无人接听，诉求回电。", ["13812345678"]) == 0
    assert personal_leaks("来电人反映（电话13812345678），诉求回电。", ["13812345678"]) == 1
    assert personal_leaks("来电人反映留下电话13912345678，诉求回电。", []) == 1  # a number not in the call


def test_the_standard_form_is_one_sentence_opening_with_the_report_and_holding_the_request():
    assert in_standard_form("来电人反映路灯不亮，诉求尽快修复。")
    assert not in_standard_form("市民反映路灯不亮，诉求尽快修复。")
    assert not in_standard_form("来电人反映路灯不亮。诉求尽快修复。")
    assert not in_standard_form("来电人反映路灯不亮，希望尽快修复。")


def test_a_row_averages_over_the_paths_summaries():
    call = Call("c", "dev", "通话", "投诉求助", (("路灯",), ("修",)), ("坐席",), ("13812345678",))
    good = Scored(
        call, CallSummary("来电人反映路灯不亮，诉求修复。", "generated"), 2.0, (1.0, 1.0), "投诉求助"
    )
    bad = Scored(
        call,
        CallSummary("来电人反映坐席说。", "extractive", dropped=["x，"]),
        4.0,
        (0.2,),
        "咨询",
    )
    row = score_rows("model", [good, bad], min_support=0.6)
    assert row["calls"] == 2 and row["key_fact_recall"] == pytest.approx(0.5)
    assert row["forbidden_rate"] == 0.5 and row["form_ok"] == 0.5 and row["fallback"] == 0.5
    assert row["dropped_per_call"] == 0.5 and row["unsupported"] == pytest.approx(1 / 3)
    assert row["type_agree"] == 0.5 and row["s_per_summary"] == 3.0 and row["personal_leaks"] == 0


def test_the_written_set_is_split_in_halves_and_its_references_are_in_its_calls():
    calls = load_calls()
    assert len(calls) >= 40
    assert {call.split for call in calls} == {"dev", "test"}
    assert abs(len(load_calls(split="dev")) - len(load_calls(split="test"))) <= 2
    for call in calls:
        assert call.request_type in REQUEST_TYPES and call.key_facts
        assert all(any(fact in call.transcript for fact in group) for group in call.key_facts), call.id
        assert all(value in call.transcript and value.isdigit() for value in call.personal), call.id
    assert len({call.id for call in calls}) == len(calls) == len(CALLS.read_text().splitlines())


def test_messages_are_sampled_with_a_fixed_seed_and_their_type_read_as_ours(tmp_path):
    path = tmp_path / "messages.jsonl"
    rows = [{"id": f"m{i}", "question": f"留言{i}", "label_type": "投诉/求助"} for i in range(10)]
    path.write_text("\n".join(json.dumps(row, ensure_ascii=False) for row in rows), encoding="utf-8")
    first, again = load_messages(path, 3), load_messages(path, 3)
    assert [m.id for m in first] == [m.id for m in again] and len(first) == 3
    assert first[0].request_type == "投诉求助" and not first[0].key_facts
