"""One condition clause of a policy → typed conditions, by rules and patterns (no model).

Owns: normalising a clause (full-width digits, Chinese numerals before units, dashes), splitting a
condition sentence into clauses, and the condition families, each a pattern over its subject words,
comparison words and units: region, industry codes and names, scale words, thresholds (营业收入,
资产总额, 从业人员, 研发费用 and its ratio, 纳税, 进出口/出口/进口额, 新增就业, 成立年限), growth rates,
qualifications, the tax credit rating and 失信 lists. Every matcher masks what it used; what is left
of a clause is looked at again, and a clause that states something no family covers (or an
exception, a first-time or statistical status the profile cannot show) becomes a ``free_text``
condition (待核实) quoting it, so no clause is dropped silently; only boilerplate ("应同时符合以下
条件") and a bare subject ("享受本细则补贴的企业") yield nothing. Every condition keeps its sentence.
Leaves deciding which sentences are conditions to ``extraction``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from assistant.policy_matching.conditions import CREDIT_RATINGS, PROFILE_LIST, Condition
from assistant.policy_matching.industries import NAMES, format_range, parse_range

_FULL_WIDTH = str.maketrans("０１２３４５６７８９ＡＢＣＤＭ％．—－～", "0123456789ABCDM%.--~")
_CN_NUMERALS = {
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
    "十": 10,
}
_CN_BEFORE_UNIT = re.compile(
    r"(?<![一二两三四五六七八九十])([一二两三四五六七八九十])(?=个?周?年|人|名|万元|亿元|万美元)"
)
_QUALIFICATIONS = [
    (re.compile(r"(?:制造业)?单项冠军(?:示范)?(?:企业)?"), "制造业单项冠军企业"),
    (re.compile(r"专精特新[“”\"'‘’「」]?小巨人[”\"'’」]?(?:企业)?"), "专精特新“小巨人”企业"),
    (re.compile(r"专精特新(?:中小)?企业"), "专精特新中小企业"),
    (re.compile(r"高新技术企业|高企"), "高新技术企业"),
    (re.compile(r"科技型中小企业"), "科技型中小企业"),
    (re.compile(r"农业产业化(?:重点)?龙头企业"), "农业产业化重点龙头企业"),
]
_SCALE_WORDS = [
    ("大中型企业", ["大", "中"]),
    ("中小微型企业", ["中", "小", "微"]),
    ("中小微企业", ["中", "小", "微"]),
    ("小型微型企业", ["小", "微"]),
    ("小微型企业", ["小", "微"]),
    ("小微企业", ["小", "微"]),
    ("中小企业", ["中", "小", "微"]),
    ("微型企业", ["微"]),
    ("中型企业", ["中"]),
    ("大型企业", ["大"]),
]
_MONEY, _DOLLARS = ("万元", "亿元", "元"), ("万美元", "亿美元", "美元")
_REVENUE = r"(?:营业|销售|主营业务)收入|营收|销售额|营业额"
_EXPORT = r"(?<!进)出口(?:总)?额?"
# (kind, subject pattern, accepted units), in matching order: a ratio before the amount it contains,
# 进出口 before 出口, 新增就业 before 从业人员.
_SUBJECTS = [
    (
        "rd_ratio",
        r"研发(?:费用|投入|经费)(?:总额)?占(?:同期)?(?:营业|销售|主营业务)?收入(?:总额)?的?比[例重]|研发投入强度|研发费用占比",
        ("%",),
    ),
    ("rd_amount", r"(?:研发|研究与试验发展|研究开发)(?:费用|投入|经费)(?:支出)?(?:总额|总量)?", _MONEY),
    ("trade_value", r"进出口(?:贸易)?(?:总额|额|规模)", _DOLLARS),
    ("export_value", r"(?<!进)出口(?:总额|额)", _DOLLARS),
    ("import_value", r"进口(?:总额|额)", _DOLLARS),
    (
        "tax_paid",
        r"(?:缴纳|实缴|入库)的?(?:各项)?(?:税收|税款|税金)(?:总额|额)?|纳税(?:总)?额|税收(?:总额|贡献)",
        _MONEY,
    ),
    ("revenue", _REVENUE, _MONEY),
    ("assets", r"资产总额|总资产", _MONEY),
    (
        "new_jobs",
        r"新增(?:就业)?(?:岗位|人数|人员|员工|职工)|新增就业|新招用(?:人员|员工)?",
        ("人", "名", "个"),
    ),
    ("employees", r"从业人员|从业人数|职工人数|员工人数|在职职工|职工总数|员工总数|在岗职工", ("人", "名")),
    ("years_registered", r"注册成立|成立时间|注册时间|成立|设立|注册", ("年", "周年")),
]
_TRADE_KINDS = ("trade_value", "export_value", "import_value")
# A trade volume qualified by what is traded (跨境电商进出口额, 服务贸易出口额) is not the enterprise's.
_QUALIFIED = re.compile(r"[\u4e00-\u9fff]{2}$")
_UNQUALIFIED = re.compile(r"(?:年度|上年|当年|全年|同期|企业|□□)$")
_GROWTH_SUBJECTS = [("export_growth", _EXPORT), ("revenue_growth", _REVENUE)]
_GROWTH = re.compile(r"(?:同比)?(?:增长|增幅|增速)率?")
_NUMBER_AFTER = re.compile(
    r"(\d+(?:\.\d+)?)(亿美元|万美元|美元|亿元|万元|元|人|名|个|%|周年|年)?(及以上|以上|及以下|以下|以内|内)?"
)
_SCALES = {"亿元": 10000, "元": 0.0001, "亿美元": 10000, "美元": 0.0001}
_BEFORE_WORDS = [  # longest first, matched against the end of the gap before the number
    ("不得少于", ">="),
    ("不得低于", ">="),
    ("不得超过", "<="),
    ("不得高于", "<="),
    ("不低于", ">="),
    ("不少于", ">="),
    ("不超过", "<="),
    ("不高于", "<="),
    ("不足", "<"),
    ("不满", "<"),
    ("未满", "<"),
    ("低于", "<"),
    ("少于", "<"),
    ("小于", "<"),
    ("超过", ">"),
    ("高于", ">"),
    ("大于", ">"),
    ("突破", ">"),
    ("达到", ">="),
    ("已满", ">="),
    ("满", ">="),
    ("≥", ">="),
    ("≤", "<="),
    (">", ">"),
    ("<", "<"),
]
_AFTER_WORDS = {"及以上": ">=", "以上": ">=", "及以下": "<=", "以下": "<=", "以内": "<=", "内": "<="}
_REGISTRATION = re.compile(r"注册|登记|落户|设立|户管地")
_REGISTRATION_WORDS = re.compile(
    r"(?:工商|税务)?(?:注册|登记)地|(?:工商|税务)(?:注册|登记)|税收户管地|户管地|(?:税务|税收)关系|注册(?!资本|资金)|登记|落户|设立|"
    r"行政区域内|辖区内"
)
_NEGATION = re.compile(r"不含|不包括|除|不属于|以外|非")
_CODE_RANGE = re.compile(r"(?<![A-Za-z])([A-T])(\d{2})(?:\d{0,2})(?:\s*[-至到~]\s*([A-T])?(\d{2}))?(?!\d)")
_RATING = re.compile(
    r"纳税信用(?:等级|评价|级别)?(?:评价)?(?:须|应|需|必须)?(不得为|不能为|不为|不是|非)?(?:为|达到|在|是)?(不低于)?"
    r"([ABMCD]级?(?:(?:或|、|和|及|或者)[ABMCD]级?)*)(?:[（(]含[）)])?(及以上|以上)?"
)
_LISTS = [
    ("失信被执行人", "失信被执行人名单"),
    ("严重违法失信", "严重违法失信名单"),
    ("经营异常", "经营异常名录"),
    ("严重失信", PROFILE_LIST),
]
_LIST_RECORD = re.compile(
    r"(?:未(?:被)?(?:列入|纳入|列为)|无|没有|不属于|非|不存在)[^，；。]{0,6}?"
    r"(失信被执行人|严重违法失信|经营异常|严重失信)(?:主体)?(?:名单|名录|记录|行为|企业)?|信用记录良好"
)
_BOILERPLATE = re.compile(
    r"(?:以下|下列)(?:基本)?条件|符合(?:以下|下列)|适用本(?:办法|细则|措施|政策|通知|指南)"
)
_EXCEPTION = re.compile(r"除外|另有规定")
_FIRST_TIME = re.compile(r"首次|新获评|新认定|新获批|新评定|新引进")
_EITHER = re.compile(r"或者|或")  # left between two typed conditions: either one suffices
_STATUS = re.compile(r"规模以上|限额以上|规上|限上")  # a statistical status: the profile cannot show it
_FILLER = re.compile(
    r"上一?年度|上年|当年|年度|近\d+年内?|\d{4}年|申报|申请|享受|本(?:办法|细则|措施|政策|通知|指南|规定)|适用于|"
    r"企业|单位|主体|应当|必须|须|应|需|同时|并且|并|且|和|及|与|或|均|属于|为|在|是|的|其|已|被|经|获得|取得|获|"
    r"认定|评定|入库|有效期内|依法|(?:工商|税务)?(?:注册|登记)地|注册(?!资本|资金)|登记|落户|设立|(?:支持|适用|申报|扶持)?对象|国民经济行业分类|分类代码|所属行业|行业代码|行业|代码|从事|"
    r"不含|不包括|划型标准(?:规定)?|以上|以下|以内|不低于|不少于|不超过|达到|满|超过|"
    r"国家级|省级|市级|国家|本区|本市|本地|评价|政策|奖励|补助|补贴|资助|支持|未|无|列入|名单|记录|符合|具备|满足|条件|"
    r"要求|有关|相关|各类|上述|"
    r"亿美元|万美元|亿元|万元|元|人|年|个|%|\d+(?:\.\d+)?|[\W_□]"
)
_CLAUSE_SPLIT = re.compile(r"[，；。,;：:]")
_LEADING = re.compile(
    r"^(?:\d+[.、．]|[（(][一二三四五六七八九十\d]+[）)]|[一二三四五六七八九十]+、|[-*•·])?\s*(?:且|并且|同时|并)?"
)
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


def _mask(text: str, start: int, end: int) -> str:
    return text[:start] + _MASK * (end - start) + text[end:]


def qualifications(text: str) -> tuple[list[Condition], str]:
    found: list[str] = []
    for pattern, name in _QUALIFICATIONS:
        while match := pattern.search(text):
            if name not in found:
                found.append(name)
            text = _mask(text, match.start(), match.end())
    if not found:
        return [], text
    if len(found) > 1 and "或" in text:
        return [Condition("qualification", "has_any", found)], text
    return [Condition("qualification", "has_any", [name]) for name in found], text


def scale(text: str) -> tuple[list[Condition], str]:
    for word, tiers in _SCALE_WORDS:
        if word in text:
            return [Condition("scale", "in", tiers)], text.replace(word, _MASK * len(word))
    return [], text


def region(text: str, regions: Mapping[str, str], clause: str = "") -> tuple[list[Condition], str]:
    """A place of registration; ``clause`` is the unmasked clause, which must say 注册/登记/落户."""
    if not _REGISTRATION.search(clause or text):
        return [], text
    found = [name for name in sorted(regions, key=len, reverse=True) if name in text]
    longest = [name for name in found if not any(name != other and name in other for other in found)]
    places = sorted({regions[name] for name in longest})
    if not places:
        return [], text
    for name in longest:
        text = text.replace(name, _MASK * len(name))
    return [Condition("region", "in", places)], _REGISTRATION_WORDS.sub(
        lambda m: _MASK * len(m.group(0)), text
    )


def industry(text: str) -> tuple[list[Condition], str]:
    codes = [
        f"{letter}{first}" + (f"-{last_letter or letter}{last}" if last else "")
        for letter, first, last_letter, last in _CODE_RANGE.findall(text)
    ]
    text = _CODE_RANGE.sub(lambda m: _MASK * len(m.group(0)), text)
    named = []
    for name in sorted(NAMES, key=len, reverse=True):
        if name in text:
            named.append(NAMES[name])
            text = text.replace(name, _MASK * len(name))
    ranges = codes or named  # a code written beside a name is the more exact of the two
    if not ranges:
        return [], text
    spans = list(dict.fromkeys(parse_range(r) for r in ranges))
    # "从事制造业的工业企业": both hold, the narrower one decides.
    narrowest = [s for s in spans if not any(o != s and s[0] <= o[0] and o[1] <= s[1] for o in spans)]
    values = [format_range(*span) for span in narrowest]
    return [Condition("industry", "not_in" if _NEGATION.search(text) else "in", values)], text


def _comparison(gap: str, after: str | None) -> str | None:
    for word, operator in _BEFORE_WORDS:
        if gap.endswith(word):
            return operator
    return _AFTER_WORDS.get(after or "")


def _bound(text: str, end: int, units: tuple[str, ...]) -> tuple[str, float, int] | None:
    """The comparison and number right after a subject ending at ``end``, and where it ends."""
    tail = text[end : end + 16]
    number = _NUMBER_AFTER.search(tail)
    if number is None or number.start() > 10 or (number.group(2) or "") not in units:
        return None
    operator = _comparison(tail[: number.start()], number.group(3))
    if operator is None:
        return None
    value = float(number.group(1)) * _SCALES.get(number.group(2), 1)
    return operator, round(value, 4), end + number.end()


def growth(text: str) -> tuple[list[Condition], str]:
    """Growth rates; a bare 同比增长 takes its subject from the nearest one before it."""
    found: list[Condition] = []
    for match in list(_GROWTH.finditer(text)):
        bound = _bound(text, match.end(), ("%",))
        before = [
            (m.end(), m.start(), kind)
            for kind, subject in _GROWTH_SUBJECTS
            for m in re.finditer(subject, text[: match.start()])
        ]
        if bound is None or not before:
            continue
        subject_end, subject_start, kind = max(before)
        operator, value, end = bound
        found.append(Condition(kind, operator, value))  # type: ignore[arg-type]
        start = subject_start if match.start() - subject_end <= 4 else match.start()
        text = _mask(text, start, end)
    return found, text


def thresholds(text: str) -> tuple[list[Condition], str]:
    found: list[Condition] = []
    for kind, subject, units in _SUBJECTS:
        for match in list(re.finditer(subject, text)):
            bound = _bound(text, match.end(), units)
            before = text[max(0, match.start() - 4) : match.start()]
            if bound is None or (
                kind in _TRADE_KINDS and _QUALIFIED.search(before) and not _UNQUALIFIED.search(before)
            ):
                continue
            operator, value, end = bound
            found.append(Condition(kind, operator, value))  # type: ignore[arg-type]
            text = _mask(text, match.start(), end)
    return found, text


def credit(text: str) -> tuple[list[Condition], str]:
    found: list[Condition] = []
    if rating := _RATING.search(text):
        excluded, not_below, listed, at_least = rating.groups()
        named = re.findall(r"[ABMCD]", listed)
        if not_below or at_least:
            named = list(CREDIT_RATINGS[: CREDIT_RATINGS.index(named[0]) + 1])
        letters = [r for r in CREDIT_RATINGS if (r in named) != bool(excluded)]
        found.append(Condition("credit_rating", "in", letters))
        text = _mask(text, rating.start(), rating.end())
    if record := _LIST_RECORD.search(text):
        word = record.group(1)
        found.append(
            Condition("credit_record", "not_listed", next((n for w, n in _LISTS if w == word), PROFILE_LIST))
        )
        text = _mask(text, record.start(), record.end())
    return found, text


def _meaningful(rest: str) -> bool:
    """Whether what the matchers left of a clause still says something (two characters or more:
    「认定为瞪羚企业」 leaves 瞪羚, and that must not be dropped)."""
    return len(_FILLER.sub("", rest)) >= 2


def clause_conditions(clause: str, regions: Mapping[str, str]) -> list[Condition]:
    """Typed conditions of one clause, plus a 待核实 one whenever part of it is not typed."""
    text = normalise(clause)
    if len(text) < 3 or _BOILERPLATE.search(text):
        return []
    review = Condition("free_text", "review", clause.strip())
    if _EXCEPTION.search(text):
        return [review]
    typed, rest = qualifications(text)
    for matcher in (industry, scale, growth, thresholds, credit, lambda t: region(t, regions, text)):
        conditions, rest = matcher(rest)
        typed += conditions
    if len({c.kind for c in typed}) > 1 and _EITHER.search(rest):
        # 营业收入……或者纳税额……: no typed condition says "either", so staff decide; where the
        # applicant is registered stands outside the either-or (示例市注册的规上工业企业或设计企业).
        return [c for c in typed if c.kind == "region"] + [review]
    for name in regions:  # a place beside a typed amount (在示例市缴纳税收) says nothing more
        rest = rest.replace(name, _MASK * len(name))
    if _FIRST_TIME.search(text) or _STATUS.search(text) or _meaningful(rest):
        typed.append(review)
    return typed


def sentence_conditions(sentence: str, regions: Mapping[str, str]) -> list[Condition]:
    """All conditions of a condition sentence, each carrying the sentence it came from. Up to an
    intro's 「……须具备下列条件」 the clauses name the applicant (申请认定……的企业): only typed ones count."""
    clauses = split_clauses(sentence)
    intro_end = max(
        (n for n, clause in enumerate(clauses) if _BOILERPLATE.search(normalise(clause))), default=-1
    )
    conditions: list[Condition] = []
    for number, clause in enumerate(clauses):
        intro = number <= intro_end
        for condition in clause_conditions(clause, regions):
            if not (intro and condition.kind == "free_text"):
                conditions.append(
                    Condition(condition.kind, condition.operator, condition.value, sentence.strip())
                )
    return conditions
