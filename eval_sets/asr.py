"""``govassist bench asr``: CER, real-time factor and live final-segment delay of speech recognition.

For every clip of ``refs.tsv`` (``name<TAB>reference``; the audio is ``name.*`` in the audio
folder): the file path (decode + recognise) gives the CER and the RTF; the live path feeds the same
audio as 100 ms PCM16 chunks, followed by 2 s of silence, to ``StreamingTranscriber`` and gives the
live CER and the delay. CER is scored after Simplified conversion and removal of punctuation and
spaces (``speech.text.character_error_rate``); the overall CER is total edits over total reference
characters. ``--telephone`` first turns every clip into 8 kHz telephone-band audio
(``speech.telephone``): the file path decodes that 8 kHz file, the live path gets 8 kHz PCM.

Delay: chunks are taken to arrive in real time and to be processed one after another on this
machine, so a slow recognition delays everything after it. The delay of a clip is when its last
final segment would be ready minus when speech ends (the last 30 ms frame within 35 dB of the
clip's loudest). Long-audio RTF comes from ``--long`` files (no reference needed).
"""

from __future__ import annotations

import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from assistant.config import Settings
from assistant.speech.audio import decode_audio
from assistant.speech.endpointing import frame_level_dbfs
from assistant.speech.streaming import StreamingOptions, StreamingTranscriber
from assistant.speech.telephone import TELEPHONE_RATE, telephone_band, to_pcm16, wav_bytes
from assistant.speech.text import character_error_rate, edit_distance, normalise_for_scoring
from assistant.speech.types import SAMPLE_RATE
from assistant.speech.whisper import FasterWhisperRecognizer

CHUNK_S = 0.1
TRAILING_SILENCE_S = 2.0
_AUDIO_SUFFIXES = (".wav", ".mp3", ".m4a", ".ogg", ".amr", ".flac", ".opus")


@dataclass
class Clip:
    name: str
    path: Path
    reference: str


@dataclass
class LiveResult:
    text: str
    delay_s: float | None


def load_clips(audio_dir: Path, refs: Path) -> list[Clip]:
    clips = []
    for line in refs.read_text(encoding="utf-8").splitlines():
        if not line.strip() or "\t" not in line:
            continue
        name, reference = line.split("\t", 1)
        matches = [audio_dir / f"{name}{suffix}" for suffix in _AUDIO_SUFFIXES if (audio_dir / f"{name}{suffix}").is_file()]
        if matches:
            clips.append(Clip(name, matches[0], reference.strip()))
    return clips


def _prepare(path: Path, telephone: bool, workdir: Path) -> tuple[Path, np.ndarray, int]:
    """The file to recognise, its mono samples and their rate (8 kHz telephone band when asked)."""
    samples = decode_audio(path, max_seconds=3600, max_bytes=1 << 31).channels[0]
    if not telephone:
        return path, samples, SAMPLE_RATE
    narrow = telephone_band(samples)
    target = workdir / f"{path.stem}.8k.wav"
    target.write_bytes(wav_bytes([narrow], TELEPHONE_RATE))
    return target, narrow, TELEPHONE_RATE


def speech_end_s(samples: np.ndarray, rate: int) -> float:
    frame = int(0.03 * rate)
    levels = [frame_level_dbfs(samples[i : i + frame]) for i in range(0, len(samples), frame)]
    loud = max(levels, default=-100.0) - 35.0
    last = max((i for i, level in enumerate(levels) if level >= loud), default=0)
    return min((last + 1) * frame, len(samples)) / rate


def run_live(recognizer: FasterWhisperRecognizer, samples: np.ndarray, rate: int, options: StreamingOptions) -> LiveResult:
    """Stream the clip in real-time chunks; finals' text and the end-of-speech-to-last-final delay."""
    stream = StreamingTranscriber(recognizer, rate, options)
    pcm = to_pcm16(np.concatenate([samples, np.zeros(int(TRAILING_SILENCE_S * rate), np.float32)])).tobytes()
    step = int(CHUNK_S * rate) * 2
    busy_until, finals, last_final_at = 0.0, [], None
    for start in range(0, len(pcm), step):
        arrival = min(start + step, len(pcm)) / 2 / rate
        began = time.perf_counter()
        events = stream.push(pcm[start : start + step])
        if start + step >= len(pcm):
            events += stream.flush()
        busy_until = max(arrival, busy_until) + time.perf_counter() - began
        for event in events:
            if event.kind == "final" and event.segment.text:
                finals.append(event.segment.text)
                last_final_at = busy_until
    delay = None if last_final_at is None else last_final_at - speech_end_s(samples, rate)
    return LiveResult("".join(finals), delay)


def _clip_row(recognizer: FasterWhisperRecognizer, clip: Clip, telephone: bool, workdir: Path,
              options: StreamingOptions) -> dict[str, Any]:
    path, samples, rate = _prepare(clip.path, telephone, workdir)
    began = time.perf_counter()
    transcript = recognizer.transcribe(path)
    seconds = time.perf_counter() - began
    live = run_live(recognizer, samples, rate, options)
    reference = normalise_for_scoring(clip.reference)
    return {
        "clip": clip.name,
        "seconds": round(len(samples) / rate, 2),
        "ref_chars": len(reference),
        "reference": clip.reference,
        "hypothesis": transcript.text,
        "CER": round(character_error_rate(clip.reference, transcript.text), 4),
        "RTF": round(seconds / (len(samples) / rate), 3),
        "live_hypothesis": live.text,
        "live_CER": round(character_error_rate(clip.reference, live.text), 4),
        "live_delay_s": None if live.delay_s is None else round(live.delay_s, 2),
        "_edits": edit_distance(reference, normalise_for_scoring(transcript.text)),
        "_live_edits": edit_distance(reference, normalise_for_scoring(live.text)),
        "_compute_s": seconds,
    }


def _long_rtf(recognizer: FasterWhisperRecognizer, paths: list[Path], telephone: bool, workdir: Path) -> dict[str, Any]:
    audio_s = compute_s = 0.0
    for source in paths:
        path, samples, rate = _prepare(source, telephone, workdir)
        began = time.perf_counter()
        recognizer.transcribe(path)
        compute_s += time.perf_counter() - began
        audio_s += len(samples) / rate
    return {"long_files": len(paths), "long_seconds": round(audio_s, 1),
            "long_RTF": round(compute_s / audio_s, 3) if audio_s else None}


def _summary(rows: list[dict[str, Any]], condition: str) -> dict[str, Any]:
    chars = sum(row["ref_chars"] for row in rows) or 1
    audio_s = sum(row["seconds"] for row in rows) or 1.0
    delays = [row["live_delay_s"] for row in rows if row["live_delay_s"] is not None]
    return {
        "condition": condition,
        "clips": len(rows),
        "ref_chars": chars,
        "CER": round(sum(row["_edits"] for row in rows) / chars, 4),
        "RTF": round(sum(row["_compute_s"] for row in rows) / audio_s, 3),
        "live_CER": round(sum(row["_live_edits"] for row in rows) / chars, 4),
        "live_delay_mean_s": round(float(np.mean(delays)), 2) if delays else None,
        "live_delay_max_s": round(float(np.max(delays)), 2) if delays else None,
    }


def run(audio_dir: Path, refs: Path, *, telephone: bool = False, long_files: list[Path] | None = None,
        settings: Settings | None = None) -> dict[str, Any]:
    """Every figure of the bench as one JSON-ready dict: ``rows`` (per clip) and ``summary``."""
    settings = settings or Settings()
    recognizer = FasterWhisperRecognizer(settings.asr, settings.model_cache())
    began = time.perf_counter()
    recognizer.transcribe_samples(np.zeros(SAMPLE_RATE, np.float32))  # load the model outside the timings
    load_s = time.perf_counter() - began
    options = StreamingOptions.from_settings(settings.asr)
    condition = "8 kHz telephone band" if telephone else "16 kHz"
    with tempfile.TemporaryDirectory(prefix="govassist-asr-") as workdir:
        rows = [_clip_row(recognizer, clip, telephone, Path(workdir), options) for clip in load_clips(audio_dir, refs)]
        summary = _summary(rows, condition) | _long_rtf(recognizer, long_files or [], telephone, Path(workdir))
    asr = settings.asr
    return {
        "model": asr.model_dir or "packaged whisper-base (CTranslate2)",
        "settings": {"device": asr.device, "compute_type": asr.compute_type, "cpu_threads": asr.cpu_threads,
                     "beam_size": asr.beam_size, "endpoint_silence_s": options.endpoint_silence_s},
        "load_s": round(load_s, 2),
        "summary": summary,
        "rows": [{key: value for key, value in row.items() if not key.startswith("_")} for row in rows],
    }
