"""Voice activity for live audio: is each 32 ms frame speech, by the same Silero VAD the file path uses?

The file path lets faster-whisper's Silero VAD decide what is speech (``vad_filter``). The live path
used to decide with an energy threshold instead, and threw away what it judged silent: quiet
recordings (below its absolute level), speech over music or a steady noise bed (within its margin
of a floor learned from the speech itself), and soft word onsets. Deciding with the same model on
the same 512-sample frames makes live and batch agree on what speech is: Silero scores each frame
from that frame and the 64 samples before it only, so a frame scored in a stream gets the score it
gets in the whole file.

This module scores frames and picks cut points; the streaming transcriber decides what to do with
the scores. ``frame_level_dbfs`` (a frame's level) is kept for the bench's speech-end measure.
"""

from __future__ import annotations

import math
import threading
from typing import TYPE_CHECKING, Protocol

import numpy as np

if TYPE_CHECKING:
    from faster_whisper.vad import SileroVADModel

FRAME_SAMPLES = 512  # Silero's window at 16 kHz: 32 ms
# Both paths give Whisper a stretch of speech from PAD_BEFORE_S before its first speech frame to PAD_AFTER_S after
# the frame that began the pause. faster-whisper pads 0.4 s on each side; after the speech, 0.2 s decodes the same
# file transcripts on the 19 shared clips (0.1 s changed 1 character of 876, no pad 2) and lets a live line's final
# start 0.2 s sooner, since the final waits for the pad.
PAD_BEFORE_S = 0.4
PAD_AFTER_S = 0.2
_CONTEXT_SAMPLES = 64  # what Silero sees of the previous frame
_SILENCE_DBFS = -100.0


class VoiceActivity(Protocol):
    """Speech probabilities of one stream's consecutive 16 kHz frames (one instance per stream: it keeps state)."""

    def speech_probabilities(self, frames: np.ndarray) -> np.ndarray:
        """One probability in [0, 1] per row of ``frames`` (n x 512 float32), the rows following the last call's."""
        ...


class SileroVoiceActivity:
    """``VoiceActivity`` over the Silero VAD packaged in faster-whisper (ONNX), loaded once per process.

    The model is recurrent over frames: its state and the 64 samples of context are carried from one
    call to the next, so a stream scored chunk by chunk gets exactly the scores of the whole file."""

    def __init__(self) -> None:
        self._state = np.zeros((2, 1, 1, 128), np.float32)
        self._context = np.zeros(_CONTEXT_SAMPLES, np.float32)

    def speech_probabilities(self, frames: np.ndarray) -> np.ndarray:
        if not len(frames):
            return np.zeros(0, np.float32)
        frames = frames.astype(np.float32, copy=False)
        contexts = np.vstack([self._context, frames[:-1, -_CONTEXT_SAMPLES:]])
        self._context = frames[-1, -_CONTEXT_SAMPLES:].copy()
        probabilities, hidden, cell = _silero().session.run(
            None, {"input": np.hstack([contexts, frames]), "h": self._state[0], "c": self._state[1]}
        )
        self._state = np.stack([hidden, cell])
        return np.asarray(probabilities, np.float32).reshape(-1)


_MODEL_LOCK = threading.Lock()


def _silero() -> SileroVADModel:
    with (
        _MODEL_LOCK
    ):  # faster-whisper caches the model; the lock keeps two first streams from loading it twice
        from faster_whisper.vad import get_vad_model

        return get_vad_model()


def frame_level_dbfs(frame: np.ndarray) -> float:
    """RMS level of float samples in [-1, 1], in dB below full scale."""
    if frame.size == 0:
        return _SILENCE_DBFS
    rms = float(np.sqrt(np.mean(np.square(frame, dtype=np.float64))))
    return max(20.0 * math.log10(rms + 1e-10), _SILENCE_DBFS)


def least_speech_cut(probabilities: list[float], search_frames: int) -> int:
    """Index (in frames) after which to cut a window that grew too long: its least speech-like recent frame.

    A cut there rarely splits a word; the audio after it starts the next window."""
    if not probabilities:
        return 0
    first = max(len(probabilities) - search_frames, len(probabilities) // 2)
    return first + int(np.argmin(probabilities[first:])) + 1
