"""Popular questions answered once: an in-memory cache of final answers, per process.

Keyed on the standalone question (after masking and condensing, so personal data never becomes
a key) and on the index filter it was answered under (``FilterSpec``: the document kinds, regions
and dates the caller may see), so a caller is never served an answer retrieved under another
caller's filter. Every entry carries the knowledge-base version it was computed on
(``ManifestStore.version``: ingest, delete and reindex all replace the manifest, from whichever
process); a lookup under another version misses, so a change is seen at the next question.

It stores only what the answer says (status, text, citations, mode, hand-off); the session, the
question as asked and the timings are the caller's. Whether to use it (never for a traced
question, which the inspector wants computed) is the chain's decision.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import replace

from assistant.answering.answer import Answer
from assistant.retrieval.index import FilterSpec


def cache_key(standalone_question: str, spec: FilterSpec) -> tuple[str, str]:
    """What decides an answer besides the knowledge base: the question and the filter it is retrieved under."""
    return standalone_question, repr(spec)  # FilterSpec holds lists: its repr is its canonical form


class AnswerCache:
    """A bounded LRU of answers, valid for one knowledge-base version. ``size`` 0 turns it off."""

    def __init__(self, size: int, version: Callable[[], Hashable]) -> None:
        self._size = size
        self._version = version
        self._entries: OrderedDict[tuple[str, str], tuple[Hashable, Answer]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple[str, str]) -> Answer | None:
        if not self._size:
            return None
        version = self._version()
        with self._lock:
            entry = self._entries.get(key)
            if entry is None or entry[0] != version:
                return None
            self._entries.move_to_end(key)
        return replace(entry[1], citations=list(entry[1].citations), timings_ms={})

    def put(self, key: tuple[str, str], version: Hashable, answer: Answer) -> None:
        """Keep ``answer``, computed on knowledge-base ``version`` (read before it was computed)."""
        if not self._size:
            return
        kept = replace(answer, session_id="", question="", citations=list(answer.citations), timings_ms={})
        with self._lock:
            self._entries[key] = (version, kept)
            self._entries.move_to_end(key)
            while len(self._entries) > self._size:
                self._entries.popitem(last=False)

    def version(self) -> Hashable:
        return self._version()
