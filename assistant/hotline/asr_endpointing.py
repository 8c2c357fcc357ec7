"""Energy endpointing for live audio: is this 30 ms frame speech, and where is the quietest cut point?

A frame is speech when its level is well above the noise floor (and above an absolute minimum).
The floor is a low percentile of the last few seconds of frame levels: speech always has quiet
gaps between syllables, so steady line noise or an air conditioner is learned within a second or
two, a long sentence does not become "noise", and a few dropped (digitally silent) packets do not
drag the floor down.
Pure numpy, no model: the streaming transcriber decides what to do with the verdicts, and Whisper's
own VAD and ``asr_filters`` catch what energy alone lets through.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass

import numpy as np

_SILENCE_DBFS = -100.0


@dataclass(frozen=True)
class EndpointOptions:
    speech_margin_db: float = 8.0  # above the noise floor (noisy phone lines have 10 dB SNR)
    min_speech_dbfs: float = -45.0  # never speech below this, whatever the floor
    initial_floor_dbfs: float = -60.0  # until enough frames were heard
    history_frames: int = 100  # 3 s of 30 ms frames
    floor_percentile: float = 10.0
    min_history_frames: int = 10


def frame_level_dbfs(frame: np.ndarray) -> float:
    """RMS level of float samples in [-1, 1], in dB below full scale."""
    if frame.size == 0:
        return _SILENCE_DBFS
    rms = float(np.sqrt(np.mean(np.square(frame, dtype=np.float64))))
    return max(20.0 * math.log10(rms + 1e-10), _SILENCE_DBFS)


class EnergyEndpointer:
    """Frame-by-frame speech / non-speech decisions with an adaptive noise floor."""

    def __init__(self, options: EndpointOptions | None = None) -> None:
        self.options = options or EndpointOptions()
        self._levels: deque[float] = deque(maxlen=self.options.history_frames)

    @property
    def noise_floor(self) -> float:
        if len(self._levels) < self.options.min_history_frames:
            return self.options.initial_floor_dbfs
        return float(np.percentile(self._levels, self.options.floor_percentile))

    def is_speech(self, level_dbfs: float) -> bool:
        """Judge one frame's level, then remember it for the floor."""
        options = self.options
        speech = level_dbfs > max(self.noise_floor + options.speech_margin_db, options.min_speech_dbfs)
        self._levels.append(level_dbfs)
        return speech


def quietest_cut(levels: list[float], search_frames: int) -> int:
    """Index (in frames) after which to cut a window that grew too long: the quietest of its last frames.

    A cut there rarely splits a word; the audio after it starts the next window."""
    if not levels:
        return 0
    first = max(len(levels) - search_frames, len(levels) // 2)
    tail = levels[first:]
    return first + int(np.argmin(tail)) + 1
