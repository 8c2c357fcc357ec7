"""Facts a clause states, compared with the source span it claims to restate.

A clause may reword its source, never change what it says: every number it states (digits or
Chinese numerals: amounts, dates, periods, ages) is a number of the span; a negation it states
(不、无需、免于、未 …) is the span's own, followed by what the span negates; a negation of the span
is not dropped (源「不收费」→「收费」); and the names of bodies (…公安局、…派出所、…中心) and the titles
(《…》、“…”) it names occur in the span as written. Pure functions on text; deciding which span a
clause restates is ``checking``'s job.
"""

from __future__ import annotations

import re

from assistant.answering import grounding

_ARABIC = re.compile(r"(\d+(?:\.\d+)?)(万|亿)?")
_CHINESE = re.compile(r"[零〇一二两三四五六七八九十百千万亿]+")
# A Chinese numeral in an answer counts as a stated number when a measure follows it (三个工作日,
# 五千元); elsewhere it is usually part of a word (统一, 一律, 之一).
_MEASURE = re.compile(r"[个年月日天周岁元次人项份倍%‰小时分钟]|工作日|平方米")
_DIGITS = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_UNITS = {"十": 10, "百": 100, "千": 1000}
_BIG_UNITS = {"万": 10_000, "亿": 100_000_000}
# Longest first, so that 无需 is read as one negation, not as 无.
_NEGATION = re.compile(
    "免于|免予|无需|无须|不需|不用|不必|不予|不得|不能|不可|禁止|严禁|没有|不|无|未|免|非|勿"
)
_PART = re.compile(r"[^，,：:；;。！？!?]+")
_BODY = re.compile(
    r"公安局|派出所|委员会|办事处|服务中心|服务站|中心|窗口|大厅|医院|法院|银行|街道|社区|支队|大队|分局|局|厅"
)
# Where the name before a body's suffix ends (到派出所: the body, not a name of it).
_NOT_NAME = set("的到在向于由至去往和或及与请可需从经过通把将为对按赴前是、，")
_TITLE = re.compile(r"《[^》]{1,40}》|“[^”]{1,24}”|\"[^\"]{1,24}\"")
_NAME_PREFIX = 8


def chinese_number(text: str) -> float | None:
    """The value of a Chinese numeral (十五 → 15, 三千五百 → 3500, 二〇二五 → 2025); None if it is not one."""
    if not any(char in _DIGITS or char == "十" for char in text):  # 万 alone is no number
        return None
    if all(char in _DIGITS for char in text):  # digit by digit: 二〇二五
        return float("".join(str(_DIGITS[char]) for char in text))
    total = section = number = 0
    for char in text:
        if char in _DIGITS:
            number = _DIGITS[char]
        elif char in _UNITS:
            section += (number or 1) * _UNITS[char]
            number = 0
        elif char in _BIG_UNITS:
            total += (section + number) * _BIG_UNITS[char]
            section = number = 0
        else:
            return None
    return float(total + section + number)


def numbers(text: str, stated_only: bool = False) -> set[float]:
    """The values of the numbers in a text (5万 and 五万 → 50000); with ``stated_only`` the
    Chinese numerals without a measure after them are left out, and so is a list item's number."""
    text = grounding.without_citations(text)
    if stated_only:
        text = grounding.LIST_ITEM.sub("", text, count=1)
    found = {
        float(m.group(1)) * (_BIG_UNITS[m.group(2)] if m.group(2) else 1) for m in _ARABIC.finditer(text)
    }
    for match in _CHINESE.finditer(text):
        if match.start() and text[match.start() - 1].isdigit():  # the 万 of 5万, read above
            continue
        if stated_only and not _MEASURE.match(text, match.end()):
            continue
        value = chinese_number(match.group())
        if value is not None:
            found.add(value)
    return found


def _negations_kept(clause: str, span: str) -> bool:
    """Each negation of the clause, with what it negates, is in the span; and a clause of the span
    that negates (登记不收费) is not restated without its negation (登记收费)."""
    for match in _NEGATION.finditer(clause):
        if clause[match.start() : match.end() + 1] not in span:
            return False
    restated = grounding.text_bigrams(clause)
    for part in _PART.findall(span):
        for match in _NEGATION.finditer(part):
            plain = grounding.text_bigrams(part[: match.start()] + part[match.end() :])
            if (
                len(plain & restated) * 2 >= len(plain) > 0
                and part[match.start() : match.end() + 1] not in clause
            ):
                return False
    return True


def _names(clause: str) -> list[str]:
    """The names of bodies (示例市公安局, 所在地公安派出所) and titles the clause mentions."""
    found = [m.group() for m in _TITLE.finditer(clause)]
    for match in _BODY.finditer(clause):
        start = match.start()
        while start > max(0, match.start() - _NAME_PREFIX) and clause[start - 1] not in _NOT_NAME:
            start -= 1
        if start < match.start() and "\u4e00" <= clause[start] <= "\u9fff":
            found.append(clause[start : match.end()])
    return found


def agree(clause: str, span: str) -> bool:
    """Whether the clause states only the span's numbers, negations and names."""
    clause, span = grounding.without_citations(clause), grounding.without_citations(span)
    if not numbers(clause, stated_only=True) <= numbers(span):
        return False
    return _negations_kept(clause, span) and all(name in span for name in _names(clause))
