"""Personal data in free text: find and mask phone, ID-card and bank-card numbers, or replace
them with stable pseudonyms for anonymised exports.

The one place where text is made safe to store: every store (audit log, conversations, feedback,
tickets) masks through ``mask_personal_data``. Text is normalised first (``normalise_text``:
NFKC, so full-width digits are digits, and zero-width and other format characters removed), so
１３８１２３４５６７８ or an ID number with a zero-width space inside is still found.
Used before a citizen's words reach a model, a log line or a stored transcript. Masks keep
the first three and last four characters (``138****5678``) so an agent can still recognise a
number read back to them. Pure functions; no I/O. Addresses and names are not found here (the
hotline field extraction finds those, when a deployment asks for them to be masked too); given
as spans, they are masked keeping the city and district, or the surname.

Kinds of span:
- ``id_card``: an 18-character resident ID number whose birth date and checksum (GB 11643) hold;
- ``bank_card``: 16–19 digits passing the Luhn check (spaces or hyphens between groups allowed);
- ``mobile``: a mainland mobile number (optionally ``+86``);
- ``landline``: an area code and a 7–8 digit number;
- ``number``: any other run of 15 or more digits, or an ID-card shape whose checksum fails.
  Privacy errs on the safe side: citizens mistype, so these are masked as well.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from assistant.text_normalisation import normalise_text

_ID_CARD = re.compile(
    r"(?<![0-9])[1-9]\d{5}(?:19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[0-9Xx](?![0-9A-Za-z])"
)
_CARD = re.compile(r"(?<![0-9])\d{4}(?:[ -]?\d){11,14}\d?(?![0-9])")
_LONG_NUMBER = re.compile(r"(?<![0-9])\d{15,}[0-9Xx]?(?![0-9])")
_MOBILE = re.compile(r"(?<![0-9])(?:\+?86[ -]?)?1[3-9]\d[ -]?\d{4}[ -]?\d{4}(?![0-9])")
_LANDLINE = re.compile(r"(?<![0-9])0\d{2,3}-?\d{7,8}(?![0-9])")
# The leading divisions of an address (示例市, 东城区), kept when it is masked; 小区/社区/园区 are not divisions.
_DIVISIONS = re.compile(r"(?:[\u4e00-\u9fff]{1,6}?(?:省|市|县|(?<![小社园校景])区))*")
# What a mask leaves of a number (138****5678, 622* **** **** 7890): pseudonymised as a whole in exports.
_MASKED_NUMBER = re.compile(r"(?<![0-9A-Za-z*])[0-9]{2,3}[* ]*\*{2,}[* ]*[0-9Xx]{2,4}(?![0-9A-Za-z*])")
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


@dataclass(frozen=True)
class PersonalDataSpan:
    kind: str  # id_card | bank_card | mobile | landline | number (found here); address | name (given)
    start: int
    end: int
    text: str


def id_card_checksum_ok(number: str) -> bool:
    """True when the 18th character of a resident ID number is its GB 11643 check character."""
    if len(number) != 18 or not number[:17].isdigit():
        return False
    total = sum(int(digit) * weight for digit, weight in zip(number[:17], _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11] == number[17].upper()


def luhn_ok(digits: str) -> bool:
    """True when a card number (digits only) passes the Luhn check."""
    total = 0
    for position, character in enumerate(reversed(digits)):
        value = int(character) * (2 if position % 2 else 1)
        total += value - 9 if value > 9 else value
    return total % 10 == 0


def _classify_card(text: str) -> str:
    digits = re.sub(r"[ -]", "", text)
    return "bank_card" if 16 <= len(digits) <= 19 and luhn_ok(digits) else "number"


def _candidates(text: str) -> list[PersonalDataSpan]:
    """Every match of every pattern, most specific kinds first."""
    found = [
        PersonalDataSpan(
            "id_card" if id_card_checksum_ok(m.group()) else "number", m.start(), m.end(), m.group()
        )
        for m in _ID_CARD.finditer(text)
    ]
    found += [
        PersonalDataSpan(_classify_card(m.group()), m.start(), m.end(), m.group())
        for m in _CARD.finditer(text)
    ]
    found += [PersonalDataSpan("mobile", m.start(), m.end(), m.group()) for m in _MOBILE.finditer(text)]
    found += [PersonalDataSpan("landline", m.start(), m.end(), m.group()) for m in _LANDLINE.finditer(text)]
    found += [PersonalDataSpan("number", m.start(), m.end(), m.group()) for m in _LONG_NUMBER.finditer(text)]
    return found


def find_personal_data(text: str) -> list[PersonalDataSpan]:
    """Non-overlapping spans of personal numbers in ``text`` as given (normalise it first with
    ``normalise_text``; the masking functions do), earliest first (see the module docstring)."""
    spans: list[PersonalDataSpan] = []
    for candidate in _candidates(text):
        if all(candidate.end <= span.start or candidate.start >= span.end for span in spans):
            spans.append(candidate)
    return sorted(spans, key=lambda span: span.start)


def mask_value(value: str) -> str:
    """One number masked, separators kept: ``13812345678`` → ``138****5678``,
    ``6222 0212 3456 7890`` → ``622* **** **** 7890``; under 11 digits two and two are kept."""
    positions = [index for index, character in enumerate(value) if character.isalnum()]
    keep_head, keep_tail = (3, 4) if len(positions) >= 11 else (2, 2)
    hidden = set(positions[keep_head : len(positions) - keep_tail])
    return "".join("*" if index in hidden else character for index, character in enumerate(value))


def _masked(span: PersonalDataSpan) -> str:
    if span.kind == "address":
        divisions = _DIVISIONS.match(span.text)  # always a match, possibly empty
        keep = divisions.end() if divisions else 0
        return span.text[:keep] + "*" * (len(span.text) - keep)
    if span.kind == "name":
        return span.text[0] + "*" * (len(span.text) - 1)
    return mask_value(span.text)


def _replace(
    text: str, also: Sequence[PersonalDataSpan], replacement: Callable[[PersonalDataSpan], str]
) -> str:
    """Every number found in the normalised text and the ``also`` spans where they do not overlap a
    number (of two that overlap, the longer wins), each replaced."""
    text = normalise_text(text)
    spans = find_personal_data(text)
    for extra in sorted(also, key=lambda span: span.start - span.end):
        if all(extra.end <= span.start or extra.start >= span.end for span in spans):
            spans.append(extra)
    for span in sorted(spans, key=lambda span: span.start, reverse=True):
        text = text[: span.start] + replacement(span) + text[span.end :]
    return text


def mask_as(kind: str, value: str) -> str:
    """A whole value known to be personal data of ``kind`` (``name``, ``address``, ``mobile`` ...)
    masked as such, e.g. a ticket's confirmed caller name 张小明 → 张**."""
    value = normalise_text(value).strip()
    return _masked(PersonalDataSpan(kind, 0, len(value), value)) if value else ""


def mask_personal_data(text: str, also: Sequence[PersonalDataSpan] = ()) -> str:
    """The normalised text with every phone, ID-card, bank-card and long number masked (e.g.
    138****5678), and the ``also`` spans (addresses, names; offsets into ``normalise_text(text)``)."""
    return _replace(text, also, _masked)


_PSEUDONYM_LABELS = {
    "name": "来电人",
    "mobile": "电话",
    "landline": "电话",
    "id_card": "证件",
    "bank_card": "银行卡",
    "number": "号码",
    "address": "地址",
    "session": "会话",
}
_PSEUDONYM_KINDS = {"landline": "mobile"}  # one phone gets one pseudonym however it is written


@dataclass
class Pseudonymiser:
    """Stable pseudonyms within one export (来电人A7F3C2): an HMAC of the normalised value under a
    random key made for the export and then forgotten, so the same caller gets the same pseudonym
    in every row, analysts can count repeat callers, and nobody can reverse or link exports."""

    key: bytes = field(default_factory=lambda: secrets.token_bytes(32), repr=False)

    def pseudonym(self, kind: str, value: str) -> str:
        """``kind`` as in ``PersonalDataSpan`` (or ``session``); an empty value stays empty."""
        canonical = normalise_text(value).strip()
        if not canonical:
            return ""
        kind = _PSEUDONYM_KINDS.get(kind, kind)
        if kind not in ("name", "address", "session"):
            canonical = re.sub(r"[^0-9A-Za-z*]", "", canonical).upper()
        if kind == "mobile" and len(canonical) == 13:
            canonical = canonical.removeprefix("86")
        digest = hmac.new(self.key, f"{kind}:{canonical}".encode(), hashlib.sha256).hexdigest()
        return _PSEUDONYM_LABELS.get(kind, "号码") + digest[:6].upper()

    def text(self, text: str, also: Sequence[PersonalDataSpan] = ()) -> str:
        """The normalised text with every number, every number already masked (138****5678) and the
        ``also`` spans (names, addresses; offsets into ``normalise_text(text)``) replaced by pseudonyms."""
        text = _replace(text, also, lambda span: self.pseudonym(span.kind, span.text))
        return _MASKED_NUMBER.sub(lambda match: self.pseudonym("number", match.group()), text)
