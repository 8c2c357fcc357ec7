"""Audio input: every supported container decodes to 16 kHz; bad files get a clear Chinese error.

Files are made here with PyAV's encoders (tones, no speech): no model is needed."""

from __future__ import annotations

import io

import av
import numpy as np
import pytest

from assistant.errors import BadInput
from assistant.speech.audio import StreamResampler, decode_audio, pcm16_to_float, resample
from assistant.speech.telephone import TELEPHONE_RATE, telephone_band, wav_bytes

LIMITS = {"max_seconds": 60.0, "max_bytes": 10_000_000}


def tone(seconds: float, rate: int, frequency: float = 440.0, amplitude: float = 0.3) -> np.ndarray:
    t = np.arange(int(seconds * rate)) / rate
    return (np.sin(2 * np.pi * frequency * t) * amplitude).astype(np.float32)


def encoded(container: str, codec: str, rate: int, seconds: float = 2.0) -> bytes:
    buffer = io.BytesIO()
    with av.open(buffer, "w", format=container) as out:
        stream = out.add_stream(codec, rate=rate)
        stream.layout = "mono"
        samples = (tone(seconds, rate) * 32767).astype(np.int16)[None, :]
        frame = av.AudioFrame.from_ndarray(samples, format="s16", layout="mono")
        frame.sample_rate = rate
        for packet in [*stream.encode(frame), *stream.encode(None)]:
            out.mux(packet)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("container", "codec", "rate"),
    [
        ("mp3", "libmp3lame", 16000),
        ("ipod", "aac", 16000),  # .m4a
        ("ogg", "libopus", 16000),
        ("amr", "libopencore_amrnb", 8000),
        ("wav", "pcm_mulaw", 8000),  # G.711 telephone recording
        ("flac", "flac", 44100),
    ],
)
def test_supported_formats_decode_to_16_khz_mono(container, codec, rate):
    audio = decode_audio(encoded(container, codec, rate), **LIMITS)
    assert len(audio.channels) == 1 and audio.source_rate in {rate, 48000}  # opus always decodes at 48 kHz
    assert audio.duration == pytest.approx(2.0, abs=0.15)  # encoders pad a frame
    assert 0.1 < float(np.abs(audio.channels[0]).max()) <= 1.0


def test_file_path_and_8_khz_wav(tmp_path):
    path = tmp_path / "call.wav"
    path.write_bytes(wav_bytes([tone(1.5, 8000)], 8000))
    audio = decode_audio(path, **LIMITS)
    assert audio.source_rate == 8000 and len(audio.channels[0]) == pytest.approx(1.5 * 16000, abs=64)


def test_two_distinct_channels_stay_apart_and_a_copied_channel_is_merged():
    voice, silence = tone(1.0, 16000), np.zeros(16000, np.float32)
    assert len(decode_audio(wav_bytes([voice, silence], 16000), **LIMITS).channels) == 2
    assert len(decode_audio(wav_bytes([voice, voice], 16000), **LIMITS).channels) == 1


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "为空"),
        (b"\x00\x01garbage" * 200, "无法解码"),
        ("这不是音频，是一个文本文件。".encode() * 50, "无法解码"),
        (b"RIFF\x24\x00\x00\x00WAVEfmt ", "无法解码|没有可用"),  # truncated header
    ],
)
def test_bad_files_are_refused_in_chinese(data, message):
    with pytest.raises(BadInput, match=message):
        decode_audio(data, **LIMITS)


def test_too_long_and_too_large_are_refused():
    with pytest.raises(BadInput, match="过长"):
        decode_audio(wav_bytes([tone(3.0, 8000)], 8000), max_seconds=2.0, max_bytes=10_000_000)
    with pytest.raises(BadInput, match="过大"):
        decode_audio(wav_bytes([tone(3.0, 8000)], 8000), max_seconds=60.0, max_bytes=1000)


def test_missing_file(tmp_path):
    with pytest.raises(BadInput, match="找不到"):
        decode_audio(tmp_path / "missing.wav", **LIMITS)


def test_pcm16_conversion_and_resampling():
    assert pcm16_to_float(np.array([0, 16384, -32768], "<i2").tobytes()).tolist() == [0.0, 0.5, -1.0]
    assert len(resample(tone(1.0, 8000), 8000)) == 16000


def test_telephone_band_removes_low_and_high_frequencies():
    def level(samples: np.ndarray) -> float:
        return float(np.sqrt(np.mean(np.square(samples[800:]))))

    assert level(telephone_band(tone(1.0, 16000, 1000.0))) > 0.15
    assert level(telephone_band(tone(1.0, 16000, 100.0))) < 0.05
    assert len(telephone_band(tone(1.0, 16000))) == TELEPHONE_RATE


def test_streamed_pcm_becomes_the_samples_its_recording_decodes_to():
    """Live 8 kHz audio, chunk by chunk, gets exactly what the file path gets from the same call as a WAV."""
    narrow = (tone(1.0, 8000, 300) + tone(1.0, 8000, 1700)) / 2
    pcm = (np.clip(narrow, -1, 1) * 32767).round().astype("<i2").tobytes()
    decoded = decode_audio(wav_bytes([narrow], 8000), **LIMITS).channels[0]
    for chunk in (160, 666, 3200):
        resampler = StreamResampler(8000)
        streamed = [resampler.push(pcm[i : i + chunk]) for i in range(0, len(pcm), chunk)] + [
            resampler.flush()
        ]
        assert np.array_equal(np.concatenate(streamed), decoded)
    wide = StreamResampler(16000)
    assert np.array_equal(wide.push(pcm), pcm16_to_float(pcm)) and wide.flush().size == 0
