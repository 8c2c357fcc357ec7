"""The faster-whisper backend of ``SpeechToText``: lazy model load, two-speaker calls, guarded output.

The model (the packaged Whisper base by default, any CTranslate2 Whisper directory by setting) is
loaded on the first transcription, once per recogniser, behind a lock. Each channel of a two-channel
call is transcribed on its own and labelled 来电人 or 坐席 (``AsrSettings.caller_channel``). Output
is Simplified Chinese; hallucinated segments are removed by ``filters``. Non-speech is skipped by
faster-whisper's Silero VAD, each stretch of speech decoded as its own clip (``_speech_clips``).

Decoding and refusing bad files is ``audio``'s job; choosing this backend is ``assistant.wiring``'s.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from assistant.config import AsrSettings
from assistant.errors import BackendUnavailable, ConfigurationError
from assistant.speech.audio import decode_audio
from assistant.speech.filters import GuardOptions, RawSegment, guard_segments
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
        model = self._load()
        settings = self.settings
        samples = np.ascontiguousarray(samples, dtype=np.float32)
        try:
            decoded, _info = model.transcribe(
                samples,
                language=settings.language,
                beam_size=1 if draft else settings.beam_size,
                temperature=0.0 if draft else [0.0, 0.2, 0.4, 0.6, 0.8, 1.0],
                clip_timestamps=_speech_clips(samples) if settings.vad_filter and not speech_only else "0",
                condition_on_previous_text=False,
                no_speech_threshold=settings.no_speech_threshold,
                log_prob_threshold=settings.log_prob_threshold,
                compression_ratio_threshold=settings.compression_ratio_threshold,
            )
            raw = [
                RawSegment(
                    s.start, s.end, clean_text(s.text), s.avg_logprob, s.no_speech_prob, s.compression_ratio
                )
                for s in decoded
            ]
        except RuntimeError as exc:
            raise BackendUnavailable(
                f"语音识别失败（{exc}）：请检查 GOVASSIST_ASR__DEVICE 与模型目录。"
            ) from exc
        kept = guard_segments(raw, self._guard)
        logger.debug(
            "Recognised %.1f s of audio: %d segments, %d dropped",
            samples.size / SAMPLE_RATE,
            len(kept),
            len(raw) - len(kept),
        )
        return [Segment(s.start, s.end, s.text, None, s.avg_logprob, s.no_speech_prob) for s in kept]

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


def _speech_clips(samples: np.ndarray) -> list[float]:
    """Silero's speech stretches (faster-whisper's own VAD options), as start, end, ... seconds.

    faster-whisper's ``vad_filter`` joins the stretches into 30 s windows; when Whisper ends a
    window's first sentence with a lone timestamp it skips the rest of that window, and every
    stretch joined after it is lost (a second speaker's answer, the next clip of a recording).
    Decoding each stretch as its own clip keeps them: a lone timestamp skips only its own clip."""
    from faster_whisper.vad import VadOptions, get_speech_timestamps

    stretches = get_speech_timestamps(samples, VadOptions())
    if not stretches:
        return [0.0, 0.0]  # no speech: one empty clip, nothing to decode
    return [bound / SAMPLE_RATE for stretch in stretches for bound in (stretch["start"], stretch["end"])]


def _with_speaker(segment: Segment, speaker: str) -> Segment:
    return Segment(
        segment.start, segment.end, segment.text, speaker, segment.avg_logprob, segment.no_speech_prob
    )
