"""Telephone-quality audio: band-pass 300-3400 Hz, 8 kHz, 16-bit, as a call centre records a call.

Used by ``govassist bench asr --telephone`` and the tests to measure recognition on narrow-band
audio from wide-band clips, in numpy/scipy (no sox needed). It does not model codecs (G.711, AMR)
or packet loss; real 8 kHz recordings are decoded by ``audio`` like any other file.
"""

from __future__ import annotations

import io
import wave

import numpy as np
from scipy.signal import butter, sosfilt

from assistant.speech.audio import resample
from assistant.speech.types import SAMPLE_RATE

TELEPHONE_RATE = 8_000
BAND_HZ = (300.0, 3400.0)


def telephone_band(samples: np.ndarray, sample_rate: int = SAMPLE_RATE) -> np.ndarray:
    """Mono float samples to 8 kHz telephone-band float32 samples, quantised to 16 bits."""
    sos = butter(4, BAND_HZ, btype="bandpass", fs=sample_rate, output="sos")
    narrow = resample(sosfilt(sos, samples), sample_rate, TELEPHONE_RATE)
    return to_pcm16(narrow).astype(np.float32) / 32768.0


def to_pcm16(samples: np.ndarray) -> np.ndarray:
    """Float samples in [-1, 1] to little-endian int16 (clipped)."""
    return np.asarray((np.clip(samples, -1.0, 1.0) * 32767.0).round(), dtype="<i2")


def wav_bytes(channels: list[np.ndarray], sample_rate: int) -> bytes:
    """A 16-bit PCM WAV file of one or more equally long float channels."""
    interleaved = np.stack([to_pcm16(channel) for channel in channels], axis=1)
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(len(channels))
        out.setsampwidth(2)
        out.setframerate(sample_rate)
        out.writeframes(interleaved.tobytes())
    return buffer.getvalue()
