"""Text normalisation at the boundary: one form for every text a caller sends.

``normalise_text`` applies NFKC (full-width digits and letters become ASCII: １３８ → 138; Chinese
full-width punctuation is kept) and removes zero-width and other invisible format characters, so
text that looks the same is the same to search, masking and storage; ``fold`` is the same with
punctuation folded too, the form the lexicon matches words in. ``normalise_query`` adds what a question needs: runs of white
space become one space, and a question with no letter or digit left (only spaces, punctuation or
invisible characters) is refused with the message chat has always given. Search, chat and the
hotline copilot all take their question through ``normalise_query``.

Case, traditional characters and pinyin are left alone: the lexicon lower-cases for matching, and
the answering chain mends typos.
"""

from __future__ import annotations

import re
import unicodedata

from assistant.errors import BadInput

# Full-width CJK punctuation (，？：（）) that NFKC would turn into ASCII: kept as Chinese text writes it.
_KEEP_WIDTH = re.compile(r"[\uff01-\uff0f\uff1a-\uff20\uff3b-\uff40\uff5b-\uff65\u3000]+")
_SPACES = re.compile(r"\s+")
EMPTY_QUESTION = "问题不能为空"


def _visible(text: str) -> str:
    """Without format characters (category Cf: zero-width spaces and joiners, direction marks, word
    joiner, BOM, soft hyphen): invisible in a browser, yet they split words and change embeddings."""
    return "".join(character for character in text if unicodedata.category(character) != "Cf")


def fold(text: str) -> str:
    """NFKC throughout (full-width punctuation too) without format characters: the form words are
    matched in."""
    return _visible(unicodedata.normalize("NFKC", text))


def normalise_text(text: str) -> str:
    """NFKC (full-width and other compatibility digits and letters become ASCII) and no format
    characters, with full-width Chinese punctuation kept: the form text is searched, masked and
    stored in."""
    if text.isascii():
        return text
    parts, last = [], 0
    for match in _KEEP_WIDTH.finditer(text):
        parts += [unicodedata.normalize("NFKC", text[last : match.start()]), match.group()]
        last = match.end()
    parts.append(unicodedata.normalize("NFKC", text[last:]))
    return _visible("".join(parts))


def has_content(text: str) -> bool:
    """Whether a (normalised) text holds at least one letter or digit, in any script."""
    return any(unicodedata.category(char)[0] in "LN" for char in text)


def normalise_query(text: str) -> str:
    """A question as search and answering use it; ``BadInput`` when nothing searchable is left."""
    query = _SPACES.sub(" ", normalise_text(text)).strip()
    if not has_content(query):
        raise BadInput(EMPTY_QUESTION)
    return query
