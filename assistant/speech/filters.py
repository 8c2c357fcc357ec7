"""Guards against Whisper's hallucinations on silence, noise and hold music.

Whisper, trained on subtitled video, invents text where nobody speaks: subtitle credits
(字幕由Amara.org社群提供, 请不吝点赞订阅转发打赏支持明镜与点点栏目), loops of one phrase, lone digits
or English. The first line of defence is the VAD inside faster-whisper (``whisper`` turns it
on); this module is the second: it judges each decoded segment on Whisper's own confidence figures
and on its text. Pure functions over ``RawSegment``, no model here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.speech.text import has_chinese

# Phrases Whisper writes on silence; matched after removing spaces and punctuation, case-folded.
PHANTOM_PHRASES = (
    "字幕由amara.org社群提供",
    "字幕由amara.org社区提供",
    "由amara.org社群提供的字幕",
    "由amara.org社区提供的字幕",
    "amara.org",
    "请不吝点赞订阅转发打赏支持明镜与点点栏目",
    "请不吝点赞订阅转发打赏",
    "请不吝点赞",
    "点赞订阅转发打赏",
    "明镜与点点栏目",
    "优优独播剧场yoyotelevisionseriesexclusive",
    "yoyotelevisionseriesexclusive",
    "中文字幕志愿者",
    "字幕志愿者",
    "字幕制作",
    "本字幕",
    "以上言论不代表本台立场",
    "谢谢观看",
    "感谢观看",
    "欢迎订阅",
    "订阅我的频道",
)
# Separators Whisper may put inside a phantom phrase, and that do not make two segments differ.
_SEPARATOR = r"[\s，。、！？,!?\-—：:；;\"'“”《》()（）]"
_SEPARATORS = re.compile(_SEPARATOR + "+")
_PHANTOM_PATTERN = re.compile(
    "(?:"
    + "|".join(
        (_SEPARATOR + "*").join(re.escape(char) for char in phrase)
        for phrase in sorted(PHANTOM_PHRASES, key=len, reverse=True)
    )
    + ")"
    + _SEPARATOR
    + "*",
    re.IGNORECASE,
)
# A unit of 1-10 characters repeated 4 or more times in a row: a decoding loop, not speech.
_LOOP = re.compile(r"(.{1,10}?)\1{3,}")


@dataclass(frozen=True)
class GuardOptions:
    """Thresholds; the first three mirror Whisper's own decoding fallbacks."""

    no_speech_threshold: float = 0.6
    log_prob_threshold: float = -1.0
    compression_ratio_threshold: float = 2.4
    # A segment with no Chinese character must be at least this confident (digits, English on noise).
    non_chinese_log_prob: float = -0.5


@dataclass(frozen=True)
class RawSegment:
    """A decoded segment with Whisper's confidence figures, before any guard."""

    start: float
    end: float
    text: str
    avg_logprob: float
    no_speech_prob: float
    compression_ratio: float


def remove_phantom_phrases(text: str) -> str:
    """The text without subtitle credits and other phrases Whisper invents on silence."""
    return _PHANTOM_PATTERN.sub("", text)


def collapse_loops(text: str) -> str:
    """A phrase repeated four or more times in a row is kept once."""
    return _LOOP.sub(r"\1", text)


def rejection_reason(segment: RawSegment, options: GuardOptions) -> str | None:
    """Why a segment is a hallucination, or None to keep it (its text may still need cleaning)."""
    if (
        segment.no_speech_prob > options.no_speech_threshold
        and segment.avg_logprob < options.log_prob_threshold
    ):
        return "no_speech"
    if segment.compression_ratio > options.compression_ratio_threshold:
        return "compression_ratio"
    if not segment.text.strip():
        return "empty"
    if not has_chinese(segment.text) and segment.avg_logprob < options.non_chinese_log_prob:
        return "non_chinese"
    return None


def guard_segments(segments: list[RawSegment], options: GuardOptions) -> list[RawSegment]:
    """Drop hallucinated segments, strip phantom phrases and loops, drop a repeat of the previous segment."""
    kept: list[RawSegment] = []
    for segment in segments:
        if rejection_reason(segment, options):
            continue
        text = collapse_loops(remove_phantom_phrases(segment.text)).strip()
        if not text or not any(char.isalnum() for char in text):
            continue
        if kept and _SEPARATORS.sub("", kept[-1].text) == _SEPARATORS.sub("", text):
            continue
        kept.append(
            RawSegment(
                segment.start,
                segment.end,
                text,
                segment.avg_logprob,
                segment.no_speech_prob,
                segment.compression_ratio,
            )
        )
    return kept
