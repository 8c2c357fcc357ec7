"""Text normalisation at the boundary: one form for every text a caller sends.

``normalise_text`` applies NFKC (full-width digits and letters become ASCII: １３８ → 138) and
removes zero-width and other invisible format characters, so text that looks the same is the same
to search, masking and matching. ``normalise_query`` adds what a question needs: runs of white
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

# Zero-width space/joiners, direction marks, word joiner and invisible operators, BOM, soft hyphen,
# Mongolian vowel separator: invisible in a browser, yet they split words and change embeddings.
_INVISIBLE = re.compile("[\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff\u00ad\u180e]")
_SPACES = re.compile(r"\s+")
EMPTY_QUESTION = "问题不能为空"


def normalise_text(text: str) -> str:
    """NFKC, with zero-width and other invisible format characters removed."""
    return _INVISIBLE.sub("", unicodedata.normalize("NFKC", text))


def has_content(text: str) -> bool:
    """Whether a (normalised) text holds at least one letter or digit, in any script."""
    return any(unicodedata.category(char)[0] in "LN" for char in text)


def normalise_query(text: str) -> str:
    """A question as search and answering use it; ``BadInput`` when nothing searchable is left."""
    query = _SPACES.sub(" ", normalise_text(text)).strip()
    if not has_content(query):
        raise BadInput(EMPTY_QUESTION)
    return query
