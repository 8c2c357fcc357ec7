"""Text of recognised speech: Simplified Chinese, tidy punctuation, and the character error rate.

Whisper writes Traditional characters on about half of Mandarin clips and mixes ASCII and
full-width punctuation; ``clean_text`` fixes both (zhconv, ``zh-cn``). Spaces Whisper puts between
two Chinese clauses become a comma. ``normalise_for_scoring`` and ``character_error_rate`` are the
scoring rules of ``govassist bench asr``. Deciding which segments are hallucinations is
``filters``'s job, not this module's.
"""

from __future__ import annotations

import re
import unicodedata

import zhconv

_CJK = r"\u3400-\u4dbf\u4e00-\u9fff"
_FULL_WIDTH = str.maketrans({",": "，", "?": "？", "!": "！", ";": "；", ":": "："})
_SPACE_BETWEEN_CJK = re.compile(rf"(?<=[{_CJK}])\s+(?=[{_CJK}])")
_SPACE_NEAR_PUNCTUATION = re.compile(r"\s*([，。？！；：、])\s*")
_CJK_CHARACTER = re.compile(rf"[{_CJK}]")


def to_simplified(text: str) -> str:
    return str(zhconv.convert(text, "zh-cn"))


def clean_text(text: str) -> str:
    """Simplified characters, full-width punctuation between Chinese, a comma for a space between clauses."""
    text = to_simplified(text.strip())
    text = _full_width_near_cjk(text)
    text = _SPACE_BETWEEN_CJK.sub("，", text)
    return _SPACE_NEAR_PUNCTUATION.sub(r"\1", text).strip()


def _full_width_near_cjk(text: str) -> str:
    """ASCII , ? ! ; : and . become full-width only after a Chinese character (not in 3.5 or www.a.cn)."""
    out = []
    for index, char in enumerate(text):
        previous = text[index - 1] if index else ""
        if _CJK_CHARACTER.match(previous):
            char = "。" if char == "." else char.translate(_FULL_WIDTH)
        out.append(char)
    return "".join(out)


def has_chinese(text: str) -> bool:
    return bool(_CJK_CHARACTER.search(text))


def normalise_for_scoring(text: str) -> str:
    """Simplified, lower case, without punctuation, symbols or spaces: what CER compares."""
    text = unicodedata.normalize("NFKC", to_simplified(text)).lower()
    return "".join(char for char in text if unicodedata.category(char)[0] in "LN")


def edit_distance(reference: str, hypothesis: str) -> int:
    """Levenshtein distance over characters (substitutions, insertions, deletions cost 1)."""
    previous = list(range(len(hypothesis) + 1))
    for row, ref_char in enumerate(reference, start=1):
        current = [row]
        for column, hyp_char in enumerate(hypothesis, start=1):
            current.append(
                min(
                    previous[column] + 1,
                    current[column - 1] + 1,
                    previous[column - 1] + (ref_char != hyp_char),
                )
            )
        previous = current
    return previous[-1]


def character_error_rate(reference: str, hypothesis: str) -> float:
    """Edits over reference characters, both normalised; 0 when both are empty, 1 per character otherwise."""
    reference, hypothesis = normalise_for_scoring(reference), normalise_for_scoring(hypothesis)
    if not reference:
        return 0.0 if not hypothesis else float(len(hypothesis))
    return edit_distance(reference, hypothesis) / len(reference)
