"""The call summary bench end to end on the two shortest written calls, with the real packaged
local model (where llama-cpp-python is installed) and the real call triage."""

from __future__ import annotations

import importlib.util

import pytest

from assistant.hotline.assist import PLAIN_REQUESTS
from assistant.hotline.call_summary import check_summary
from assistant.wiring import Services
from eval_sets.call_summary import load_calls, score_rows, summarise_calls

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(
        importlib.util.find_spec("llama_cpp") is None, reason="llama-cpp-python is not installed"
    ),
]


def test_both_paths_summarise_the_calls_and_the_rows_score_them(settings):
    calls = sorted(load_calls(split="dev"), key=lambda call: len(call.transcript))[:2]
    services = Services(settings)
    results = summarise_calls(services, calls)
    services.close()
    extracted = results.pop("extractive")
    [(name, scored)] = results.items()
    extractive, generated = score_rows("extractive", extracted, 0.6), score_rows(name, scored, 0.6)
    assert name.startswith("llama-cpp:") and extractive["fallback"] == 1.0
    for row in (extractive, generated):
        assert row["calls"] == 2 and row["personal_leaks"] == 0 and row["key_fact_recall"] > 0
    for written, fallback in zip(scored, extracted, strict=True):
        if written.summary.mode == "generated":  # in the form, every clause but a plain request supported
            assert written.summary.text.startswith("来电人反映") and "诉求" in written.summary.text
            _, dropped = check_summary(written.summary.text, written.call.transcript, 0.6)
            assert all(clause.rstrip("。") in PLAIN_REQUESTS.values() for clause in dropped)
        else:
            assert written.summary.text == fallback.summary.text
