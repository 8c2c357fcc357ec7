"""``govassist bench asr``: CER, real-time factor and live final-segment delay of speech recognition.

For every clip of ``refs.tsv`` (``name<TAB>reference``; the audio is ``name.*`` in the audio
folder): the file path (decode + recognise) gives the CER and the RTF; the live path feeds the same
audio as 100 ms PCM16 chunks, followed by 2 s of silence, to ``StreamingTranscriber`` and gives the
live CER and the delay. CER is scored after Simplified conversion and removal of punctuation and
spaces (``speech.text.character_error_rate``); the overall CER is total edits over total reference
characters. ``--telephone`` first turns every clip into 8 kHz telephone-band audio
(``speech.telephone``): the file path decodes that 8 kHz file, the live path gets 8 kHz PCM.

Delay: chunks are taken to arrive in real time and to be processed one after another on this
machine, so a slow recognition delays everything after it (on a loaded machine delays are
pessimistic; ``live_cpu_per_audio_s``, CPU seconds of the whole process per second of audio, is
not). A clip's speech is its first to last Silero speech frame, scored on the clip alone (at
16 kHz, before any telephone band or noise bed). The delay of a clip is when the line holding its
last words was final, minus when its speech ends: that line is the last final emitted after the
clip's speech began and before the next clip's began (or, when the live path joined the two, the
first final after its speech ended). An energy end (the last frame within 35 dB of the loudest)
used to be the speech end: on a clip with a noise floor or a quiet tail it lay after the line's
final, which then counted the next clip's final as the delay. The live transcript is the lines as
the agent reads them once the audio is done: finals with the streaming revisions applied
(``first_pass_vs_batch_CER`` scores the finals alone); a revision's delay is when it was ready minus
the end of the speech it recognised (it waits for the pause that ends the stretch). Long-audio RTF
comes from ``--long`` files (no reference needed). ``--consistency`` adds the reference-free check
of ``asr_consistency``: every audio file under a folder, and recordings joined from them;
``--floor`` adds the file path against itself (``asr_consistency.shifted_batch``), the CER below
which live-vs-batch cannot be read as lost speech. ``--pairs P`` joins every ordered pair of
referenced clips (their speech) with a pause of P seconds and scores the file path against the two
references, counting the pairs whose transcript lost speech: under ``file_split_silence_s`` both
utterances share one Whisper window.
"""

from __future__ import annotations

import itertools
import math
import tempfile
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from assistant.config import Settings
from assistant.speech.audio import decode_audio
from assistant.speech.endpointing import FRAME_SAMPLES, SileroVoiceActivity
from assistant.speech.streaming import StreamingOptions, StreamingTranscriber
from assistant.speech.telephone import TELEPHONE_RATE, telephone_band, to_pcm16, wav_bytes
from assistant.speech.text import character_error_rate, edit_distance, normalise_for_scoring
from assistant.speech.types import SAMPLE_RATE
from assistant.speech.whisper import DecodeCounts, FasterWhisperRecognizer
from eval_sets.asr_consistency import (
    AUDIO_SUFFIXES,
    audio_files,
    live_vs_batch,
    make_recordings,
    shifted_batch,
)

CHUNK_S = 0.1
TRAILING_SILENCE_S = 2.0


@dataclass
class Clip:
    name: str
    path: Path
    reference: str


@dataclass
class LiveResult:
    text: str  # the lines as the agent reads them at the end: finals, revisions applied
    finals: list[tuple[float, float]]  # (when ready, stream position when emitted), in seconds
    cpu_s: float
    longest_line_s: float  # the longest final's speech, first to last recognised word
    counts: DecodeCounts = field(default_factory=DecodeCounts)  # the decodes the stream took
    first_pass: str = ""  # the finals alone, before any revision
    # Each revision's ready time less the end of its speech.
    revision_delays: list[float] = field(default_factory=list)

    def delay_of(self, speech: tuple[float, float], next_start: float = math.inf) -> float | None:
        """When the line holding the last words of ``speech`` (start, end) was final, minus its end."""
        start, end = speech
        before_next = [at for at, position in self.finals if start < position <= next_start]
        after_end = [at for at, position in self.finals if position >= end]
        ready = before_next[-1:] or after_end[:1]
        return max(ready[0] - end, 0.0) if ready else None


@dataclass
class Measured:
    """One audio recognised both ways."""

    name: str
    seconds: float
    batch_text: str
    batch_wall_s: float
    batch_cpu_s: float
    live: LiveResult
    delays: list[float]
    shifted: tuple[int, int] | None = None  # (edits, characters) of the file path against itself, if asked


def load_clips(audio_dir: Path, refs: Path) -> list[Clip]:
    clips = []
    for line in refs.read_text(encoding="utf-8").splitlines():
        if not line.strip() or "\t" not in line:
            continue
        name, reference = line.split("\t", 1)
        matches = [
            audio_dir / f"{name}{suffix}"
            for suffix in AUDIO_SUFFIXES
            if (audio_dir / f"{name}{suffix}").is_file()
        ]
        if matches:
            clips.append(Clip(name, matches[0], reference.strip()))
    return clips


@dataclass(frozen=True)
class Prepared:
    """A clip ready to measure: the file to recognise, its mono samples, their rate, its speech span (s)."""

    path: Path
    samples: np.ndarray
    rate: int
    speech: tuple[float, float]


def _prepare(path: Path, telephone: bool, workdir: Path) -> Prepared:
    """The clip as a file and samples (8 kHz telephone band when asked) and its speech span."""
    samples = decode_audio(path, max_seconds=3600, max_bytes=1 << 31).channels[0]
    speech = speech_span_s(samples)
    if not telephone:
        return Prepared(path, samples, SAMPLE_RATE, speech)
    narrow = telephone_band(samples)
    target = workdir / f"{path.stem}.8k.wav"
    target.write_bytes(wav_bytes([narrow], TELEPHONE_RATE))
    return Prepared(target, narrow, TELEPHONE_RATE, speech)


def speech_span_s(samples: np.ndarray) -> tuple[float, float]:
    """From the first to the end of the last Silero speech frame of 16 kHz samples (the whole clip if none)."""
    frames = len(samples) // FRAME_SAMPLES
    probabilities = SileroVoiceActivity().speech_probabilities(
        samples[: frames * FRAME_SAMPLES].reshape(frames, FRAME_SAMPLES)
    )
    speech = np.flatnonzero(probabilities >= StreamingOptions().speech_threshold)
    if not speech.size:
        return 0.0, len(samples) / SAMPLE_RATE
    return speech[0] * FRAME_SAMPLES / SAMPLE_RATE, (speech[-1] + 1) * FRAME_SAMPLES / SAMPLE_RATE


def run_live(
    recognizer: FasterWhisperRecognizer, samples: np.ndarray, rate: int, options: StreamingOptions
) -> LiveResult:
    """Stream the audio in real-time chunks, then 2 s of silence; the lines' text and when each was ready."""
    stream = StreamingTranscriber(recognizer, rate, options)
    pcm = to_pcm16(np.concatenate([samples, np.zeros(int(TRAILING_SILENCE_S * rate), np.float32)])).tobytes()
    step = int(CHUNK_S * rate) * 2
    busy_until, texts, finals, longest = 0.0, [], [], 0.0
    lines: dict[int, str] = {}  # utterance to its text as shown, revisions applied
    revision_delays: list[float] = []
    cpu_began, counts_before = time.process_time(), replace(recognizer.counts)
    for start in range(0, len(pcm), step):
        arrival = min(start + step, len(pcm)) / 2 / rate
        began = time.perf_counter()
        events = stream.push(pcm[start : start + step])
        if start + step >= len(pcm):
            events += stream.flush()
        busy_until = max(arrival, busy_until) + time.perf_counter() - began
        for event in events:
            if event.kind == "final" and event.segment.text:
                texts.append(event.segment.text)
                lines[event.utterance] = event.segment.text
                finals.append((busy_until, arrival))
                longest = max(longest, event.segment.end - event.segment.start)
            elif event.kind == "revision" and event.through is not None:
                for utterance in range(event.utterance, event.through + 1):
                    lines.pop(utterance, None)
                lines[event.utterance] = event.segment.text
                revision_delays.append(max(busy_until - event.segment.end, 0.0))
    return LiveResult(
        "".join(lines[utterance] for utterance in sorted(lines)),
        finals,
        time.process_time() - cpu_began,
        longest,
        recognizer.counts - counts_before,
        "".join(texts),
        revision_delays,
    )


def measure(
    recognizer: FasterWhisperRecognizer,
    name: str,
    source: Path | bytes,
    samples: np.ndarray,
    rate: int,
    speeches: list[tuple[float, float]],
    options: StreamingOptions,
) -> Measured:
    """Recognise the file (path or bytes) and stream its samples; one delay per stretch of speech."""
    began, cpu_began = time.perf_counter(), time.process_time()
    batch_text = recognizer.transcribe(source).text
    wall, cpu = time.perf_counter() - began, time.process_time() - cpu_began
    live = run_live(recognizer, samples, rate, options)
    next_starts = [start for start, _ in speeches[1:]] + [math.inf]
    delays = [
        delay
        for speech, next_start in zip(speeches, next_starts, strict=True)
        if (delay := live.delay_of(speech, next_start)) is not None
    ]
    return Measured(name, len(samples) / rate, batch_text, wall, cpu, live, delays)


def _clip_row(measured: Measured, reference_text: str) -> dict[str, Any]:
    reference = normalise_for_scoring(reference_text)
    return {
        "clip": measured.name,
        "seconds": round(measured.seconds, 2),
        "ref_chars": len(reference),
        "reference": reference_text,
        "hypothesis": measured.batch_text,
        "CER": round(character_error_rate(reference_text, measured.batch_text), 4),
        "RTF": round(measured.batch_wall_s / measured.seconds, 3),
        "live_hypothesis": measured.live.text,
        "live_CER": round(character_error_rate(reference_text, measured.live.text), 4),
        "live_delay_s": round(measured.delays[-1], 2) if measured.delays else None,
        "_edits": edit_distance(reference, normalise_for_scoring(measured.batch_text)),
        "_live_edits": edit_distance(reference, normalise_for_scoring(measured.live.text)),
        "_compute_s": measured.batch_wall_s,
    }


def _consistency_row(measured: Measured, reference_text: str | None) -> dict[str, Any]:
    """Live against batch; and both against the reference when every clip in the audio has one."""
    edits, chars = live_vs_batch(measured.batch_text, measured.live.text)
    first_pass_edits, _ = live_vs_batch(measured.batch_text, measured.live.first_pass)
    revision_delays = measured.live.revision_delays
    shift_edits, shift_chars = measured.shifted or (0, 0)
    reference = normalise_for_scoring(reference_text) if reference_text is not None else ""
    batch_edits = edit_distance(reference, normalise_for_scoring(measured.batch_text))
    live_edits = edit_distance(reference, normalise_for_scoring(measured.live.text))
    return {
        "audio": measured.name,
        "seconds": round(measured.seconds, 1),
        "batch_chars": chars,
        "live_vs_batch_CER": round(edits / chars, 4) if chars else None,
        "first_pass_vs_batch_CER": round(first_pass_edits / chars, 4) if chars else None,
        "batch_vs_shifted_CER": round(shift_edits / shift_chars, 4) if shift_chars else None,
        "lines": len(measured.delays),
        "longest_line_s": round(measured.live.longest_line_s, 1),
        "delay_mean_s": round(float(np.mean(measured.delays)), 2) if measured.delays else None,
        "delay_max_s": round(float(np.max(measured.delays)), 2) if measured.delays else None,
        "revisions": len(revision_delays),
        "revision_delay_mean_s": round(float(np.mean(revision_delays)), 2) if revision_delays else None,
        "revision_delay_max_s": round(float(np.max(revision_delays)), 2) if revision_delays else None,
        "live_cpu_per_audio_s": round(measured.live.cpu_s / measured.seconds, 3),
        "batch_cpu_per_audio_s": round(measured.batch_cpu_s / measured.seconds, 3),
        **_cost_per_line(measured.live.cpu_s, measured.live.counts, len(measured.live.finals)),
        "batch_ref_CER": round(batch_edits / len(reference), 4) if reference else None,
        "live_ref_CER": round(live_edits / len(reference), 4) if reference else None,
        "batch": measured.batch_text,
        "live": measured.live.text,
        "_edits": edits,
        "_first_pass_edits": first_pass_edits,
        "_revision_delays": revision_delays,
        "_shift_edits": shift_edits,
        "_shift_chars": shift_chars,
        "_ref_chars": len(reference),
        "_batch_ref_edits": batch_edits if reference else 0,
        "_live_ref_edits": live_edits if reference else 0,
        "_delays": measured.delays,
        "_live_cpu_s": measured.live.cpu_s,
        "_counts": measured.live.counts,
        "_finals": len(measured.live.finals),
        "_batch_cpu_s": measured.batch_cpu_s,
    }


def _cost_per_line(cpu_s: float, counts: DecodeCounts, finals: int) -> dict[str, Any]:
    """What the live path spent per final line: CPU seconds, decodes (encoder passes), and in all how many
    decodes were redone because they hallucinated or fell back through the temperatures."""
    return {
        "live_cpu_per_line_s": round(cpu_s / finals, 2) if finals else None,
        "live_decodes_per_line": round(counts.encoder_passes / finals, 2) if finals else None,
        "live_redecodes": counts.redecodes,
        "live_fallbacks": counts.fallbacks,
    }


def _long_rtf(
    recognizer: FasterWhisperRecognizer, paths: list[Path], telephone: bool, workdir: Path
) -> dict[str, Any]:
    audio_s = compute_s = 0.0
    for source in paths:
        clip = _prepare(source, telephone, workdir)
        began = time.perf_counter()
        recognizer.transcribe(clip.path)
        compute_s += time.perf_counter() - began
        audio_s += len(clip.samples) / clip.rate
    return {
        "long_files": len(paths),
        "long_seconds": round(audio_s, 1),
        "long_RTF": round(compute_s / audio_s, 3) if audio_s else None,
    }


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


def consistency_summary(rows: list[dict[str, Any]], group: str) -> dict[str, Any]:
    chars = sum(row["batch_chars"] for row in rows)
    audio_s = sum(row["seconds"] for row in rows) or 1.0
    delays = [delay for row in rows for delay in row["_delays"]]
    revision_delays = [delay for row in rows for delay in row["_revision_delays"]]
    ref_chars = sum(row["_ref_chars"] for row in rows)
    shift_chars = sum(row["_shift_chars"] for row in rows)
    return {
        "audio": group,
        "seconds": round(audio_s, 1),
        "batch_chars": chars,
        "live_vs_batch_CER": round(sum(row["_edits"] for row in rows) / chars, 4) if chars else None,
        "first_pass_vs_batch_CER": round(sum(row["_first_pass_edits"] for row in rows) / chars, 4)
        if chars
        else None,
        "batch_vs_shifted_CER": round(sum(row["_shift_edits"] for row in rows) / shift_chars, 4)
        if shift_chars
        else None,
        "lines": len(delays),
        "longest_line_s": max((row["longest_line_s"] for row in rows), default=0.0),
        "delay_mean_s": round(float(np.mean(delays)), 2) if delays else None,
        "delay_max_s": round(float(np.max(delays)), 2) if delays else None,
        "revisions": len(revision_delays),
        "revision_delay_mean_s": round(float(np.mean(revision_delays)), 2) if revision_delays else None,
        "revision_delay_max_s": round(float(np.max(revision_delays)), 2) if revision_delays else None,
        "live_cpu_per_audio_s": round(sum(row["_live_cpu_s"] for row in rows) / audio_s, 3),
        "batch_cpu_per_audio_s": round(sum(row["_batch_cpu_s"] for row in rows) / audio_s, 3),
        **_cost_per_line(
            sum(row["_live_cpu_s"] for row in rows),
            sum((row["_counts"] for row in rows), DecodeCounts()),
            sum(row["_finals"] for row in rows),
        ),
        "batch_ref_CER": round(sum(row["_batch_ref_edits"] for row in rows) / ref_chars, 4)
        if ref_chars
        else None,
        "live_ref_CER": round(sum(row["_live_ref_edits"] for row in rows) / ref_chars, 4)
        if ref_chars
        else None,
    }


def _consistency(
    recognizer: FasterWhisperRecognizer,
    folder: Path,
    measured: dict[Path, Measured],
    references: dict[Path, str],
    telephone: bool,
    workdir: Path,
    options: StreamingOptions,
    recordings: int,
    recording_s: float,
    floor: bool,
) -> dict[str, Any]:
    """Live against batch on every file under ``folder`` (reusing clips already measured) and on joined recordings.

    Files of ``references`` (resolved path to reference text), and recordings joined only from them,
    are also scored against the references: on joined audio the file transcript can be the worse one.
    With ``floor`` each is also decoded as a file again, delayed (``shifted_batch``)."""
    rate = TELEPHONE_RATE if telephone else SAMPLE_RATE

    def floored(result: Measured, samples: np.ndarray) -> Measured:
        if not floor or result.shifted is not None:
            return result
        return replace(result, shifted=shifted_batch(recognizer, samples, rate, result.batch_text))

    clips, speeches, known, rows = [], [], [], []
    for source in audio_files(folder):
        clip = _prepare(source, telephone, workdir)
        key = source.resolve()
        if key not in measured:
            measured[key] = measure(
                recognizer, source.stem, clip.path, clip.samples, clip.rate, [clip.speech], options
            )
        measured[key] = floored(measured[key], clip.samples)
        known.append(references.get(key))
        rows.append(_consistency_row(measured[key], known[-1]))
        clips.append(clip.samples)
        speeches.append(clip.speech)
    joined = [
        _consistency_row(
            floored(
                measure(
                    recognizer,
                    recording.name,
                    wav_bytes([recording.samples], rate),
                    recording.samples,
                    rate,
                    list(recording.speeches),
                    options,
                ),
                recording.samples,
            ),
            joined_reference([known[index] for index in recording.clips]),
        )
        for recording in make_recordings(clips, speeches, rate, count=recordings, seconds=recording_s)
    ]
    summaries = [
        consistency_summary(rows, "files"),
        consistency_summary(joined, "recordings"),
        consistency_summary(rows + joined, "all"),
    ]
    return {"rows": [_public(row) for row in rows + joined], "summary": summaries}


PAIR_EDGE_S = 0.5  # silence before and after a pair
LOST_SHARE = 0.8  # a pair's transcript shorter than this share of its clips' own transcripts lost speech


def _pairs(
    recognizer: FasterWhisperRecognizer,
    clips: list[Clip],
    prepared: dict[Path, Prepared],
    measured: dict[Path, Measured],
    pauses: tuple[float, ...],
) -> list[dict[str, Any]]:
    """The file path on every ordered pair of referenced clips (their speech only) joined by each pause: CER against
    the two references, and how many pairs lost speech (a transcript shorter than ``LOST_SHARE`` of the two clips'
    own). A pause under ``file_split_silence_s`` puts both utterances in one Whisper window."""
    rows = []
    for pause in pauses:
        edits = chars = 0
        lost: list[str] = []
        for first, second in itertools.permutations(clips, 2):
            a, b = prepared[first.path.resolve()], prepared[second.path.resolve()]
            rate = a.rate
            edge, gap = np.zeros(int(PAIR_EDGE_S * rate), np.float32), np.zeros(int(pause * rate), np.float32)
            audio = np.concatenate([edge, _speech_of(a), gap, _speech_of(b), edge])
            text = recognizer.transcribe(wav_bytes([audio], rate)).text
            reference = normalise_for_scoring(first.reference + second.reference)
            edits += edit_distance(reference, normalise_for_scoring(text))
            chars += len(reference)
            alone = sum(
                len(normalise_for_scoring(measured[clip.path.resolve()].batch_text))
                for clip in (first, second)
            )
            if len(normalise_for_scoring(text)) < LOST_SHARE * alone:
                lost.append(f"{first.name}+{second.name}")
        rows.append(
            {
                "pause_s": pause,
                "pairs": len(clips) * (len(clips) - 1),
                "ref_chars": chars,
                "CER": round(edits / chars, 4) if chars else None,
                "lost_speech": len(lost),
                "lost": lost,
            }
        )
    return rows


def _speech_of(clip: Prepared) -> np.ndarray:
    start, end = clip.speech
    return clip.samples[int(start * clip.rate) : int(end * clip.rate)]


def joined_reference(references: list[str | None]) -> str | None:
    texts = [reference for reference in references if reference is not None]
    return "".join(texts) if len(texts) == len(references) else None


def _public(row: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in row.items() if not key.startswith("_")}


def run(
    audio_dir: Path,
    refs: Path,
    *,
    telephone: bool = False,
    long_files: list[Path] | None = None,
    consistency: Path | None = None,
    recordings: int = 2,
    recording_s: float = 45.0,
    floor: bool = False,
    pairs: tuple[float, ...] = (),
    settings: Settings | None = None,
) -> dict[str, Any]:
    """Every figure of the bench as one JSON-ready dict: ``rows`` (per clip), ``summary`` and ``consistency``."""
    settings = settings or Settings()
    recognizer = FasterWhisperRecognizer(settings.asr, settings.model_cache())
    clips = load_clips(audio_dir, refs)
    began = time.perf_counter()
    _warm_up(recognizer, clips)
    load_s = time.perf_counter() - began
    options = StreamingOptions.from_settings(settings.asr)
    condition = "8 kHz telephone band" if telephone else "16 kHz"
    measured: dict[Path, Measured] = {}
    prepared: dict[Path, Prepared] = {}
    rows = []
    with tempfile.TemporaryDirectory(prefix="govassist-asr-") as workdir:
        for clip in clips:
            ready = prepared[clip.path.resolve()] = _prepare(clip.path, telephone, Path(workdir))
            measured[clip.path.resolve()] = measure(
                recognizer, clip.name, ready.path, ready.samples, ready.rate, [ready.speech], options
            )
            rows.append(_clip_row(measured[clip.path.resolve()], clip.reference))
        summary = _summary(rows, condition) | _long_rtf(
            recognizer, long_files or [], telephone, Path(workdir)
        )
        checked = (
            _consistency(
                recognizer,
                consistency,
                measured,
                {clip.path.resolve(): clip.reference for clip in clips},
                telephone,
                Path(workdir),
                options,
                recordings,
                recording_s,
                floor,
            )
            if consistency
            else None
        )
    asr = settings.asr
    return {
        "model": asr.model_dir or "packaged whisper-base (CTranslate2)",
        "settings": {
            "device": asr.device,
            "compute_type": asr.compute_type,
            "cpu_threads": asr.cpu_threads,
            "beam_size": asr.beam_size,
            "endpoint_silence_s": options.endpoint_silence_s,
        },
        "load_s": round(load_s, 2),
        "summary": summary,
        "rows": [_public(row) for row in rows],
        "consistency": checked,
        "pairs": _pairs(recognizer, clips, prepared, measured, pairs),
    }


def _warm_up(recognizer: FasterWhisperRecognizer, clips: list[Clip]) -> None:
    """Load the model and run its encoder once, outside the timings (on silence the VAD skips the encoder)."""
    samples = _prepare(clips[0].path, False, Path()).samples if clips else np.zeros(SAMPLE_RATE, np.float32)
    recognizer.transcribe_samples(samples)
