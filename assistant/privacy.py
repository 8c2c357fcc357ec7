"""Personal data in free text: find and mask phone, ID-card and bank-card numbers.

Used before a citizen's words reach a model, a log line or a stored transcript. Masks keep
the first and last digits so an agent can still recognise a number read back to them.
Pure functions; no I/O.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_PATTERNS = (
    ("id_card", re.compile(r"(?<![0-9])[1-9]\d{5}(?:19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[0-9Xx](?![0-9])")),
    ("bank_card", re.compile(r"(?<![0-9])(?:\d[ -]?){15,18}\d(?![0-9])")),
    ("mobile", re.compile(r"(?<![0-9])(?:\+?86[ -]?)?1[3-9]\d[ -]?\d{4}[ -]?\d{4}(?![0-9])")),
    ("landline", re.compile(r"(?<![0-9])0\d{2,3}-?\d{7,8}(?![0-9])")),
)


@dataclass(frozen=True)
class PersonalDataSpan:
    kind: str  # id_card | bank_card | mobile | landline
    start: int
    end: int
    text: str


def find_personal_data(text: str) -> list[PersonalDataSpan]:
    """Non-overlapping spans, earliest first. Privacy errs on the safe side: any 18-character
    ID-card shape and any 16–19 digit run is masked, checksum or not (citizens mistype)."""
    spans: list[PersonalDataSpan] = []
    taken: list[range] = []
    for kind, pattern in _PATTERNS:
        for match in pattern.finditer(text):
            if any(match.start() in r or match.end() - 1 in r for r in taken):
                continue
            spans.append(PersonalDataSpan(kind, match.start(), match.end(), match.group()))
            taken.append(range(match.start(), match.end()))
    return sorted(spans, key=lambda span: span.start)


def _mask(value: str) -> str:
    keep_head, keep_tail = (3, 4) if len(value) >= 11 else (2, 2)
    return value[:keep_head] + "*" * (len(value) - keep_head - keep_tail) + value[-keep_tail:]


def mask_personal_data(text: str) -> str:
    """The text with every phone, ID-card and bank-card number masked (e.g. 138****5678)."""
    for span in reversed(find_personal_data(text)):
        text = text[: span.start] + _mask(span.text) + text[span.end :]
    return text
