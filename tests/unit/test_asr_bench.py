"""Which final the ASR bench charges a clip's delay to (``eval_sets.asr.LiveResult.delay_of``)."""

from __future__ import annotations

import pytest

from eval_sets.asr import LiveResult


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
