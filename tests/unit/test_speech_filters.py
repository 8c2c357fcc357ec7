"""Hallucination guards: phantom subtitles, loops, unsure non-speech, duplicate segments."""

from __future__ import annotations

import pytest

from assistant.speech.filters import (
    GuardOptions,
    RawSegment,
    collapse_loops,
    guard_segments,
    rejection_reason,
    remove_phantom_phrases,
)

OPTIONS = GuardOptions()


def raw(
    text: str, logprob: float = -0.3, no_speech: float = 0.1, ratio: float = 1.2, start: float = 0.0
) -> RawSegment:
    return RawSegment(start, start + 1.0, text, logprob, no_speech, ratio)


@pytest.mark.parametrize(
    "phantom",
    [
        "字幕由Amara.org社群提供",
        "字幕由 Amara.org 社区提供。",
        "请不吝点赞 订阅 转发 打赏支持明镜与点点栏目",
        "优优独播剧场——YoYo Television Series Exclusive",
        "谢谢观看！",
    ],
)
def test_phantom_phrases_are_removed_entirely(phantom):
    assert remove_phantom_phrases(phantom).strip() == ""
    assert guard_segments([raw(phantom)], OPTIONS) == []


def test_phantom_phrase_is_cut_out_of_real_speech():
    assert remove_phantom_phrases("我要投诉噪音。字幕由Amara.org社群提供") == "我要投诉噪音。"


def test_ordinary_thanks_is_kept():
    assert [s.text for s in guard_segments([raw("好的，谢谢。")], OPTIONS)] == ["好的，谢谢。"]


def test_loops_collapse_but_short_repeats_stay():
    assert collapse_loops("我们我们我们我们我们我们") == "我们"
    assert collapse_loops("好好好，可以") == "好好好，可以"


def test_unsure_non_speech_is_rejected():
    assert rejection_reason(raw("嗯", logprob=-1.2, no_speech=0.8), OPTIONS) == "no_speech"
    assert rejection_reason(raw("嗯", logprob=-0.2, no_speech=0.8), OPTIONS) is None


def test_compressible_text_is_rejected():
    assert rejection_reason(raw("好的" * 30, ratio=5.0), OPTIONS) == "compression_ratio"


def test_non_chinese_needs_confidence():
    assert rejection_reason(raw("1 2 3", logprob=-0.9), OPTIONS) == "non_chinese"
    assert rejection_reason(raw("OK", logprob=-0.2), OPTIONS) is None


def test_repeated_segment_is_dropped_and_punctuation_only_is_empty():
    kept = guard_segments(
        [raw("我想问一下", start=0), raw("我想问一下。", start=1), raw("。", start=2)], OPTIONS
    )
    assert [s.text for s in kept] == ["我想问一下"]
