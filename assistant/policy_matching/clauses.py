"""One condition clause of a policy → typed conditions, by rules and patterns (no model).

Owns: normalising a clause (full-width digits, Chinese numerals before units, dashes), splitting a
condition sentence into clauses, and the patterns for each condition kind (region, industry codes
and names, scale words, thresholds with their comparison words, qualifications, credit). A clause
that states a condition but matches no pattern becomes a ``free_text`` condition (needs review);
boilerplate such as "应同时符合以下条件" yields nothing. Every condition keeps the clause's sentence.
Leaves deciding which sentences are conditions to ``extraction``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from assistant.policy_matching.conditions import CREDIT_RATINGS, Condition
from assistant.policy_matching.industries import NAMES, format_range, parse_range

_FULL_WIDTH = str.maketrans("０１２３４５６７８９ＡＢＣＤＭ％．—－～", "0123456789ABCDM%.--~")
_CN_NUMERALS = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10}
_CN_BEFORE_UNIT = re.compile(r"(?<![一二两三四五六七八九十])([一二两三四五六七八九十])(?=个?周?年|人|万元|亿元)")
_QUALIFICATIONS = [
    (re.compile(r"专精特新[“”\"'‘’「」]?小巨人[”\"'’」]?(?:企业)?"), "专精特新“小巨人”企业"),
    (re.compile(r"专精特新(?:中小)?企业"), "专精特新中小企业"),
    (re.compile(r"高新技术企业|高企"), "高新技术企业"),
    (re.compile(r"科技型中小企业"), "科技型中小企业"),
    (re.compile(r"农业产业化(?:重点)?龙头企业"), "农业产业化重点龙头企业"),
]
_SCALE_WORDS = [
    ("大中型企业", ["大", "中"]), ("中小微型企业", ["中", "小", "微"]), ("中小微企业", ["中", "小", "微"]),
    ("小型微型企业", ["小", "微"]), ("小微型企业", ["小", "微"]), ("小微企业", ["小", "微"]),
    ("中小企业", ["中", "小", "微"]), ("微型企业", ["微"]), ("中型企业", ["中"]), ("大型企业", ["大"]),
]
# (kind, subject pattern, accepted units): rd_ratio first, it contains the word 营业收入.
_SUBJECTS = [
    ("rd_ratio", r"研发(?:费用|投入)(?:总额)?占(?:同期)?(?:营业|销售|主营业务)?收入(?:总额)?的?比[例重]|研发投入强度|研发费用占比", ("%",)),
    ("tax_paid", r"(?:缴纳|实缴|纳税|入库)的?(?:税收|税款|税金)?(?:总额|额)|税收(?:总额|贡献)", ("万元", "亿元", "元")),
    ("revenue", r"(?:营业|销售|主营业务)收入|营收", ("万元", "亿元", "元")),
    ("employees", r"从业人员|从业人数|职工人数|员工人数|在职职工|职工总数|员工总数|在岗职工", ("人", "名")),
    ("years_registered", r"注册成立|成立时间|注册时间|成立|设立", ("年", "周年")),
]
_NUMBER_AFTER = re.compile(r"(\d+(?:\.\d+)?)(亿元|万元|元|人|名|%|周年|年)?(及以上|以上|及以下|以下|以内|内)?")
_BEFORE_WORDS = [  # longest first, matched against the end of the gap before the number
    ("不低于", ">="), ("不少于", ">="), ("不超过", "<="), ("不高于", "<="), ("不足", "<"), ("不满", "<"),
    ("未满", "<"), ("低于", "<"), ("少于", "<"), ("小于", "<"), ("超过", ">"), ("高于", ">"), ("大于", ">"),
    ("突破", ">"), ("达到", ">="), ("已满", ">="), ("满", ">="), ("≥", ">="), ("≤", "<="), (">", ">"), ("<", "<"),
]
_AFTER_WORDS = {"及以上": ">=", "以上": ">=", "及以下": "<=", "以下": "<=", "以内": "<=", "内": "<="}
_REGISTRATION = re.compile(r"注册|登记|落户|设立")
_NEGATION = re.compile(r"不含|不包括|除|不属于|以外")
_CODE_RANGE = re.compile(r"(?<![A-Za-z])([A-T])(\d{2})(?:\d{0,2})(?:\s*[-至到~]\s*([A-T])?(\d{2}))?(?!\d)")
_RATING = re.compile(r"纳税信用(?:等级|评价|级别)?(?:评价)?(?:为|达到|在|是)?([ABMCD])级?(?:(?:或|、|和|及)([ABMCD])级?)?(及以上|以上)?")
_CREDIT_RECORD = re.compile(r"未(?:被)?列入(?:严重)?失信|无严重失信|不属于严重失信|非严重失信|未被列为失信|信用记录良好")
_BOILERPLATE = re.compile(r"以下(?:基本)?条件|下列条件|适用本(?:办法|措施|政策|通知)|符合(?:以下|下列)|^申报(?:企业|单位|主体)(?:应|须)")
_FIRST_TIME = re.compile(r"首次|新获评|新认定|新获批")
_CLAUSE_SPLIT = re.compile(r"[，；。,;：:]")
_LEADING = re.compile(r"^(?:\d+[.、．]|[（(][一二三四五六七八九十\d]+[）)]|[一二三四五六七八九十]+、)?\s*(?:且|并且|同时|并)?")
_TRAILING = re.compile(r"的(?:企业|单位|项目)?$")
_MASK = "□"


def normalise(text: str) -> str:
    text = text.translate(_FULL_WIDTH).replace(" ", "").replace("\u3000", "")
    return _CN_BEFORE_UNIT.sub(lambda m: str(_CN_NUMERALS[m.group(1)]), text)


def split_clauses(sentence: str) -> list[str]:
    """Split on commas, semicolons and colons that are not inside brackets or quotes."""
    clauses, depth, start = [], 0, 0
    for position, char in enumerate(sentence):
        if char in "（(《“":
            depth += 1
        elif char in "）)》”":
            depth = max(0, depth - 1)
        elif depth == 0 and _CLAUSE_SPLIT.match(char):
            clauses.append(sentence[start:position])
            start = position + 1
    clauses.append(sentence[start:])
    cleaned = (_TRAILING.sub("", _LEADING.sub("", clause.strip())) for clause in clauses)
    return [clause for clause in cleaned if clause]


def _mask(text: str, match: re.Match[str]) -> str:
    return text[: match.start()] + _MASK * (match.end() - match.start()) + text[match.end():]


def qualifications(text: str) -> tuple[list[Condition], str]:
    found: list[str] = []
    for pattern, name in _QUALIFICATIONS:
        while match := pattern.search(text):
            if name not in found:
                found.append(name)
            text = _mask(text, match)
    if not found:
        return [], text
    if len(found) > 1 and "或" in text:
        return [Condition("qualification", "has_any", found)], text
    return [Condition("qualification", "has_any", [name]) for name in found], text


def scale(text: str) -> list[Condition]:
    for word, tiers in _SCALE_WORDS:
        if word in text:
            return [Condition("scale", "in", tiers)]
    return []


def region(text: str, regions: Mapping[str, str]) -> list[Condition]:
    if not _REGISTRATION.search(text):
        return []
    found = [name for name in sorted(regions, key=len, reverse=True) if name in text]
    longest = [name for name in found if not any(name != other and name in other for other in found)]
    places = sorted({regions[name] for name in longest})
    return [Condition("region", "in", places)] if places else []


def industry(text: str) -> list[Condition]:
    ranges = [f"{letter}{first}" + (f"-{last_letter or letter}{last}" if last else "")
              for letter, first, last_letter, last in _CODE_RANGE.findall(text)]
    if not ranges:
        for name in sorted(NAMES, key=len, reverse=True):
            if name in text:
                ranges.append(NAMES[name])
                text = text.replace(name, _MASK * len(name))
    if not ranges:
        return []
    values = list(dict.fromkeys(format_range(*parse_range(r)) for r in ranges))
    return [Condition("industry", "not_in" if _NEGATION.search(text) else "in", values)]


def _comparison(gap: str, after: str | None) -> str | None:
    for word, operator in _BEFORE_WORDS:
        if gap.endswith(word):
            return operator
    return _AFTER_WORDS.get(after or "")


def thresholds(text: str) -> list[Condition]:
    found: list[Condition] = []
    for kind, subject, units in _SUBJECTS:
        for match in list(re.finditer(subject, text)):
            tail = text[match.end(): match.end() + 16]
            number = _NUMBER_AFTER.search(tail)
            if number is None or number.start() > 10 or (number.group(2) or "") not in units:
                continue
            operator = _comparison(tail[: number.start()], number.group(3))
            if operator is None:
                continue
            value = float(number.group(1)) * {"亿元": 10000, "元": 0.0001}.get(number.group(2), 1)
            found.append(Condition(kind, operator, round(value, 4)))  # type: ignore[arg-type]
            text = text[: match.start()] + _MASK * (match.end() + number.end() - match.start()) + text[match.end() + number.end():]
    return found


def credit(text: str) -> list[Condition]:
    found: list[Condition] = []
    if rating := _RATING.search(text):
        first, second, at_least = rating.groups()
        letters = list(CREDIT_RATINGS[: CREDIT_RATINGS.index(first) + 1]) if at_least else [first, *([second] if second else [])]
        found.append(Condition("credit_rating", "in", letters))
    if _CREDIT_RECORD.search(text):
        found.append(Condition("credit_record", "not_listed", "严重失信主体名单"))
    return found


def clause_conditions(clause: str, regions: Mapping[str, str]) -> list[Condition]:
    """Typed conditions of one clause; free text when it states something no pattern covers."""
    text = normalise(clause)
    if _BOILERPLATE.search(text) or len(text) < 3:
        return []
    typed, rest = qualifications(text)
    typed += region(rest, regions) + industry(rest) + scale(rest) + thresholds(rest) + credit(rest)
    if not typed or _FIRST_TIME.search(text):
        typed.append(Condition("free_text", "review", clause.strip()))
    return typed


def sentence_conditions(sentence: str, regions: Mapping[str, str]) -> list[Condition]:
    """All conditions of a condition sentence, each carrying the sentence it came from."""
    conditions: list[Condition] = []
    for clause in split_clauses(sentence):
        for condition in clause_conditions(clause, regions):
            conditions.append(Condition(condition.kind, condition.operator, condition.value, sentence.strip()))
    return conditions
