"""Live transcription: PCM16 chunks in, partial and final segments out, with low delay.

``StreamingTranscriber`` is transport-free so that a WebSocket handler, a test or the bench can
drive it the same way: ``push(chunk)`` returns the events that chunk caused, ``flush()`` closes the
stream. Audio becomes 16 kHz at once (``StreamResampler``, as a recording of it would decode) and every 32 ms frame is
scored by the file path's own voice activity detector (``endpointing``). An utterance opens at the
first speech frame (with ``pad_before_s`` of audio before it, as the file path pads its speech), is
re-recognised for partials, and is finalised after a pause or when it reaches ``max_window_s``
(cut at its least speech-like recent frame; the rest opens the next). The pause that closes a line
is ``endpoint_silence_s`` up to ``shrink_after_s`` of line, then shrinks linearly to
``min_endpoint_silence_s`` at ``max_window_s``: continuous speech (a caller reading out, a speaker
going on after a breath) has short clear pauses between sentences but rarely 0.8 s ones, and
waiting for a long pause there made lines run to the length limit, their final many seconds after
the sentence ended. A line just begun waits nearly as long as the pause that splits a file's speech
(``file_split_silence_s``, 1 s): closed at a 0.6 s breath, two or three words decoded on their own
came out wrong where the file, decoding them with the speech after, had them right. A line closed
at a short pause gives the next line only that pause as its pad, so no speech is decoded twice.
Only audio the detector scored as non-speech is ever dropped, the same audio the file path drops,
and Whisper gets the utterance cut exactly as the file path's VAD cuts speech (from ``pad_before_s``
before its first speech frame to ``pad_after_s`` after the frame that began the pause), so an utterance
the file path also sees as one stretch of speech is decoded from the same samples.
Whisper's cost is mostly its fixed 30 s encoder pass, so the delay is kept low by speculating:
once the pause covers the pad after it the utterance is recognised at full quality (sent as a partial), and
when the pause lasts and no speech came since, that result is the final, with no second pass. Partials
come less often when the CPU lags: at most one per twice the last one's cost.

Lines closed at pauses shorter than ``join_silence_s`` (the file path's ``file_split_silence_s``) are
speech the file path decodes as one stretch, and a line decoded alone can come out wrong at its edges
(a sentence split at a breath, a word guessed without what follows). Once such a pause comes, or the
lines reach back ``revision_max_s`` (one Whisper window), they are recognised again together from the
same contiguous samples once the speaker has paused that long (so no final waits behind it; in
speech that never pauses, at the end), and a ``revision`` event replaces them (2-pass, as FunASR's
online/offline mode). Whisper can
drop the second of two utterances in one window; a revision that lost a line's speech or characters
(``_keeps_speech``) is not sent, and the finals stand.

It is synchronous and CPU-bound: an async server runs ``push`` in a worker thread. One instance
per call and channel; it does not decode files or know about sockets.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from assistant.config import AsrSettings
from assistant.errors import BadInput
from assistant.speech.audio import StreamResampler
from assistant.speech.endpointing import (
    FRAME_SAMPLES,
    PAD_AFTER_S,
    PAD_BEFORE_S,
    SileroVoiceActivity,
    VoiceActivity,
    least_speech_cut,
)
from assistant.speech.text import normalise_for_scoring
from assistant.speech.types import SAMPLE_RATE, Segment, SpeechToText, StreamEvent, Transcript

logger = logging.getLogger(__name__)

ACCEPTED_RATES = (8_000, 16_000)
REVISION_MIN_CHARACTERS = 0.85  # a revision with fewer of the finals' characters dropped speech
FRAME_S = FRAME_SAMPLES / SAMPLE_RATE


def _setting_default(name: str) -> Any:
    """The deployment setting's default, so options built without settings (tests, tools) stream as a deployment
    does."""
    return AsrSettings.model_fields[name].default


@dataclass(frozen=True)
class StreamingOptions:
    endpoint_silence_s: float = _setting_default("stream_endpoint_silence_s")  # closes a line just begun
    min_endpoint_silence_s: float = _setting_default(
        "stream_min_endpoint_silence_s"
    )  # ... one of max_window_s
    shrink_after_s: float = 2.0  # the pause needed shrinks linearly from a line this long (a sentence) on
    max_window_s: float = _setting_default("stream_max_window_s")  # an utterance is cut at this length
    # New audio between partials (at least twice the last partial's cost).
    partial_interval_s: float = _setting_default("stream_partial_interval_s")
    pad_before_s: float = PAD_BEFORE_S  # non-speech kept before an utterance, as the file path pads speech
    pad_after_s: float = PAD_AFTER_S  # ... and after it
    cut_search_s: float = 2.0  # where to look for the least speech-like frame when cutting a long utterance
    # Speech starts at this probability and a pause at a frame below silence_threshold: faster-whisper's VadOptions.
    speech_threshold: float = 0.5
    silence_threshold: float = 0.35
    # Partials while speech goes on are greedy, without temperature fallback (a repetitive stretch, like counted
    # digits, otherwise decodes six times per partial); the one made in a pause, which may become the final, is not.
    draft_partials: bool = True
    # Lines closed at pauses shorter than join_silence_s (what the file path decodes as one stretch) are recognised
    # again together at such a pause, or once they reach back revision_max_s (one Whisper window).
    revise: bool = _setting_default("stream_revise")
    join_silence_s: float = _setting_default("file_split_silence_s")
    revision_max_s: float = 30.0

    @classmethod
    def from_settings(cls, settings: AsrSettings) -> StreamingOptions:
        return cls(
            endpoint_silence_s=settings.stream_endpoint_silence_s,
            min_endpoint_silence_s=settings.stream_min_endpoint_silence_s,
            max_window_s=settings.stream_max_window_s,
            partial_interval_s=settings.stream_partial_interval_s,
            revise=settings.stream_revise,
            join_silence_s=settings.file_split_silence_s,
        )


@dataclass(frozen=True)
class _Line:
    """A final line awaiting revision: its utterance, the samples its final decoded (stream indices), and its
    recognised speech (seconds) and characters."""

    utterance: int
    start: int
    end: int
    spoken: tuple[float, float]
    characters: int


@dataclass(frozen=True)
class _Revision:
    """Lines to recognise again as one stretch, and its audio."""

    lines: tuple[_Line, ...]
    audio: np.ndarray  # from the first line's start to the last's end


class StreamingTranscriber:
    """One live audio stream (mono PCM16 little-endian at 8 or 16 kHz) to utterance events."""

    def __init__(
        self,
        recognizer: SpeechToText,
        sample_rate: int = SAMPLE_RATE,
        options: StreamingOptions | None = None,
        *,
        speaker: str | None = None,
        voice_activity: VoiceActivity | None = None,
    ) -> None:
        if sample_rate not in ACCEPTED_RATES:
            raise BadInput(
                f"不支持的采样率 {sample_rate} Hz：实时音频须为 8000 或 16000 Hz 的 16 位单声道 PCM。"
            )
        self.recognizer = recognizer
        self.sample_rate = sample_rate
        self.options = options or StreamingOptions()
        self.speaker = speaker
        self._voice_activity = voice_activity or SileroVoiceActivity()
        self._resampler = StreamResampler(sample_rate)
        self._pending = np.zeros(0, np.float32)  # 16 kHz samples short of a whole frame
        self._received = 0  # 16 kHz samples framed so far
        self._window: list[np.ndarray] = []  # frames of the open utterance (or its pad while idle)
        self._probabilities: list[float] = []
        self._window_start = 0  # sample index of the window's first frame
        self._open = False
        self._speech_frames = 0
        self._silent_frames = 0  # frames since the pause began (as the VAD counts it: ended only by speech)
        self._since_partial = 0
        self._partial_cost_s = 0.0
        self._partial_shown = False
        self._speech_at_partial = -1  # speech frames when the last full-quality partial was made
        self._partial_segments: list[Segment] = []
        self._utterance = 0
        self._quiet_frames = 0  # frames since the last speech frame (counted as the pause is)
        self._lines: list[_Line] = []  # finals since the last pause of join_silence_s, awaiting revision
        self._kept: list[np.ndarray] = []  # frames before the window back to the first of those lines
        self._revisions: list[_Revision] = []  # due, made once the speaker pauses

    @property
    def stream_seconds(self) -> float:
        """Audio received and framed so far."""
        return self._received / SAMPLE_RATE

    def push(self, chunk: bytes) -> list[StreamEvent]:
        """Add audio; returns the finals it closed and at most one new partial."""
        return self._take(self._resampler.push(chunk))

    def _take(self, audio: np.ndarray) -> list[StreamEvent]:
        samples = np.concatenate([self._pending, audio])
        whole = len(samples) // FRAME_SAMPLES * FRAME_SAMPLES
        self._pending = samples[whole:]
        frames = samples[:whole].reshape(-1, FRAME_SAMPLES)
        probabilities = self._voice_activity.speech_probabilities(frames)
        events: list[StreamEvent] = []
        for frame, probability in zip(frames, probabilities, strict=True):
            events += self._take_frame(frame, float(probability))
        if self._partial_due():
            events.append(self._partial())
        elif self._revisions and not events and self._paused():
            events += self._revise()
        return events

    def flush(self) -> list[StreamEvent]:
        """End of stream: finalise the open utterance (if any) with the audio short of a frame."""
        events = self._take(self._resampler.flush())
        if self._open and self._pending.size:
            self._window.append(self._pending)
            self._probabilities.append(0.0)
            self._received += self._pending.size
        self._pending = np.zeros(0, np.float32)
        events += self._finalise(len(self._window), keep=0) if self._open else []
        if self._lines:
            self._freeze()
        while self._revisions:
            events += self._revise()
        return events

    def _take_frame(self, frame: np.ndarray, probability: float) -> list[StreamEvent]:
        speech = probability >= self.options.speech_threshold
        self._received += len(frame)
        self._window.append(frame)
        self._probabilities.append(probability)
        self._quiet_frames = self._paused_frames(probability, self._quiet_frames)
        if self._lines and self._stretch_ended():
            self._freeze()
        if not self._open:
            self._trim_pad()
            if speech:
                self._open, self._speech_frames, self._silent_frames, self._since_partial = True, 1, 0, 0
            return []
        self._count(len(frame), probability)
        if self._silent_frames and self._silent_frames * FRAME_S >= self._endpoint_silence_s():
            # The pause (never more than the pad) starts the next line: no speech is decoded twice.
            return self._finalise(len(self._window), keep=min(self._pad_frames, self._silent_frames))
        if len(self._window) * FRAME_S >= self.options.max_window_s:
            cut = least_speech_cut(self._probabilities, int(self.options.cut_search_s / FRAME_S))
            return self._finalise(cut, keep=0)
        return []

    def _count(self, samples: int, probability: float) -> None:
        self._since_partial += samples
        self._speech_frames += probability >= self.options.speech_threshold
        self._silent_frames = self._paused_frames(probability, self._silent_frames)

    def _paused_frames(self, probability: float, paused: int) -> int:
        """A pause's length in frames after this frame, as the file path's VAD counts it: a pause begins below the
        silence threshold and only a speech frame ends it."""
        if probability >= self.options.speech_threshold:
            return 0
        return paused + 1 if probability < self.options.silence_threshold or paused else paused

    def _endpoint_silence_s(self) -> float:
        """The pause that closes the open line: shorter the longer the line before the pause has grown."""
        options = self.options
        line_s = (len(self._window) - self._silent_frames) * FRAME_S
        grown = (line_s - options.shrink_after_s) / max(
            options.max_window_s - options.shrink_after_s, FRAME_S
        )
        span = options.endpoint_silence_s - options.min_endpoint_silence_s
        return options.endpoint_silence_s - span * min(max(grown, 0.0), 1.0)

    def _paused(self) -> bool:
        """No line open and a pause of join_silence_s: the speaker stopped, and nothing else needs recognising."""
        return not self._open and self._quiet_frames * FRAME_S >= self.options.join_silence_s

    def _stretch_ended(self) -> bool:
        """The lines awaiting revision are all the file path would decode together: a pause of join_silence_s
        followed them, or they reach back revision_max_s."""
        reach = self._received - self._lines[0].start
        return self._paused() or reach >= self.options.revision_max_s * SAMPLE_RATE

    def _freeze(self) -> None:
        """Make the lines awaiting revision due, if there are two or more (one line decoded the file path's
        samples already); the next line starts a stretch of its own."""
        lines, kept = self._lines, self._kept
        self._lines, self._kept = [], []
        if len(lines) < 2:
            return
        base = self._window_start - sum(len(frame) for frame in kept)
        audio = np.concatenate(kept + self._window)[lines[0].start - base : lines[-1].end - base]
        self._revisions.append(_Revision(tuple(lines), audio))

    def _revise(self) -> list[StreamEvent]:
        """The due revision, unless it lost speech the finals have: then the finals stand."""
        revision = self._revisions.pop(0)
        first, last = revision.lines[0], revision.lines[-1]
        segments = self.recognizer.transcribe_samples(revision.audio, speech_only=True)
        segment = self._merged(segments, first.start, first.start + len(revision.audio))
        if not _keeps_speech(revision.lines, segments, first.start / SAMPLE_RATE):
            logger.debug(
                "Revision of utterances %d-%d lost speech; their finals stand",
                first.utterance,
                last.utterance,
            )
            return []
        return [StreamEvent("revision", first.utterance, segment, last.utterance)]

    @property
    def _pad_frames(self) -> int:
        return max(1, math.ceil(self.options.pad_before_s * SAMPLE_RATE / FRAME_SAMPLES))

    def _trim_pad(self) -> None:
        keep = self._pad_frames + 1  # the pad before the frame being judged
        if len(self._window) > keep:
            dropped = len(self._window) - keep
            if self._lines:
                self._kept += self._window[:dropped]
            self._window_start += sum(len(f) for f in self._window[:dropped])
            del self._window[:dropped], self._probabilities[:dropped]

    def _partial_due(self) -> bool:
        if not self._open:
            return False
        if self._pausing():
            # Speculate once per pause: if no speech follows, this recognition becomes the final at no cost.
            return self._speech_at_partial != self._speech_frames
        if self._silent_frames:
            return False  # a pause has begun: its full-quality partial comes soon, a draft now would delay it
        interval = max(self.options.partial_interval_s, 2 * self._partial_cost_s)
        return self._since_partial >= interval * SAMPLE_RATE

    def _pausing(self) -> bool:
        """The pause already holds all the audio the final will decode: the pad after the speech, or the whole
        pause that closes the line if that is shorter. Speculating earlier decoded a window shorter than the
        final's and the file's, and its text became the final."""
        return self._silent_frames * FRAME_S >= min(self.options.pad_after_s, self._endpoint_silence_s())

    def _partial(self) -> StreamEvent:
        draft = self.options.draft_partials and not self._pausing()
        started = time.perf_counter()
        segments = self._recognise(len(self._window), draft=draft)
        self._partial_cost_s = time.perf_counter() - started
        self._since_partial = 0
        self._partial_shown = True
        self._speech_at_partial = -1 if draft else self._speech_frames
        self._partial_segments = segments
        return StreamEvent("partial", self._utterance, self._window_segment(segments, len(self._window)))

    def _recognise_final(self, frames: int) -> list[Segment]:
        if frames == len(self._window) and self._speech_at_partial == self._speech_frames:
            return self._partial_segments  # nothing but silence since the last full-quality partial
        return self._recognise(frames)

    def _finalise(self, frames: int, keep: int) -> list[StreamEvent]:
        """Recognise the first ``frames`` frames as the utterance's final; the rest starts the next one.

        The last ``keep`` of them (the pause's non-speech) stay as the next utterance's pad."""
        segments = self._recognise_final(frames)
        event = StreamEvent("final", self._utterance, self._window_segment(segments, frames))
        shown = bool(segments) or self._partial_shown
        span = self._speech_span(frames)
        if segments and span and self.options.revise:
            start, end = self._window_start + span[0], self._window_start + span[1]
            spoken = (event.segment.start, event.segment.end)
            self._lines.append(_Line(self._utterance, start, end, spoken, _characters(event.segment.text)))
        dropped = max(frames - keep, 0)
        if self._lines:
            self._kept += self._window[:dropped]
        self._window_start += sum(len(f) for f in self._window[:dropped])
        del self._window[:dropped], self._probabilities[:dropped]
        # A cut long utterance continues at once.
        self._open = any(p >= self.options.speech_threshold for p in self._probabilities[frames - dropped :])
        self._speech_frames = sum(p >= self.options.speech_threshold for p in self._probabilities)
        self._silent_frames = self._since_partial = 0
        self._partial_shown = False
        self._speech_at_partial = -1
        if not shown:
            return []
        self._utterance += 1
        return [event]

    def _speech_span(self, frames: int) -> tuple[int, int] | None:
        """The samples of the first ``frames`` frames the recogniser gets (from the window start): cut to speech
        as the file path's VAD cuts it. None when they hold no speech."""
        speech = [
            index
            for index, p in enumerate(self._probabilities[:frames])
            if p >= self.options.speech_threshold
        ]
        if not speech:
            return None
        start = max(speech[0] * FRAME_SAMPLES - round(self.options.pad_before_s * SAMPLE_RATE), 0)
        length = sum(len(f) for f in self._window[:frames])
        pause_began = len(self._window) - self._silent_frames
        end = (
            min(pause_began * FRAME_SAMPLES + round(self.options.pad_after_s * SAMPLE_RATE), length)
            if frames == len(self._window) and self._silent_frames
            else length
        )
        return start, end

    def _recognise(self, frames: int, *, draft: bool = False) -> list[Segment]:
        """The first ``frames`` frames cut to speech (``_speech_span``); times from the window start."""
        span = self._speech_span(frames)
        if span is None:
            return []
        start, end = span
        audio = np.concatenate(self._window[:frames])[start:end]
        segments = self.recognizer.transcribe_samples(audio, draft=draft, speech_only=True)
        shift = start / SAMPLE_RATE
        return [replace(s, start=s.start + shift, end=s.end + shift) for s in segments]

    def _window_segment(self, segments: list[Segment], frames: int) -> Segment:
        """The recognition of the window's first ``frames`` frames as one segment."""
        end = self._window_start + sum(len(f) for f in self._window[:frames])
        return self._merged(segments, self._window_start, end)

    def _merged(self, segments: list[Segment], start: int, end: int) -> Segment:
        """Segments timed from stream sample ``start`` as one segment of the audio up to ``end``, in seconds."""
        offset, end_s = start / SAMPLE_RATE, end / SAMPLE_RATE
        if not segments:
            return Segment(offset, end_s, "", self.speaker)
        text = Transcript(tuple(segments), 0.0).text
        return Segment(
            offset + segments[0].start,
            offset + segments[-1].end,
            text,
            self.speaker,
            min(s.avg_logprob for s in segments),
            max(s.no_speech_prob for s in segments),
        )


def _characters(text: str) -> int:
    return len(normalise_for_scoring(text))


def _keeps_speech(lines: tuple[_Line, ...], segments: list[Segment], offset_s: float) -> bool:
    """Whether a revision (segments timed from ``offset_s`` in the stream) says all the lines did: Whisper, decoding
    two utterances in one window, can drop the second (the file path splits its windows at long pauses for that
    reason). Every line's speech must overlap a revised segment, and the revision must keep
    ``REVISION_MIN_CHARACTERS`` of the lines' characters."""
    covered = all(
        any(offset_s + s.start < line.spoken[1] and offset_s + s.end > line.spoken[0] for s in segments)
        for line in lines
    )
    characters = sum(_characters(s.text) for s in segments)
    return covered and characters >= REVISION_MIN_CHARACTERS * sum(line.characters for line in lines)
