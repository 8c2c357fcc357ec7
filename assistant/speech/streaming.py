"""Live transcription: PCM16 chunks in, partial and final segments out, with low delay.

``StreamingTranscriber`` is transport-free so that a WebSocket handler, a test or the bench can
drive it the same way: ``push(chunk)`` returns the events that chunk caused, ``flush()`` closes the
stream. Energy endpointing (``endpointing``) opens an utterance when speech starts (with a
little audio before it), re-transcribes the open utterance for partials, and finalises it after a
pause (``endpoint_silence_s``) or when it reaches ``max_window_s`` (cut at its quietest recent
frame). Whisper's cost is mostly its fixed 30 s encoder pass, so the delay is kept low by
speculating: halfway into a pause the utterance is recognised at full quality (sent as a partial),
and when the pause lasts and no speech came since, that result is the final, with no second pass.
Partials come less often when the CPU lags: at most one per twice the last one's cost.

It is synchronous and CPU-bound: an async server runs ``push`` in a worker thread. One instance
per call and channel; it does not decode files or know about sockets.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from assistant.config import AsrSettings
from assistant.errors import BadInput
from assistant.speech.audio import pcm16_to_float, resample
from assistant.speech.endpointing import (
    EndpointOptions,
    EnergyEndpointer,
    frame_level_dbfs,
    quietest_cut,
)
from assistant.speech.types import SAMPLE_RATE, Segment, SpeechToText, StreamEvent, Transcript

ACCEPTED_RATES = (8_000, 16_000)


@dataclass(frozen=True)
class StreamingOptions:
    endpoint_silence_s: float = 0.6  # a pause this long closes the utterance
    max_window_s: float = 12.0  # an utterance is cut at this length
    partial_interval_s: float = 1.0  # new audio between partials (at least twice the last partial's cost)
    frame_s: float = 0.03
    pre_roll_s: float = 0.3  # audio kept before the first speech frame
    min_speech_s: float = 0.2  # utterances with less speech are dropped without recognition
    cut_search_s: float = 2.0  # where to look for the quietest frame when cutting a long utterance
    draft_partials: bool = False  # greedy partials: cheaper only where decoding, not encoding, dominates (GPU, large models)

    @classmethod
    def from_settings(cls, settings: AsrSettings) -> StreamingOptions:
        return cls(
            endpoint_silence_s=settings.stream_endpoint_silence_s,
            max_window_s=settings.stream_max_window_s,
            partial_interval_s=settings.stream_partial_interval_s,
        )


class StreamingTranscriber:
    """One live audio stream (mono PCM16 little-endian at 8 or 16 kHz) to utterance events."""

    def __init__(
        self,
        recognizer: SpeechToText,
        sample_rate: int = SAMPLE_RATE,
        options: StreamingOptions | None = None,
        *,
        speaker: str | None = None,
        endpoint_options: EndpointOptions | None = None,
    ) -> None:
        if sample_rate not in ACCEPTED_RATES:
            raise BadInput(f"不支持的采样率 {sample_rate} Hz：实时音频须为 8000 或 16000 Hz 的 16 位单声道 PCM。")
        self.recognizer = recognizer
        self.sample_rate = sample_rate
        self.options = options or StreamingOptions()
        self.speaker = speaker
        self._endpointer = EnergyEndpointer(endpoint_options)
        self._frame = int(self.options.frame_s * sample_rate)
        self._pending = np.zeros(0, np.float32)
        self._received = 0  # samples framed so far
        self._window: list[np.ndarray] = []  # frames of the open utterance (or pre-roll while idle)
        self._levels: list[float] = []
        self._window_start = 0  # sample index of the window's first frame
        self._open = False
        self._speech_frames = 0
        self._silent_frames = 0
        self._last_speech = False
        self._since_partial = 0
        self._partial_cost_s = 0.0
        self._partial_shown = False
        self._speech_at_partial = -1  # speech frames when the last full-quality partial was made
        self._partial_segments: list[Segment] = []
        self._utterance = 0

    @property
    def stream_seconds(self) -> float:
        """Audio received and framed so far."""
        return self._received / self.sample_rate

    def push(self, chunk: bytes) -> list[StreamEvent]:
        """Add audio; returns the finals it closed and at most one new partial."""
        samples = np.concatenate([self._pending, pcm16_to_float(chunk)])
        whole = len(samples) // self._frame * self._frame
        self._pending = samples[whole:]
        events: list[StreamEvent] = []
        for start in range(0, whole, self._frame):
            events += self._take_frame(samples[start : start + self._frame])
        if self._partial_due():
            events.append(self._partial())
        return events

    def flush(self) -> list[StreamEvent]:
        """End of stream: finalise the open utterance (if any)."""
        if self._pending.size:
            self._take_frame(self._pending)
            self._pending = np.zeros(0, np.float32)
        return self._finalise(len(self._window)) if self._open else []

    def _take_frame(self, frame: np.ndarray) -> list[StreamEvent]:
        level = frame_level_dbfs(frame)
        speech = self._endpointer.is_speech(level)
        self._received += len(frame)
        self._window.append(frame)
        self._levels.append(level)
        if not self._open:
            self._trim_pre_roll()
            if speech:
                self._open, self._speech_frames, self._silent_frames, self._since_partial = True, 1, 0, 0
                self._last_speech = True
            return []
        self._count(len(frame), speech)
        if self._silent_frames * self.options.frame_s >= self.options.endpoint_silence_s:
            return self._finalise(len(self._window))
        if len(self._window) * self.options.frame_s >= self.options.max_window_s:
            return self._finalise(quietest_cut(self._levels, int(self.options.cut_search_s / self.options.frame_s)))
        return []

    def _count(self, samples: int, speech: bool) -> None:
        self._since_partial += samples
        self._speech_frames += speech
        # A pause ends only at two speech frames in a row: one noise spike does not reset it.
        if not speech:
            self._silent_frames += 1
        elif self._last_speech:
            self._silent_frames = 0
        self._last_speech = speech

    def _trim_pre_roll(self) -> None:
        keep = max(1, int(self.options.pre_roll_s / self.options.frame_s))
        if len(self._window) > keep:
            dropped = len(self._window) - keep
            self._window_start += sum(len(f) for f in self._window[:dropped])
            del self._window[:dropped], self._levels[:dropped]

    def _partial_due(self) -> bool:
        if not self._open or self._speech_frames * self.options.frame_s < self.options.min_speech_s:
            return False
        if self._pausing():
            # Speculate once per pause: if no speech follows, this recognition becomes the final at no cost.
            return self._speech_at_partial != self._speech_frames
        interval = max(self.options.partial_interval_s, 2 * self._partial_cost_s)
        return self._since_partial >= interval * self.sample_rate

    def _pausing(self) -> bool:
        return self._silent_frames * self.options.frame_s >= self.options.endpoint_silence_s / 2

    def _partial(self) -> StreamEvent:
        draft = self.options.draft_partials and not self._pausing()
        started = time.perf_counter()
        segments = self.recognizer.transcribe_samples(self._window_audio(len(self._window)), draft=draft)
        self._partial_cost_s = time.perf_counter() - started
        self._since_partial = 0
        self._partial_shown = True
        self._speech_at_partial = -1 if draft else self._speech_frames
        self._partial_segments = segments
        return StreamEvent("partial", self._utterance, self._merged(segments, len(self._window)))

    def _recognise_final(self, frames: int) -> list[Segment]:
        if self._speech_frames * self.options.frame_s < self.options.min_speech_s:
            return []
        if frames == len(self._window) and self._speech_at_partial == self._speech_frames:
            return self._partial_segments  # nothing but silence since the last full-quality partial
        return self.recognizer.transcribe_samples(self._window_audio(frames))

    def _finalise(self, frames: int) -> list[StreamEvent]:
        """Recognise the first ``frames`` frames as the utterance's final; the rest starts the next one."""
        segments = self._recognise_final(frames)
        event = StreamEvent("final", self._utterance, self._merged(segments, frames))
        shown = bool(segments) or self._partial_shown
        self._window_start += sum(len(f) for f in self._window[:frames])
        del self._window[:frames], self._levels[:frames]
        self._open = bool(self._window)  # a cut long utterance continues at once
        self._speech_frames = len(self._window)
        self._silent_frames = self._since_partial = 0
        self._partial_shown = False
        self._speech_at_partial = -1
        if not shown:
            return []
        self._utterance += 1
        return [event]

    def _window_audio(self, frames: int) -> np.ndarray:
        audio = np.concatenate(self._window[:frames]) if frames else np.zeros(0, np.float32)
        return resample(audio, self.sample_rate)

    def _merged(self, segments: list[Segment], frames: int) -> Segment:
        offset = self._window_start / self.sample_rate
        end = offset + sum(len(f) for f in self._window[:frames]) / self.sample_rate
        if not segments:
            return Segment(offset, end, "", self.speaker)
        text = Transcript(tuple(segments), 0.0).text
        return Segment(offset + segments[0].start, offset + segments[-1].end, text, self.speaker,
                       min(s.avg_logprob for s in segments), max(s.no_speech_prob for s in segments))
