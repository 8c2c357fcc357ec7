"""Live transcription logic on synthetic PCM: endpointing, partials, finals, cuts, rates.

The recogniser and the voice activity detector are deterministic fakes passed through their seams
(``SpeechToText``, ``VoiceActivity``); the real Whisper and Silero run in tests/integration/test_speech.py."""

from __future__ import annotations

import numpy as np
import pytest

from assistant.errors import BadInput
from assistant.speech.endpointing import FRAME_SAMPLES, PAD_AFTER_S, frame_level_dbfs, least_speech_cut
from assistant.speech.streaming import StreamingOptions, StreamingTranscriber
from assistant.speech.types import SAMPLE_RATE, Segment, Transcript

RNG = np.random.default_rng(5)


class FakeRecognizer:
    """Says 'speech' for each stretch of loud audio it gets (split at quiet gaps of 0.3 s), or nothing when
    ``silent``; records each call."""

    def __init__(self, silent: bool = False) -> None:
        self.calls: list[tuple[int, bool]] = []
        self.silent = silent

    def transcribe(self, source):  # pragma: no cover - not used by streaming
        raise NotImplementedError

    def transcribe_samples(
        self, samples: np.ndarray, *, draft: bool = False, speech_only: bool = False
    ) -> list[Segment]:
        self.calls.append((len(samples), draft))
        loud = np.flatnonzero(np.abs(samples) > 0.02)
        if self.silent or not loud.size:
            return []
        stretches = np.split(loud, np.flatnonzero(np.diff(loud) > 0.3 * SAMPLE_RATE) + 1)
        text = "草稿" if draft else "定稿"
        return [Segment(part[0] / SAMPLE_RATE, (part[-1] + 1) / SAMPLE_RATE, text) for part in stretches]


class LevelVoiceActivity:
    """Scores a frame by its level: loud is speech, mid-level is between the thresholds, quiet is silence."""

    def __init__(self) -> None:
        self.frames = 0

    def speech_probabilities(self, frames: np.ndarray) -> np.ndarray:
        self.frames += len(frames)
        levels = np.array([frame_level_dbfs(frame) for frame in frames])
        return np.where(levels > -30, 0.9, np.where(levels > -45, 0.4, 0.05)).astype(np.float32)


def stream(recognizer=None, options=None, sample_rate=SAMPLE_RATE) -> StreamingTranscriber:
    return StreamingTranscriber(
        recognizer or FakeRecognizer(), sample_rate, options, voice_activity=LevelVoiceActivity()
    )


def noise(seconds: float, dbfs: float, rate: int = SAMPLE_RATE) -> np.ndarray:
    return (RNG.standard_normal(int(seconds * rate)) * 10 ** (dbfs / 20)).astype(np.float32)


def speech_like(seconds: float, dbfs: float = -20.0, rate: int = SAMPLE_RATE) -> np.ndarray:
    """Syllable-rate amplitude modulated tones over line noise: loud, with quieter gaps."""
    t = np.arange(int(seconds * rate)) / rate
    envelope = 0.55 + 0.45 * np.sin(2 * np.pi * 4 * t)
    tone = np.sin(2 * np.pi * 220 * t) + 0.5 * np.sin(2 * np.pi * 660 * t)
    scaled = tone * envelope * 10 ** (dbfs / 20) * 1.2
    return (scaled + noise(seconds, -50, rate)).astype(np.float32)


def pcm(samples: np.ndarray) -> bytes:
    return (np.clip(samples, -1, 1) * 32767).astype("<i2").tobytes()


def run(
    transcriber: StreamingTranscriber, audio: np.ndarray, chunk_s: float = 0.1
) -> list[tuple[float, object]]:
    """(stream seconds when emitted, event) for every event, then flush."""
    data, step = pcm(audio), int(chunk_s * transcriber.sample_rate) * 2
    out = []
    for start in range(0, len(data), step):
        out += [(transcriber.stream_seconds, event) for event in transcriber.push(data[start : start + step])]
    out += [(transcriber.stream_seconds, event) for event in transcriber.flush()]
    return out


def finals(events):
    return [event for _, event in events if event.kind == "final"]


def test_levels():
    assert frame_level_dbfs(np.zeros(480, np.float32)) == -100.0
    assert frame_level_dbfs(np.ones(480, np.float32) * 0.1) == pytest.approx(-20.0, abs=0.01)


def test_least_speech_cut_looks_only_at_recent_frames():
    probabilities = [0.0] + [0.9] * 50 + [0.2] + [0.9] * 10
    assert least_speech_cut(probabilities, search_frames=20) == 52


def test_two_utterances_give_two_finals_soon_after_each_pause():
    audio = np.concatenate(
        [noise(0.5, -50), speech_like(1.5), noise(1.3, -50), speech_like(1.2), noise(1.3, -50)]
    )
    events = run(stream(), audio)
    done = [(at, event) for at, event in events if event.kind == "final"]
    assert [event.utterance for _, event in done] == [0, 1]
    assert all(event.segment.text.startswith("定稿") for _, event in done)
    first, second = done[0][1].segment, done[1][1].segment
    assert first.start == pytest.approx(0.5, abs=0.05) and first.end == pytest.approx(2.0, abs=0.05)
    assert second.start == pytest.approx(3.3, abs=0.05) and second.end == pytest.approx(4.5, abs=0.05)
    assert done[0][0] <= 2.0 + 0.8 + 0.2  # speech ended at 2.0 s; endpoint 0.8 s; one chunk of slack


def test_partials_come_before_the_final_of_the_same_utterance():
    recognizer = FakeRecognizer()
    options = StreamingOptions(partial_interval_s=0.5, draft_partials=True)
    events = run(stream(recognizer, options), speech_like(3.0))
    kinds = [event.kind for _, event in events]
    assert kinds.count("partial") >= 3 and kinds[-1] == "final"
    assert all(event.utterance == 0 for _, event in events)
    assert [draft for _, draft in recognizer.calls] == [True] * kinds.count("partial") + [False]


def test_recognition_made_in_the_pause_becomes_the_final_without_a_second_pass():
    recognizer = FakeRecognizer()
    options = StreamingOptions(partial_interval_s=100)
    events = run(stream(recognizer, options), np.concatenate([speech_like(2.0), noise(1.5, -50)]))
    assert [event.kind for _, event in events] == ["partial", "final"]
    # Once the pause holds the pad after speech.
    assert events[0][0] == pytest.approx(2.0 + PAD_AFTER_S, abs=0.12)
    assert len(recognizer.calls) == 1 and events[1][1].segment.text.startswith("定稿")
    # It decoded what the final (and the file path) decode: the speech (from the stream's start) and the pad.
    assert recognizer.calls[0][0] == pytest.approx((2.0 + PAD_AFTER_S) * SAMPLE_RATE, abs=FRAME_SAMPLES)


def test_long_speech_is_cut_at_max_window():
    options = StreamingOptions(max_window_s=4.0, partial_interval_s=100)
    events = run(stream(options=options), speech_like(13.0))
    done = finals(events)
    assert len(done) >= 3
    assert all(event.segment.end - event.segment.start <= 4.0 + 1e-6 for event in done)
    assert done[-1].segment.end == pytest.approx(13.0, abs=0.05)


def test_a_long_line_closes_at_a_short_clear_pause():
    """Continuous speech: past shrink_after_s the pause needed shrinks, so a 0.55 s breath ends a long line."""
    options = StreamingOptions(partial_interval_s=100)
    audio = np.concatenate([speech_like(8.0), noise(0.55, -50), speech_like(2.0), noise(1.0, -50)])
    events = run(stream(options=options), audio)
    done = [(at, event) for at, event in events if event.kind == "final"]
    assert len(done) == 2
    (closed_at, first), (_, second) = done
    assert first.segment.end == pytest.approx(8.0, abs=0.05)
    assert closed_at <= 8.55 + 0.1  # within the breath (plus one chunk), not at the 12 s limit
    assert second.segment.start == pytest.approx(8.55, abs=0.05)
    assert second.segment.end == pytest.approx(10.55, abs=0.05)


def test_a_short_line_keeps_going_across_the_same_pause():
    options = StreamingOptions(partial_interval_s=100)
    audio = np.concatenate([speech_like(1.5), noise(0.45, -50), speech_like(1.5), noise(1.0, -50)])
    done = finals(run(stream(options=options), audio))
    assert len(done) == 1
    assert done[0].segment.start == pytest.approx(0.0, abs=0.05)
    assert done[0].segment.end == pytest.approx(3.45, abs=0.05)


def test_the_pause_needed_shrinks_from_the_endpoint_to_its_floor():
    """Pauses just over and just under the pause needed after lines of growing length."""
    options = StreamingOptions(partial_interval_s=100)
    for line_s, closes, stays in ((1.0, 0.85, 0.7), (7.0, 0.6, 0.45), (11.0, 0.37, 0.2)):
        for pause_s, expected in ((closes, 2), (stays, 1)):
            audio = np.concatenate(
                [speech_like(line_s), noise(pause_s, -50), speech_like(0.5), noise(1.0, -50)]
            )
            assert len(finals(run(stream(options=options), audio))) == expected, (line_s, pause_s)


def test_continuous_speech_with_breaths_loses_no_speech_and_decodes_none_twice():
    """Every line holds its own stretch of speech: a short-pause close gives the next line only the pause."""
    recognizer = FakeRecognizer()
    pieces = [noise(0.5, -50)]
    for seconds in (9.0, 10.0, 9.5, 8.0):
        pieces += [speech_like(seconds), noise(0.6, -50)]
    pieces.append(noise(1.0, -50))
    done = finals(run(stream(recognizer, StreamingOptions(partial_interval_s=100)), np.concatenate(pieces)))
    bounds = np.cumsum([0.0] + [len(piece) / SAMPLE_RATE for piece in pieces])
    speech = list(zip(bounds[1:-2:2], bounds[2:-1:2], strict=True))  # (start, end) of each stretch
    spans = [(event.segment.start, event.segment.end) for event in done]
    assert spans == [pytest.approx(stretch, abs=0.01) for stretch in speech]


def test_no_draft_partial_once_a_pause_has_begun():
    """The pause's full-quality partial (which becomes the final) is not queued behind a draft."""
    recognizer = FakeRecognizer()
    options = StreamingOptions(partial_interval_s=0.5)
    events = run(stream(recognizer, options), np.concatenate([speech_like(1.45), noise(1.5, -50)]))
    drafts = [at for at, event in events if event.kind == "partial" and event.segment.text.startswith("草稿")]
    assert drafts and all(at <= 1.45 for at in drafts)
    assert [draft for _, draft in recognizer.calls][-1] is False
    assert len(recognizer.calls) == len(drafts) + 1  # the pause's recognition is the final


def test_silence_never_reaches_the_recogniser():
    recognizer = FakeRecognizer()
    assert (
        run(
            stream(recognizer), np.concatenate([noise(2.0, -50), np.zeros(8000, np.float32), noise(1.0, -55)])
        )
        == []
    )
    assert recognizer.calls == []


def test_a_pause_in_the_band_between_the_thresholds_does_not_end_the_utterance():
    """Like the file path's VAD: a pause starts below the silence threshold, and only speech ends it."""
    hesitant = np.concatenate([speech_like(1.0), noise(1.0, -40), speech_like(1.0), noise(1.5, -50)])
    done = finals(run(stream(options=StreamingOptions(partial_interval_s=100)), hesitant))
    assert len(done) == 1 and done[0].segment.end == pytest.approx(3.0, abs=0.05)


def test_every_speech_frame_reaches_a_final():
    """Short, quiet-edged utterances between pauses: nothing scored as speech is dropped."""
    recognizer = FakeRecognizer()
    durations = (0.1, 0.25, 1.3, 0.05, 2.0)
    pieces = [noise(0.7, -50)]
    for seconds in durations:
        pieces += [speech_like(seconds), noise(0.9, -50)]
    events = run(stream(recognizer, StreamingOptions(partial_interval_s=100)), np.concatenate(pieces))
    spans = [(event.segment.start, event.segment.end) for event in finals(events)]
    starts = np.cumsum([0.0] + [len(piece) / SAMPLE_RATE for piece in pieces])[1:-1:2]
    assert len(spans) == len(durations)
    for (start, end), speech_start, seconds in zip(spans, starts, durations, strict=True):
        assert start == pytest.approx(speech_start, abs=0.01) and end == pytest.approx(
            speech_start + seconds, abs=0.01
        )


def test_utterance_without_recognised_speech_retracts_its_partial():
    recognizer = FakeRecognizer(silent=True)
    events = run(stream(recognizer, StreamingOptions(partial_interval_s=0.5)), speech_like(2.0))
    assert events and events[-1][1].kind == "final" and events[-1][1].segment.text == ""


def test_telephone_rate_is_resampled_to_16_khz():
    recognizer = FakeRecognizer()
    transcriber = stream(recognizer, StreamingOptions(partial_interval_s=100), sample_rate=8000)
    events = run(transcriber, np.concatenate([speech_like(2.0, rate=8000), noise(1.0, -50, rate=8000)]))
    assert len(finals(events)) == 1
    samples, _ = recognizer.calls[-1]
    assert 2.0 * SAMPLE_RATE <= samples <= 3.0 * SAMPLE_RATE


def test_the_detector_scores_every_frame_once_whatever_the_chunks():
    voice_activity = LevelVoiceActivity()
    transcriber = StreamingTranscriber(FakeRecognizer(), voice_activity=voice_activity)
    run(transcriber, noise(1.0, -50), chunk_s=0.013)
    assert voice_activity.frames == SAMPLE_RATE // FRAME_SAMPLES


def test_chunk_size_does_not_change_the_finals():
    audio = np.concatenate([speech_like(1.0), noise(1.0, -50), speech_like(1.0), noise(1.0, -50)])
    options = StreamingOptions(partial_interval_s=100)
    small = finals(run(stream(options=options), audio, chunk_s=0.01))
    large = finals(run(stream(options=options), audio, chunk_s=0.5))
    assert [(e.segment.start, e.segment.end) for e in small] == [
        (e.segment.start, e.segment.end) for e in large
    ]


def test_flush_finalises_speech_still_open():
    transcriber = stream(options=StreamingOptions(partial_interval_s=100))
    assert transcriber.push(pcm(speech_like(1.0))) == []
    assert [event.kind for event in transcriber.flush()] == ["final"]


def test_bad_rate_and_odd_bytes_are_refused_in_chinese():
    with pytest.raises(BadInput, match="采样率"):
        StreamingTranscriber(FakeRecognizer(), sample_rate=44100)
    with pytest.raises(BadInput, match="偶数"):
        stream().push(b"\x00\x01\x02")


def revisions(events):
    return [(at, event) for at, event in events if event.kind == "revision"]


def test_lines_closed_at_short_pauses_are_revised_together_at_the_pause_that_ends_the_stretch():
    """The file path decodes speech up to a pause of join_silence_s as one stretch; once that pause comes, the
    lines closed inside it are recognised again from the same contiguous samples, after their finals."""
    recognizer = FakeRecognizer()
    options = StreamingOptions(endpoint_silence_s=0.5, partial_interval_s=100)
    audio = np.concatenate([speech_like(1.5), noise(0.7, -50), speech_like(1.2), noise(2.0, -50)])
    events = run(stream(recognizer, options), audio)
    assert [event.kind for _, event in events if event.kind != "partial"] == ["final", "final", "revision"]
    ((at, revision),) = revisions(events)
    assert (revision.utterance, revision.through) == (0, 1)
    assert at >= 3.4 + options.join_silence_s  # the stretch ended only once the pause reached join_silence_s
    assert revision.segment.start == pytest.approx(0.0, abs=0.05)
    assert revision.segment.end == pytest.approx(3.4, abs=0.05)
    # One decode of everything both finals decoded, the pause between them included, and nothing else.
    assert recognizer.calls[-1] == (
        pytest.approx((3.4 + PAD_AFTER_S) * SAMPLE_RATE, abs=FRAME_SAMPLES),
        False,
    )
    assert revision.segment.text == "定稿，定稿。"


class FirstUtteranceRecognizer(FakeRecognizer):
    """Whisper's failure on two utterances in one window: only the first is transcribed."""

    def transcribe_samples(self, samples, *, draft=False, speech_only=False):  # type: ignore[no-untyped-def]
        return super().transcribe_samples(samples, draft=draft, speech_only=speech_only)[:1]


def test_a_revision_that_lost_a_line_is_not_sent_and_the_finals_stand():
    recognizer = FirstUtteranceRecognizer()
    options = StreamingOptions(endpoint_silence_s=0.5, partial_interval_s=100)
    audio = np.concatenate([speech_like(1.5), noise(0.7, -50), speech_like(1.2), noise(2.0, -50)])
    events = run(stream(recognizer, options), audio)
    assert [event.kind for _, event in events if event.kind != "partial"] == ["final", "final"]
    assert recognizer.calls[-1][0] == pytest.approx((3.4 + PAD_AFTER_S) * SAMPLE_RATE, abs=FRAME_SAMPLES)


def test_no_revision_for_a_line_alone_or_when_revising_is_off():
    options = StreamingOptions(endpoint_silence_s=0.5, partial_interval_s=100)
    apart = np.concatenate([speech_like(1.5), noise(1.2, -50), speech_like(1.2), noise(1.5, -50)])
    events = run(stream(options=options), apart)
    assert len(finals(events)) == 2 and not revisions(events)
    close = np.concatenate([speech_like(1.5), noise(0.7, -50), speech_like(1.2), noise(1.5, -50)])
    events = run(
        stream(options=StreamingOptions(endpoint_silence_s=0.5, partial_interval_s=100, revise=False)), close
    )
    assert len(finals(events)) == 2 and not revisions(events)


def test_a_revision_waits_for_the_speaker_to_pause():
    """The finals go out first; the revision comes in a later push with nothing else to recognise, once the
    speaker has paused for join_silence_s (so no final waits behind it)."""
    transcriber = stream(options=StreamingOptions(endpoint_silence_s=0.5, partial_interval_s=100))
    audio = np.concatenate([speech_like(1.5), noise(0.7, -50), speech_like(1.2), noise(2.0, -50)])
    data, step = pcm(audio), int(0.1 * SAMPLE_RATE) * 2
    kinds = [
        [event.kind for event in transcriber.push(data[at : at + step])] for at in range(0, len(data), step)
    ]
    assert ["revision"] in kinds
    assert all(push == ["revision"] for push in kinds if "revision" in push)


def test_flush_revises_the_lines_still_awaiting_revision():
    transcriber = stream(options=StreamingOptions(endpoint_silence_s=0.5, partial_interval_s=100))
    assert [e.kind for e in transcriber.push(pcm(np.concatenate([speech_like(1.5), noise(0.7, -50)])))] == [
        "final"
    ]
    assert transcriber.push(pcm(speech_like(1.0))) == []
    flushed = transcriber.flush()
    assert [(e.kind, e.utterance, e.through) for e in flushed] == [("final", 1, None), ("revision", 0, 1)]


def test_continuous_speech_is_revised_in_stretches_of_one_whisper_window():
    """No pause ends the stretch: lines are grouped into stretches of revision_max_s, each line once."""
    recognizer = FakeRecognizer()
    pieces = [noise(0.5, -50)]
    for seconds in (9.0, 10.0, 9.5, 8.0, 9.0, 7.0):
        pieces += [speech_like(seconds), noise(0.6, -50)]
    pieces.append(noise(1.0, -50))
    events = run(stream(recognizer, StreamingOptions(partial_interval_s=100)), np.concatenate(pieces))
    assert [event.utterance for event in finals(events)] == [0, 1, 2, 3, 4, 5]
    # 30 s after line 0 began, line 2 is open: lines 0-1 are one stretch and line 2 starts the next, which holds
    # the lines closed 30 s after it began; the last line is a stretch of its own, its final already that decode.
    # The speaker never pauses: they are revised at the end.
    revised = [(at, event.utterance, event.through) for at, event in revisions(events)]
    assert [(first, through) for _, first, through in revised] == [(0, 1), (2, 4)]
    assert all(at >= len(np.concatenate(pieces)) / SAMPLE_RATE - 1.0 for at, _, _ in revised)
    revision_decodes = [samples for samples, _ in recognizer.calls[-len(revised) :]]
    assert all(samples <= StreamingOptions().revision_max_s * SAMPLE_RATE for samples in revision_decodes)


def test_noise_that_never_counts_as_a_pause_still_bounds_a_stretch():
    """Line noise in the band between the thresholds right after speech never counts as a pause: the lines are
    still one stretch of at most revision_max_s (the audio kept for it is bounded), revised when the call ends."""
    recognizer = FakeRecognizer()
    transcriber = stream(recognizer, StreamingOptions(endpoint_silence_s=0.5, partial_interval_s=100))
    events = transcriber.push(pcm(np.concatenate([speech_like(1.5), noise(0.7, -50), speech_like(1.2)])))
    events += transcriber.push(pcm(noise(40, -40)))
    # Once the stretch reached back revision_max_s its audio was set aside for the revision; no more is kept.
    assert transcriber._kept == [] and len(transcriber._revisions) == 1
    events += transcriber.flush()
    ((revision),) = [event for event in events if event.kind == "revision"]
    assert (revision.utterance, revision.through) == (0, 1)
    assert recognizer.calls[-1][0] <= transcriber.options.revision_max_s * SAMPLE_RATE


def test_merged_final_text_reads_as_a_sentence():
    assert Transcript((Segment(0, 1, "你好"), Segment(1.1, 2, "我想问")), 2).text == "你好，我想问。"
