"""The faster-whisper backend of ``SpeechToText``: lazy model load, two-speaker calls, guarded output.

The model (the packaged Whisper base by default, any CTranslate2 Whisper directory by setting) is
loaded on the first transcription, once per recogniser, behind a lock. Each channel of a two-channel
call is transcribed on its own and labelled 来电人 or 坐席 (``AsrSettings.caller_channel``). Output
is Simplified Chinese. Non-speech is skipped by faster-whisper's Silero VAD, each utterance decoded as
its own window (``_speech_windows``); where Whisper ended a window's decode at its first utterance,
the rest is decoded on its own (``_recognise_through``). A window whose decode ``filters`` judges
hallucinated (phantom text, a failed confidence guard) is decoded again other ways
(``_full_decodings``); what still fails the guards is removed. ``counts`` says how many decodes
(encoder passes) recognition took.

Decoding and refusing bad files is ``audio``'s job; choosing this backend is ``assistant.wiring``'s.
"""

from __future__ import annotations

import logging
import math
import threading
from dataclasses import astuple, dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from assistant.config import AsrSettings
from assistant.errors import BackendUnavailable, ConfigurationError
from assistant.speech.audio import decode_audio
from assistant.speech.endpointing import PAD_AFTER_S, PAD_BEFORE_S
from assistant.speech.filters import GuardOptions, RawSegment, guard_segments, hallucinated
from assistant.speech.model import packaged_whisper_dir
from assistant.speech.text import clean_text
from assistant.speech.types import AGENT, CALLER, SAMPLE_RATE, AudioSource, Segment, Transcript

if TYPE_CHECKING:
    from faster_whisper import WhisperModel

logger = logging.getLogger(__name__)

_MIN_SAMPLES = SAMPLE_RATE // 10  # shorter than 0.1 s: nothing to recognise


class FasterWhisperRecognizer:
    """``SpeechToText`` over faster-whisper (CTranslate2)."""

    def __init__(self, settings: AsrSettings, models_cache: Path) -> None:
        self.settings = settings
        self._models_cache = models_cache
        self._model: WhisperModel | None = None
        self._lock = threading.Lock()
        self._guard = GuardOptions(
            no_speech_threshold=settings.no_speech_threshold,
            log_prob_threshold=settings.log_prob_threshold,
            compression_ratio_threshold=settings.compression_ratio_threshold,
        )
        self.counts = DecodeCounts()

    def transcribe(self, source: AudioSource) -> Transcript:
        audio = decode_audio(
            source,
            max_seconds=self.settings.max_audio_seconds,
            max_bytes=int(self.settings.max_file_mb * 1e6),
        )
        if len(audio.channels) == 1:
            return Transcript(tuple(self.transcribe_samples(audio.channels[0])), audio.duration)
        left, right = audio.channels
        caller, agent = (left, right) if self.settings.caller_channel == "left" else (right, left)
        segments = [_with_speaker(s, CALLER) for s in self.transcribe_samples(caller)]
        segments += [_with_speaker(s, AGENT) for s in self.transcribe_samples(agent)]
        segments.sort(key=lambda segment: (segment.start, segment.end))
        return Transcript(tuple(segments), audio.duration, speakers=(CALLER, AGENT))

    def transcribe_samples(
        self, samples: np.ndarray, *, draft: bool = False, speech_only: bool = False
    ) -> list[Segment]:
        if samples.size < _MIN_SAMPLES:
            return []
        samples = np.ascontiguousarray(samples, dtype=np.float32)
        whole = [(0, samples.size)]
        windows = whole if speech_only or not self.settings.vad_filter else self._speech_windows(samples)
        segments: list[Segment] = []
        for start, end in windows:
            segments += self._recognise_through(samples, start, end, draft)
        return segments

    def _recognise_through(self, samples: np.ndarray, start: int, end: int, draft: bool) -> list[Segment]:
        """The window ``start:end`` of ``samples``, timed from the samples' start. Whisper can end a window's decode
        at its first utterance when two share it (a pause under ``file_split_silence_s``): the second, and
        everything after, is then missing. Where speech begins after a pause past the last recognised segment,
        the rest of the window is decoded as a window of its own, until none is left."""
        segments: list[Segment] = []
        while True:
            shift = start / SAMPLE_RATE
            decoded = [
                replace(s, start=s.start + shift, end=s.end + shift)
                for s in self._recognise(samples[start:end], draft)
            ]
            segments += decoded
            resume = None if draft or not decoded else _unrecognised_speech(samples, decoded[-1].end, end)
            if resume is None or resume <= start:
                return segments
            logger.debug(
                "Decode ended at %.1f s before speech at %.1f s: decoding the rest",
                decoded[-1].end,
                resume / SAMPLE_RATE,
            )
            start = resume

    def _speech_windows(self, samples: np.ndarray) -> list[tuple[int, int]]:
        """Silero's stretches of speech (faster-whisper's VAD, padded by ``PAD_BEFORE_S`` and ``PAD_AFTER_S``),
        split at pauses of ``file_split_silence_s``, as sample ranges (a pad never reaches into the window before).

        faster-whisper's ``vad_filter`` joins stretches into 30 s windows, and its VAD only ends a stretch at a
        2 s pause. Whisper drops words where two utterances share a window (the first words after the join, or,
        when it ends the first sentence with a lone timestamp, everything after it), so each utterance is decoded
        from its own samples, as the live path decodes a line closed at such a pause."""
        from faster_whisper.vad import VadOptions, get_speech_timestamps

        options = VadOptions(
            min_silence_duration_ms=round(self.settings.file_split_silence_s * 1000), speech_pad_ms=0
        )
        before, after = round(PAD_BEFORE_S * SAMPLE_RATE), round(PAD_AFTER_S * SAMPLE_RATE)
        windows: list[tuple[int, int]] = []
        for stretch in get_speech_timestamps(samples, options):
            start = max(stretch["start"] - before, windows[-1][1] if windows else 0)
            windows.append((start, min(stretch["end"] + after, samples.size)))
        return windows

    def _recognise(self, window: np.ndarray, draft: bool) -> list[Segment]:
        """One window of speech, decoded again another way while the decode hallucinated (then the first's
        guarded segments are kept: only what fails the guards on every decode is dropped). Partials (``draft``)
        are never decoded again: the pause's full-quality recognition follows them."""
        decodings = (_draft_decoding(),) if draft else _full_decodings(self.settings.beam_size)
        first: list[RawSegment] | None = None
        for attempt, decoding in enumerate(decodings):
            raw = self._decode(window, decoding, redecode=attempt > 0)
            if not hallucinated(raw, self._guard):
                break
            logger.debug("Decode %d of %.1f s of speech hallucinated", attempt + 1, window.size / SAMPLE_RATE)
            first = raw if first is None else first
        else:
            raw = first or []
        kept = guard_segments(raw, self._guard)
        logger.debug(
            "Recognised %.1f s of audio: %d segments, %d dropped",
            window.size / SAMPLE_RATE,
            len(kept),
            len(raw) - len(kept),
        )
        return [Segment(s.start, s.end, s.text, None, s.avg_logprob, s.no_speech_prob) for s in kept]

    def _decode(self, window: np.ndarray, decoding: Decoding, *, redecode: bool) -> list[RawSegment]:
        settings = self.settings
        try:
            decoded, _info = self._load().transcribe(
                window,
                language=settings.language,
                beam_size=decoding.beam_size,
                best_of=settings.best_of,
                temperature=list(decoding.temperatures),
                without_timestamps=decoding.without_timestamps,
                max_new_tokens=token_cap(window.size / SAMPLE_RATE),
                clip_timestamps="0",
                condition_on_previous_text=False,
                no_speech_threshold=settings.no_speech_threshold,
                log_prob_threshold=settings.log_prob_threshold,
                compression_ratio_threshold=settings.compression_ratio_threshold,
            )
            segments = list(decoded)
        except RuntimeError as exc:
            raise BackendUnavailable(
                f"语音识别失败（{exc}）：请检查 GOVASSIST_ASR__DEVICE 与模型目录。"
            ) from exc
        self.counts.add(window.size, redecode, fell_back=any(s.temperature for s in segments))
        return [
            RawSegment(
                s.start, s.end, clean_text(s.text), s.avg_logprob, s.no_speech_prob, s.compression_ratio
            )
            for s in segments
        ]

    def _load(self) -> WhisperModel:
        with self._lock:
            if self._model is None:
                self._model = self._open_model(self._model_dir())
            return self._model

    def _model_dir(self) -> Path:
        if not self.settings.model_dir:
            return packaged_whisper_dir(self._models_cache)
        directory = Path(self.settings.model_dir)
        if not (directory / "model.bin").is_file():
            raise ConfigurationError(
                f"语音识别模型目录 {directory} 中没有 model.bin：GOVASSIST_ASR__MODEL_DIR 须指向 CTranslate2 格式的 "
                "Whisper 模型目录，留空则使用内置 Whisper base。"
            )
        return directory

    def _open_model(self, directory: Path) -> WhisperModel:
        from faster_whisper import WhisperModel

        settings = self.settings
        try:
            model = WhisperModel(
                str(directory),
                device=settings.device,
                compute_type=settings.compute_type,
                cpu_threads=settings.cpu_threads,
                local_files_only=True,
            )
        except (RuntimeError, ValueError, OSError) as exc:
            raise BackendUnavailable(
                f"无法加载语音识别模型 {directory}（{exc}）：请检查 GOVASSIST_ASR__DEVICE（cpu / cuda / auto）"
                "与 GOVASSIST_ASR__COMPUTE_TYPE。"
            ) from exc
        logger.info("Loaded Whisper from %s on %s (%s)", directory, settings.device, settings.compute_type)
        return model


@dataclass(frozen=True)
class Decoding:
    """One way to decode a window: beam width, temperatures to fall back through, timestamp tokens or not."""

    beam_size: int
    temperatures: tuple[float, ...]
    without_timestamps: bool = False


_FALLBACK_TEMPERATURES = (0.0, 0.2, 0.4, 0.6, 0.8, 1.0)
# Speech in the shared clips decodes to at most 7.2 tokens (timestamps included) per second of window (counted
# digits), at 16 and at 8 kHz. Without a cap a greedy loop, and every sampled hypothesis of a temperature fallback,
# runs on to Whisper's 448-token limit: a 0.6 s window of 8 kHz breath took 7.3 s to decode, and the live final
# waited behind it.
_TOKENS_BASE = 16
_TOKENS_PER_S = 16
_WHISPER_MAX_TOKENS = 440  # the model's 448 less the prompt (start, language, task, timestamps)


def token_cap(seconds: float) -> int | None:
    """At most how many tokens a decode of ``seconds`` of audio may make: over twice what speech that long decodes
    to (what a loop leaves before the cap is judged by the guards as any decode is); None where that is beyond
    the model's own limit."""
    cap = _TOKENS_BASE + math.ceil(_TOKENS_PER_S * seconds)
    return cap if cap < _WHISPER_MAX_TOKENS else None


_RESUME_PAUSE_S = 0.1  # speech that begins this long after the last recognised segment, after a pause ...
_RESUME_MIN_SPEECH_S = 0.3  # ... and lasts this long was not recognised
_RESUME_SILENCE_S = 0.15  # the pause: this much non-speech before it


def _unrecognised_speech(samples: np.ndarray, recognised_to_s: float, end: int) -> int | None:
    """Where the rest of a window should be decoded from: ``PAD_BEFORE_S`` before the first stretch of speech (by
    Silero) that begins after a pause, at least ``_RESUME_PAUSE_S`` after the last recognised segment ended, and
    lasts ``_RESUME_MIN_SPEECH_S``; None if there is none before ``end``. Speech going on where that search
    begins is not counted (the segment's end time was early, not its text short)."""
    from faster_whisper.vad import VadOptions, get_speech_timestamps

    tail = round((recognised_to_s + _RESUME_PAUSE_S) * SAMPLE_RATE)
    if end - tail < _RESUME_MIN_SPEECH_S * SAMPLE_RATE:
        return None
    options = VadOptions(min_speech_duration_ms=round(_RESUME_MIN_SPEECH_S * 1000), speech_pad_ms=0)
    for stretch in get_speech_timestamps(samples[tail:end], options):
        if stretch["start"] >= _RESUME_SILENCE_S * SAMPLE_RATE:
            return max(tail + int(stretch["start"]) - round(PAD_BEFORE_S * SAMPLE_RATE), 0)
    return None


def _draft_decoding() -> Decoding:
    """Partials: greedy, no fallback (a repetitive stretch would otherwise decode six times per partial)."""
    return Decoding(1, (0.0,))


def _full_decodings(beam_size: int) -> tuple[Decoding, ...]:
    """Files and finals, then the ways to decode a window again when the first hallucinated: without timestamp
    tokens (Whisper learned its outros and credits as timed subtitles; untimed, it transcribes instead), then
    with a beam twice as wide (a search that keeps the hypotheses the first pruned)."""
    return (
        Decoding(beam_size, _FALLBACK_TEMPERATURES),
        Decoding(beam_size, _FALLBACK_TEMPERATURES, without_timestamps=True),
        Decoding(2 * beam_size, _FALLBACK_TEMPERATURES),
    )


@dataclass
class DecodeCounts:
    """What recognition cost so far. Each decode of a window of up to 30 s is one Whisper encoder pass; a
    temperature fallback re-runs only the decoder (``fallbacks`` counts decodes that needed one). Counted
    without a lock: exact for one stream at a time (the bench), approximate when streams share a recogniser."""

    decodes: int = 0
    redecodes: int = 0  # of the decodes: a window decoded again because its first decode hallucinated
    fallbacks: int = 0
    encoder_passes: int = 0

    def __add__(self, other: DecodeCounts) -> DecodeCounts:
        return DecodeCounts(*(a + b for a, b in zip(astuple(self), astuple(other), strict=True)))

    def __sub__(self, earlier: DecodeCounts) -> DecodeCounts:
        """The decodes made since ``earlier`` (a copy of these counts taken then)."""
        return DecodeCounts(*(a - b for a, b in zip(astuple(self), astuple(earlier), strict=True)))

    def add(self, samples: int, redecode: bool, *, fell_back: bool) -> None:
        self.decodes += 1
        self.redecodes += redecode
        self.fallbacks += fell_back
        self.encoder_passes += max(1, math.ceil(samples / (30 * SAMPLE_RATE)))


def _with_speaker(segment: Segment, speaker: str) -> Segment:
    return Segment(
        segment.start, segment.end, segment.text, speaker, segment.avg_logprob, segment.no_speech_prob
    )
