"""Audio input: decode files and uploads to 16 kHz float32 channels, refusing bad audio clearly.

Decoding goes through PyAV (FFmpeg, the decoder inside faster-whisper), so wav, mp3, m4a/aac, ogg
(opus/vorbis), amr, flac and telephone codecs (G.711 mu-law/A-law, GSM) all work; the format is
read from the content, not the file name. Every failure is a ``BadInput`` with a Chinese message.
Raw PCM16 chunks from a live call are converted by ``StreamResampler`` (``pcm16_to_float`` at 16 kHz).

This module does not recognise speech and does not decide who is speaking: it only says whether a
recording has two distinct channels (``DecodedAudio.channels``).
"""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass

import av
import numpy as np
from av.audio.resampler import AudioResampler
from scipy.signal import resample_poly

from assistant.errors import BadInput
from assistant.speech.types import SAMPLE_RATE, AudioSource

logger = logging.getLogger(__name__)

SUPPORTED_FORMATS = "wav、mp3、m4a、aac、ogg、opus、amr、flac"
# Two channels closer than this (RMS of the difference over RMS of the signal) are one mono signal.
_SAME_CHANNEL_RATIO = 0.05


@dataclass(frozen=True)
class DecodedAudio:
    """16 kHz float32 samples, one array per distinct channel (1 for mono, 2 for a two-channel call)."""

    channels: tuple[np.ndarray, ...]
    source_rate: int

    @property
    def duration(self) -> float:
        return len(self.channels[0]) / SAMPLE_RATE


def decode_audio(source: AudioSource, *, max_seconds: float, max_bytes: int) -> DecodedAudio:
    """Decode a file path or uploaded bytes; raises ``BadInput`` for empty, corrupt, wrong or too long audio."""
    size = _size_of(source)
    if size == 0:
        raise BadInput("音频文件为空：请上传包含录音内容的文件。")
    if size > max_bytes:
        raise BadInput(f"音频文件过大（{size / 1e6:.1f} MB，上限 {max_bytes / 1e6:g} MB）。")
    handle = io.BytesIO(source) if isinstance(source, bytes) else str(source)
    try:
        with av.open(handle, mode="r", metadata_errors="ignore") as container:
            samples, source_rate = _decode_first_audio_stream(container, max_seconds)
    except av.FFmpegError as exc:
        raise BadInput(f"无法解码音频（文件损坏或格式不受支持）。支持的格式：{SUPPORTED_FORMATS}。") from exc
    if samples.shape[1] == 0 or not np.isfinite(samples).all():
        raise BadInput("音频中没有可用的声音数据（时长为 0 或数据损坏）。")
    return DecodedAudio(_distinct_channels(samples), source_rate)


def _size_of(source: AudioSource) -> int:
    if isinstance(source, bytes):
        return len(source)
    try:
        return source.stat().st_size
    except FileNotFoundError as exc:
        raise BadInput(f"找不到音频文件：{source}") from exc
    except OSError as exc:
        raise BadInput(f"无法读取音频文件：{source}（{exc.strerror}）") from exc


def _decode_first_audio_stream(
    container: av.container.InputContainer, max_seconds: float
) -> tuple[np.ndarray, int]:
    if not container.streams.audio:
        raise BadInput(f"文件中没有音轨，不是音频文件。支持的格式：{SUPPORTED_FORMATS}。")
    stream = container.streams.audio[0]
    layout = "stereo" if (stream.codec_context.channels or 1) >= 2 else "mono"
    resampler = AudioResampler(format="fltp", layout=layout, rate=SAMPLE_RATE)
    limit = int(max_seconds * SAMPLE_RATE)
    blocks: list[np.ndarray] = []
    decoded = 0
    for frame in container.decode(stream):
        for out in resampler.resample(frame):
            blocks.append(out.to_ndarray())
            decoded += out.samples
        if decoded > limit:
            raise BadInput(f"音频过长：超过 {max_seconds:.0f} 秒的上限（GOVASSIST_ASR__MAX_AUDIO_SECONDS）。")
    blocks.extend(out.to_ndarray() for out in resampler.resample(None))
    channels = 2 if layout == "stereo" else 1
    samples = np.concatenate(blocks, axis=1) if blocks else np.zeros((channels, 0), np.float32)
    return samples.astype(np.float32, copy=False), int(stream.codec_context.sample_rate or SAMPLE_RATE)


def _distinct_channels(samples: np.ndarray) -> tuple[np.ndarray, ...]:
    """Two channels carrying the same signal (a mono call saved as stereo) are merged into one."""
    if samples.shape[0] == 1:
        return (np.ascontiguousarray(samples[0]),)
    left, right = samples[0], samples[1]
    level = float(np.sqrt(np.mean(np.square(left + right)) / 4)) + 1e-9
    difference = float(np.sqrt(np.mean(np.square(left - right))))
    if difference / level < _SAME_CHANNEL_RATIO:
        return (np.ascontiguousarray((left + right) / 2),)
    return (np.ascontiguousarray(left), np.ascontiguousarray(right))


def pcm16_to_float(chunk: bytes) -> np.ndarray:
    """Little-endian signed 16-bit mono PCM to float32 in [-1, 1]; an odd trailing byte is an error."""
    if len(chunk) % 2:
        raise BadInput("PCM 数据长度必须是偶数字节（16 位单声道小端序）。")
    return np.frombuffer(chunk, dtype="<i2").astype(np.float32) / 32768.0


def resample(samples: np.ndarray, source_rate: int, target_rate: int = SAMPLE_RATE) -> np.ndarray:
    """Polyphase resampling (exact for 8 kHz <-> 16 kHz)."""
    if source_rate == target_rate:
        return samples.astype(np.float32, copy=False)
    divisor = np.gcd(source_rate, target_rate)
    return np.asarray(
        resample_poly(samples, target_rate // divisor, source_rate // divisor), dtype=np.float32
    )


class StreamResampler:
    """Live PCM16 chunks to 16 kHz float32 through the resampler ``decode_audio`` uses (FFmpeg's), its state
    kept from chunk to chunk: a streamed call becomes the very samples its recording decodes to, whatever
    the chunk sizes (the output lags the input by the resampler's few-sample delay until ``flush``)."""

    def __init__(self, source_rate: int) -> None:
        self.source_rate = source_rate
        self._resampler = AudioResampler(format="fltp", layout="mono", rate=SAMPLE_RATE)

    def push(self, chunk: bytes) -> np.ndarray:
        samples = pcm16_to_float(chunk)
        if self.source_rate == SAMPLE_RATE or not samples.size:
            return samples
        frame = av.AudioFrame.from_ndarray(
            np.frombuffer(chunk, dtype="<i2")[None, :], format="s16", layout="mono"
        )
        frame.sample_rate = self.source_rate
        return self._joined(self._resampler.resample(frame))

    def flush(self) -> np.ndarray:
        """The samples still inside the resampler, at the end of the stream."""
        if self.source_rate == SAMPLE_RATE:
            return np.zeros(0, np.float32)
        return self._joined(self._resampler.resample(None))

    @staticmethod
    def _joined(frames: list[av.AudioFrame]) -> np.ndarray:
        blocks = [frame.to_ndarray()[0] for frame in frames]
        return np.concatenate(blocks).astype(np.float32, copy=False) if blocks else np.zeros(0, np.float32)
