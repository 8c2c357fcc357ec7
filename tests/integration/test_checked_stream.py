"""What a citizen sees while the real local model answers on the demo knowledge base: only checked
sentences stream, they begin the final answer, and a question about a list gets every item."""

from __future__ import annotations

import importlib.util
import json
import re

import pytest
from fastapi.testclient import TestClient

from assistant.answering import checking, completeness, grounding
from assistant.api.app import create_app
from assistant.config import Settings
from ingest.pipeline import ingest_paths
from tests.conftest import DEMO_KB

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(
        importlib.util.find_spec("llama_cpp") is None, reason="llama-cpp-python is not installed"
    ),
]
GUIDE = DEMO_KB / "guides" / "新生儿出生登记落户办事指南.md"


def _section_items(path, heading: str) -> list[str]:
    """The list items of one section of a Markdown guide, as written there."""
    section = path.read_text(encoding="utf-8").split(f"## {heading}", 1)[1].split("\n## ", 1)[0]
    return [line.strip() for line in section.splitlines() if grounding.LIST_ITEM.match(line)]


def _events(body: str) -> list[tuple[str, dict]]:
    events = []
    for block in filter(str.strip, body.split("\n\n")):
        name = re.search(r"^event: (\w+)", block, re.MULTILINE)
        data = re.search(r"^data: (.*)$", block, re.MULTILINE)
        assert name and data
        events.append((name.group(1), json.loads(data.group(1))))
    return events


def _cited_sentences(text: str) -> list[tuple[str, list[int]]]:
    """Each sentence with the passages it cites: its own marks, or those closing its block (items
    quoted from a list carry one mark after the last)."""
    found, pending = [], []
    for sentence in grounding.split_sentences(text):
        pending.append(sentence)
        if numbers := grounding.cited_numbers(sentence):
            found += [(line, numbers) for line in pending]
            pending = []
    return found + [(line, []) for line in pending]


def test_the_stream_shows_only_checked_sentences_and_the_whole_material_list(tmp_path):
    # Not the official FAQ first: the model is to write the answer.
    settings = Settings(
        _env_file=None, data_dir=tmp_path / "data", llm={"backend": "local"}, answer={"faq_first": False}
    )
    app = create_app(settings)
    ingest_paths([DEMO_KB], app.state.services.knowledge_base, settings.ingest)
    with (
        TestClient(app) as client,
        client.stream(
            "POST", "/v1/chat", json={"question": "新生儿落户要准备哪些材料？", "stream": True}
        ) as response,
    ):
        events = _events("".join(response.iter_text()))
    (last, final), deltas = events[-1], [data["text"] for name, data in events[:-1] if name == "delta"]
    assert last == "final" and final["status"] == "answered" and final["citations"]
    assert final["mode"] in {"generated", "extractive"}  # extractive: no sentence of the model passed
    streamed = "".join(deltas)
    assert final["answer"].startswith(streamed)  # nothing shown was taken back
    quotes = {c["number"]: c["quote"] for c in final["citations"]}
    for sentence, numbers in _cited_sentences(streamed):
        assert not checking.is_denial(sentence)
        if not sentence.endswith("："):  # a line announcing the lines under it states nothing
            assert numbers and grounding.support(sentence, [quotes[n] for n in numbers]) >= 0.5, sentence
    items = _section_items(GUIDE, "三、申请材料")
    assert len(items) == 6
    assert [item for item in items if not completeness.carried(item, final["answer"])] == []
