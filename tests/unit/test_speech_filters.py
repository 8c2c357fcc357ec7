"""Hallucination guards: phantom subtitles, loops, unsure non-speech, duplicate segments."""

from __future__ import annotations

import pytest

from assistant.speech.filters import (
    GuardOptions,
    RawSegment,
    collapse_loops,
    guard_segments,
    hallucinated,
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


@pytest.mark.parametrize(
    "phantom",
    [
        "今天的视频就到这里了，请按赞、订阅、转发",
        "请记得点赞，收藏，转发支持",
        "感谢您的观看！",
        "谢谢大家收看",
        "字幕由 星空字幕组 提供",
        "中文字幕志愿者 李宗盛",
        "字幕制作：张三",
        "本期节目就到这里，我们下期再见",
        "欢迎订阅我的频道",
        "点赞订阅转发打赏",
        "请不吝点赞",
        "欢迎订阅",
    ],
)
def test_phantom_kinds_are_known_in_other_wordings(phantom):
    assert remove_phantom_phrases(phantom).strip("，。！ ") == ""
    assert hallucinated([raw(phantom)], OPTIONS)


@pytest.mark.parametrize(
    "speech",
    [
        "今天就到这里吧，我明天再来办",
        "监控视频到这里就断了",
        "我想订阅一下政务服务的短信提醒",
        "你把这个视频转发给我",
        "感谢您的来电，请问还有什么可以帮您",
        "谢谢，我们会关注的",
        "字幕上写的是收费五十",
        "下期房租什么时候交",
        "我们的会议到这里结束了",
    ],
)
def test_speech_near_the_phantom_kinds_is_kept(speech):
    assert remove_phantom_phrases(speech) == speech
    assert not hallucinated([raw(speech)], OPTIONS)


def test_a_viewer_plea_is_cut_out_of_the_speech_before_it():
    assert remove_phantom_phrases("我要投诉噪音，请点赞、订阅、转发") == "我要投诉噪音，"


def test_a_decode_is_hallucinated_when_a_guard_fails_but_not_for_a_stutter():
    assert hallucinated([raw("我想问一下"), raw("嗯", logprob=-1.2, no_speech=0.8)], OPTIONS)
    assert hallucinated([raw("试" * 40, ratio=9.0)], OPTIONS)
    assert not hallucinated([raw("我想问一下"), raw("", logprob=-0.2)], OPTIONS)
    assert not hallucinated([raw("我就试试试试看一下")], OPTIONS)
