"""The ASR bench's bookkeeping: which final a clip's delay is charged to, and what joined recordings hold."""

from __future__ import annotations

import numpy as np
import pytest

from eval_sets.asr import LiveResult, joined_reference
from eval_sets.asr_consistency import make_recordings


def live(*finals: tuple[float, float]) -> LiveResult:
    return LiveResult("", list(finals), cpu_s=0.0, longest_line_s=0.0)


def test_the_line_closed_before_the_next_speech_is_the_clips_even_if_emitted_before_its_measured_end():
    """A final emitted in a quiet tail counted as speech must not charge the next clip's final."""
    result = live((5.0, 4.0), (12.0, 11.0))
    assert result.delay_of((1.0, 4.1), next_start=8.0) == pytest.approx(0.9)
    assert result.delay_of((8.0, 10.5), next_start=14.0) == pytest.approx(1.5)


def test_the_last_line_before_the_next_speech_holds_the_clips_last_words():
    result = live((3.0, 2.5), (7.2, 6.5), (12.0, 11.0))
    assert result.delay_of((1.0, 6.0), next_start=8.0) == pytest.approx(1.2)


def test_a_line_joined_with_the_next_clip_charges_its_whole_wait():
    result = live((14.0, 13.0))
    assert result.delay_of((1.0, 4.0), next_start=5.0) == pytest.approx(10.0)
    assert result.delay_of((5.0, 12.0)) == pytest.approx(2.0)


def test_no_final_after_the_speech_gives_no_delay():
    assert live((3.0, 2.0)).delay_of((4.0, 6.0)) is None


def test_joined_recordings_say_which_clips_they_hold_and_where_each_speaks():
    rate = 1000
    clips = [np.full(rate * (index + 1), 0.5, np.float32) for index in range(5)]
    speeches = [(0.1, index + 0.9) for index in range(5)]
    recordings = make_recordings(clips, speeches, rate, count=2, seconds=4.0)
    used = [index for recording in recordings for index in recording.clips]
    assert len(used) == len(set(used)) and all(recording.clips for recording in recordings)
    for recording in recordings:
        assert len(recording.speeches) == len(recording.clips)
        for (start, end), index in zip(recording.speeches, recording.clips, strict=True):
            assert end - start == pytest.approx(speeches[index][1] - speeches[index][0])
            assert np.all(np.abs(recording.samples[int(start * rate) : int(end * rate)] - 0.5) < 0.05)


def test_a_joined_recording_has_a_reference_only_when_every_clip_has_one():
    assert joined_reference(["你好", "我想问"]) == "你好我想问"
    assert joined_reference(["你好", None]) is None


def test_live_cost_is_counted_per_final_line():
    from assistant.speech.whisper import DecodeCounts
    from eval_sets.asr import _cost_per_line

    before, after = DecodeCounts(3, 0, 1, 3), DecodeCounts(8, 1, 2, 9)
    spent = after - before
    assert spent == DecodeCounts(5, 1, 1, 6) and spent + before == after
    cost = _cost_per_line(4.5, spent, finals=3)
    assert cost == {
        "live_cpu_per_line_s": 1.5,
        "live_decodes_per_line": 2.0,
        "live_redecodes": 1,
        "live_fallbacks": 1,
    }
    assert _cost_per_line(0.0, DecodeCounts(), finals=0)["live_decodes_per_line"] is None
