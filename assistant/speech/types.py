"""The speech-to-text seam: typed results (``Segment``, ``Transcript``) and the ``SpeechToText`` Protocol.

Backends (``whisper``) implement the Protocol; callers (CLI, API, the streaming transcriber,
the copilot) only see these types. Decoding files is ``audio``'s job, text clean-up ``text``'s.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal, Protocol

import numpy as np

CALLER = "来电人"
AGENT = "坐席"
SAMPLE_RATE = 16_000  # what every recogniser receives
_TERMINAL_PUNCTUATION = "。！？!?…"
_COMMA_PAUSE_S = 0.8  # a shorter pause between two open segments is read as a comma

AudioSource = Path | bytes


@dataclass(frozen=True)
class Segment:
    """One recognised stretch of speech; times in seconds from the start of the audio."""

    start: float
    end: float
    text: str
    speaker: str | None = None  # CALLER / AGENT for two-channel calls, None for mono audio
    avg_logprob: float = 0.0
    no_speech_prob: float = 0.0


@dataclass(frozen=True)
class Transcript:
    """A whole recording: segments in time order, in Simplified Chinese."""

    segments: tuple[Segment, ...]
    duration: float
    speakers: tuple[str, ...] = ()
    language: str = "zh"

    @property
    def text(self) -> str:
        """All segments as one text; a segment Whisper left open gets a comma before a short pause, else a full stop."""
        parts = []
        for segment, following in zip(self.segments, (*self.segments[1:], None), strict=False):
            pause = following.start - segment.end if following else None
            parts.append(_closed(segment.text, pause))
        return "".join(parts)

    def dialogue(self) -> list[str]:
        """One line per segment: ``[00:01.2-00:03.4] 来电人：……`` (no speaker for mono audio)."""
        lines = []
        for segment in self.segments:
            who = f"{segment.speaker}：" if segment.speaker else ""
            lines.append(f"[{_clock(segment.start)}-{_clock(segment.end)}] {who}{segment.text}")
        return lines


@dataclass(frozen=True)
class StreamEvent:
    """What the streaming transcriber emits about one utterance (numbered from 0 in a stream).

    A ``partial`` replaces the previous text of the same utterance and may still change; the
    ``final`` settles it. A final with empty text means the utterance held no speech after all:
    remove its partial. A ``revision`` comes later: utterances ``utterance`` to ``through``, closed
    at short pauses, recognised again as one stretch; its text replaces all of theirs (they become
    one line; empty text removes them)."""

    kind: Literal["partial", "final", "revision"]
    utterance: int
    segment: Segment
    through: int | None = None  # a revision's last utterance


class SpeechToText(Protocol):
    """Speech recognition: audio in, Simplified Chinese segments out."""

    def transcribe(self, source: AudioSource) -> Transcript:
        """A whole file (path or uploaded bytes). Stereo calls become two speakers.

        Raises ``BadInput`` (in Chinese) for empty, corrupt, unsupported or too long audio."""
        ...

    def transcribe_samples(
        self, samples: np.ndarray, *, draft: bool = False, speech_only: bool = False
    ) -> list[Segment]:
        """Mono float32 samples at 16 kHz in [-1, 1]. ``draft`` trades accuracy for speed (partials);
        ``speech_only``: the caller already cut the samples to speech with the backend's own voice
        activity detector, so it is not run again."""
        ...


def _closed(text: str, pause: float | None) -> str:
    if not text or text[-1] in _TERMINAL_PUNCTUATION + "，,、；;：:":
        return text
    return text + ("，" if pause is not None and pause < _COMMA_PAUSE_S else "。")


def _clock(seconds: float) -> str:
    minutes, rest = divmod(max(seconds, 0.0), 60)
    return f"{int(minutes):02d}:{rest:04.1f}"
