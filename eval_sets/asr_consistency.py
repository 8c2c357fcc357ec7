"""The reference-free half of ``govassist bench asr``: does the live transcript say what the file's does?

Agents read the live transcript during the call, so it should match the transcript of the same
recording recognised as a file. For every audio file under ``--consistency`` and for recordings
made here by joining those files with silences over a noise bed (``make_recordings``; seeded, never
written to disk), the live transcript is scored against the file transcript of the same audio:
CER with the file transcript as the reference (``live_vs_batch_CER``). No human reference is
needed, so any folder of real calls can be checked. The recordings put clip ends where the live
path must close a line, and give one final-line delay per clip end.

The file transcript is not a fixed point: Whisper's output depends on where its window starts, so
the same audio delayed by a fraction of a second can decode differently (a digit string read as
一二三 or 123, a near-homophone). ``shifted_batch`` measures that: the file path against itself
with ``FLOOR_SHIFTS_S`` of silence put before the audio. A live-vs-batch CER at that floor is the
recogniser's own window variance, not speech the live path lost.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from assistant.speech.telephone import wav_bytes
from assistant.speech.text import edit_distance, normalise_for_scoring
from assistant.speech.types import SpeechToText

AUDIO_SUFFIXES = (".wav", ".mp3", ".m4a", ".ogg", ".amr", ".flac", ".opus")
SILENCE_S = (0.8, 3.0)  # between two clips: longer than a pause that closes a line
NOISE_DBFS = (-55.0, -40.0)  # the noise bed under the whole recording
# Silence put before the audio for the file path's floor (each under the 0.4 s pad).
FLOOR_SHIFTS_S = (0.05, 0.1, 0.2)


@dataclass(frozen=True)
class Recording:
    """Clips joined with silences over noise; ``speeches`` are where each clip's speech starts and ends (s)."""

    name: str
    samples: np.ndarray
    speeches: tuple[tuple[float, float], ...]
    clips: tuple[int, ...]  # which of the clips, in order


def audio_files(folder: Path) -> list[Path]:
    return sorted(
        path for path in folder.rglob("*") if path.suffix.lower() in AUDIO_SUFFIXES and path.is_file()
    )


def _noise_bed(length: int, rng: np.random.Generator) -> np.ndarray:
    """White noise, or brown noise (a low rumble like traffic or an air conditioner), at a random level."""
    noise = rng.standard_normal(length)
    if rng.random() < 0.5:  # brown: integrated white noise, its slow drift removed
        noise = np.cumsum(noise)
        noise -= np.convolve(noise, np.ones(801) / 801, mode="same")
    level = 10 ** (rng.uniform(*NOISE_DBFS) / 20)
    scaled: np.ndarray = (noise / (np.sqrt(np.mean(noise**2)) + 1e-12) * level).astype(np.float32)
    return scaled


def make_recordings(
    clips: list[np.ndarray],
    speeches: list[tuple[float, float]],
    rate: int,
    *,
    count: int,
    seconds: float,
    seed: int = 12,
) -> list[Recording]:
    """``count`` recordings of about ``seconds`` each, from randomly chosen clips (each used at most once)."""
    rng = np.random.default_rng(seed)
    order = list(rng.permutation(len(clips)))
    recordings = []
    for number in range(count):
        pieces: list[np.ndarray] = [np.zeros(int(rng.uniform(*SILENCE_S) * rate), np.float32)]
        spans: list[tuple[float, float]] = []
        used: list[int] = []
        position = len(pieces[0])
        while order and position < seconds * rate:
            index = int(order.pop(0))
            used.append(index)
            start, end = speeches[index]
            spans.append((position / rate + start, position / rate + end))
            gap = np.zeros(int(rng.uniform(*SILENCE_S) * rate), np.float32)
            pieces += [clips[index], gap]
            position += len(clips[index]) + len(gap)
        if not spans:
            break
        audio = np.concatenate(pieces)
        mixed = np.clip(audio + _noise_bed(len(audio), rng), -1.0, 1.0)
        recordings.append(
            Recording(f"recording_{number + 1}", mixed.astype(np.float32), tuple(spans), tuple(used))
        )
    return recordings


def live_vs_batch(batch_text: str, live_text: str) -> tuple[int, int]:
    """(edits, characters) of the live transcript scored against the file transcript."""
    batch, live = normalise_for_scoring(batch_text), normalise_for_scoring(live_text)
    return edit_distance(batch, live), len(batch)


def shifted_batch(
    recognizer: SpeechToText, samples: np.ndarray, rate: int, batch_text: str
) -> tuple[int, int]:
    """(edits, characters) of the file path against itself, summed over the audio delayed by each shift."""
    edits = chars = 0
    for shift in FLOOR_SHIFTS_S:
        delayed = np.concatenate([np.zeros(round(shift * rate), np.float32), samples])
        shifted_edits, shifted_chars = live_vs_batch(
            batch_text, recognizer.transcribe(wav_bytes([delayed], rate)).text
        )
        edits, chars = edits + shifted_edits, chars + shifted_chars
    return edits, chars
