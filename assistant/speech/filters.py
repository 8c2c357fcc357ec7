"""Guards against Whisper's hallucinations on silence, noise and hold music.

Whisper, trained on subtitled video, invents text where nobody speaks: subtitle credits
(字幕由Amara.org社群提供, 请不吝点赞订阅转发打赏支持明镜与点点栏目), loops of one phrase, lone digits
or English, video outros (今天的视频就到这里了，请按赞、订阅、转发) in place of real speech under
noise. The first line of defence is the VAD inside faster-whisper (``whisper`` turns it on); this
module is the second: it judges each decoded segment on Whisper's own confidence figures and on its
text. Phantom text is known by kind (a subtitle credit, thanks for watching, a plea to like and
subscribe, the end of an episode) as well as by the exact phrases seen. ``hallucinated`` tells the
recogniser that a decode of speech failed, so that it decodes the audio again another way.
Pure functions over ``RawSegment``, no model here.
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
    "请不吝点赞",
    "欢迎订阅",
    "明镜与点点栏目",
    "优优独播剧场yoyotelevisionseriesexclusive",
    "yoyotelevisionseriesexclusive",
    "以上言论不代表本台立场",
)
# The kinds of text those phrases stand for, in any wording: a subtitle credit, thanks for watching, a plea to
# subscribe, the end of a video or an episode. Each needs words nobody says of a phone call (字幕…提供, 观看,
# 频道, 视频…到这里, 下期); a clause holding one is dropped whole (a credit goes on with a name).
_PHANTOM_KINDS = re.compile(
    "|".join(
        (
            r"字幕.{0,20}(?:提供|制作|翻译|校对|志愿者|字幕组)",
            r"(?:感谢|谢谢|多谢).{0,6}(?:观看|收看|观赏|收听)",
            r"(?:订阅|关注).{0,6}(?:频道|本台|栏目)",
            r"(?:今天|本期|这期|本集|这集|我们)的?(?:视频|节目)(?:就|先)?(?:到这里|到此)",
            r"(?:本期|本集|这期)(?:就|先)?(?:到这里|到此)",
            r"下一?(?:期|集)(?:节目|视频)?再?见",
        )
    ),
    re.IGNORECASE,
)
# Asking viewers for a like, a subscription, a share or a tip: two or more of these in one run of clauses.
_VIEWER_ACTIONS = ("点赞", "按赞", "订阅", "转发", "打赏", "收藏", "三连", "小铃铛")
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
_CLAUSE = re.compile(r"[^，。！？,!?；;]+[，。！？,!?；;]*")
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
    """The text without subtitle credits, video outros and other phrases Whisper invents on silence."""
    return _PHANTOM_PATTERN.sub("", _remove_phantom_clauses(text))


def _remove_phantom_clauses(text: str) -> str:
    """Drop each clause of a phantom kind, and each run of clauses naming two or more viewer actions."""
    clauses = [clause for clause in _CLAUSE.findall(text) if not _PHANTOM_KINDS.search(clause)]
    kept: list[str] = []
    run: list[str] = []
    for clause in [*clauses, ""]:
        if clause and any(action in clause for action in _VIEWER_ACTIONS):
            run.append(clause)
            continue
        if sum(action in "".join(run) for action in _VIEWER_ACTIONS) < 2:
            kept += run
        kept.append(clause)
        run = []
    return "".join(kept)


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


def hallucinated(segments: list[RawSegment], options: GuardOptions) -> bool:
    """Whether any segment fails a guard (empty text aside) or holds phantom text: a failed decode.

    On audio the voice activity detector called speech, such a decode is worth redoing another way. A short
    loop is not one: Whisper writes a stutter (试试试试看) so, and ``collapse_loops`` tidies it; a long
    one fails the compression guard."""
    return any(
        rejection_reason(segment, options) not in (None, "empty")
        or remove_phantom_phrases(segment.text) != segment.text
        for segment in segments
    )


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
