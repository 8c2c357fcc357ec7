"""Premises: what a question takes for granted, which a passage must state before it can answer.

A citizen's question often presupposes something specific: 「示例市发放一万元补贴怎么领？」 takes a
10000-yuan subsidy for granted, 「退役军人优待证在哪领」 a card for veterans, 「个体户怎么注销」 the
closing of a business, 「2030年的缴费标准」 a rate for that year. A passage that shares the topic
but not the premise must not answer as if it held. ``premises_of`` finds the premises;
``states`` decides whether a text states one. Kinds (word lists in ``data/premises.txt``):

- ``year``: a year (2027年);
- ``name``: a name in 《》 or quotation marks (《示例市老年人优待办法》, “以工代训”);
- ``benefit``: a benefit, subsidy or document named by the words before its head (育儿补贴,
  消费券) and/or an amount beside it (一万元补贴: amounts are compared as values, so 一万元, 1万元,
  10000元 and 壹万元 are one premise); it holds where one sentence has the head with those words and
  that amount. A benefit named by its amount alone (no words before it, and the question about
  nothing else) does not hold for a passage's benefit that has a name the question never says
  (一次性创业补贴10000元 does not answer 「发放一万元补贴怎么领」);
- ``group``: the people a rule is for (残疾人, 农民工), unless negated (我不是大学生);
- ``operation``: what is done (注销, 补办, 转移).

A citizen's own circumstances are not premises: an amount after 我/月薪/收入 … (「我月薪一万元」)
is their case, and so is a place they live in. Text is matched folded (NFKC, no zero-width
characters, lower case). Which passages to judge, and what to say when a premise fails, are the
judge's and the chain's business.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Literal

from assistant.retrieval import lexical, lexicon

PremiseKind = Literal["year", "name", "benefit", "group", "operation"]
_YEAR = re.compile(r"(?:19|20)\d\d(?=年)")
_QUOTED = re.compile(
    r"《([^《》]{2,30})》|“([^“”]{2,30})”|\"([^\"]{2,30})\"|「([^「」]{2,30})」|『([^『』]{2,30})』"
)
_DIGITS = "零〇一二两三四五六七八九壹贰叁肆伍陆柒捌玖"
_VALUES = {
    c: v
    for v, group in enumerate(
        ("零〇", "一壹", "二两贰", "三叁", "四肆", "五伍", "六陆", "七柒", "八捌", "九玖")
    )
    for c in group
}
_SMALL_UNITS = {"十": 10, "拾": 10, "百": 100, "佰": 100, "千": 1000, "仟": 1000}
_AMOUNT = re.compile(
    rf"(?P<number>\d+(?:\.\d+)?|[{_DIGITS}十拾百佰千仟万亿]+)\s*(?P<magnitude>[万亿千百]?)\s*(?P<unit>元|块钱|块|w(?![a-z]))"
    rf"|(?P<bare>\d+(?:\.\d+)?|[{_DIGITS}十拾百佰千仟]+)\s*(?P<bare_magnitude>[万亿])"
)
_SENTENCE = re.compile(r"[。；;！!？?\n]+")
_CLAUSE = re.compile(r"[，,。；;！!？?\s]+")
# Before an amount in the same clause: the citizen's own case, not a policy the question presumes.
_OWN_CASE = (
    "我",
    "本人",
    "俺",
    "咱",
    "月薪",
    "工资",
    "收入",
    "营收",
    "花了",
    "花费",
    "就差",
    "还差",
    "存了",
    "欠",
    "贷了",
    "买了",
    "房价",
    "总价",
)
_NEGATION = ("不是", "并非", "非", "除了")
_HOUSEHOLD = (
    "家里",
    "家是",
    "家庭是",
    "爸",
    "妈",
    "父亲",
    "母亲",
    "老公",
    "老婆",
    "孩子",
    "儿子",
    "女儿",
    "弟",
    "哥",
    "姐",
    "妹",
)
_DONE = ("已经", "已")
_ASKING = ("想", "要", "打算", "准备", "申请", "办理", "怎么", "如何", "能不能", "能否", "可以", "可不可以")
TOPIC_WEIGHT = 6.0  # a word this informative makes the question about something, not a bare handout
AMOUNT_WINDOW = 8  # characters between a benefit head and the amount that belongs to it
QUALIFIER_WINDOW = 8  # characters a passage may put between a benefit's words and its head (青年人才生活补贴)


@dataclass(frozen=True)
class Premise:
    """Something the question takes for granted: its kind, the words as the citizen wrote them
    (what a refusal names), the forms a text may state it in and, for a benefit, its parts."""

    kind: PremiseKind
    text: str
    forms: tuple[str, ...] = ()
    head: str = ""  # benefit: 补贴, 消费券 …
    amount: float | None = None  # benefit: in yuan
    bare: bool = False  # benefit: named by its amount only, in a question about nothing else
    circumstance: bool = False  # group: the citizen's own (家里是低保户), not whom a rule is for

    @property
    def reach(self) -> Literal["passage", "document", "retrieved"]:
        """Where it must be stated: in the passage itself (a year: its figures are that passage's),
        in a retrieved passage of its document (what a rule is about), or in any retrieved passage
        (the citizen's own circumstance: the knowledge base must know it, not every answer say it)."""
        return "passage" if self.kind == "year" else "retrieved" if self.circumstance else "document"


@lru_cache(maxsize=1)
def _word_lists() -> dict[str, tuple[str, ...]]:
    text = resources.files("assistant.answering").joinpath("data", "premises.txt").read_text(encoding="utf-8")
    lists: dict[str, tuple[str, ...]] = {}
    for line in text.splitlines():
        if line.strip() and not line.startswith("#"):
            kind, _, words = line.partition("：")
            lists[kind.strip()] = tuple(words.split())
    return lists


def parse_number(text: str) -> float | None:
    """A number in Arabic digits or Chinese numerals (一万, 壹仟伍佰, 两千五, 1.5), or None."""
    if re.fullmatch(r"\d+(?:\.\d+)?", text):
        return float(text)
    total = section = digit = 0.0
    last_unit = 0.0
    zero = False  # 一百零五: the digit after a zero is a unit digit
    for character in text:
        if character in _VALUES:
            digit = _VALUES[character]
            zero = zero or digit == 0
        elif character in _SMALL_UNITS:
            last_unit = _SMALL_UNITS[character]
            section += (digit or 1) * last_unit
            digit = 0
        elif character in "万亿":
            scale = 10000.0 if character == "万" else 1e8
            total = (total + section + digit) * scale
            section = digit = last_unit = 0
            zero = False
        else:
            return None
    if digit and last_unit >= 100 and not zero:  # 两千五 = 2500: the digit counts in the unit below
        digit *= last_unit / 10
    return total + section + digit


def amounts(text: str) -> list[tuple[float, int, int]]:
    """Every amount of money in a folded text, in yuan, with its span (一万元, 10000元, 1.5万, 五百块)."""
    found = []
    for match in _AMOUNT.finditer(text):
        number = parse_number(match.group("number") or match.group("bare"))
        magnitude = match.group("magnitude") or match.group("bare_magnitude") or ""
        if number is None:
            continue
        if match.group("unit") == "w":
            magnitude = "万"
        number *= {"万": 1e4, "亿": 1e8, "千": 1e3, "百": 1e2}.get(magnitude, 1.0)
        found.append((number, match.start(), match.end()))
    return found


def _forms(word: str) -> tuple[str, ...]:
    """The word and how the lexicon lets a document say it (synonyms, the official terms)."""
    forms = [word]
    for concept in lexicon.question_concepts(word):
        if concept.surface == word:  # not the parts of a longer word (居民 of 港澳居民)
            forms += [form for form in concept.forms if len(form) > 1]
    return tuple(dict.fromkeys(forms))


def _abbreviates(word: str, text: str) -> bool:
    """Whether the text holds the word's characters in order, starting with its first (技改 in
    技术改造, 社保 in 社会保险): how Chinese abbreviates a name."""
    position = text.find(word[:1])
    if position < 0 or len(word) < 2:
        return False
    for character in word[1:]:
        position = text.find(character, position + 1)
        if position < 0:
            return False
    return True


def _clause_before(text: str, end: int) -> str:
    return _CLAUSE.split(text[:end])[-1]


def _qualifier(text: str, start: int) -> str:
    """The content word right before a benefit head, in its clause (育儿 in 育儿补贴), or ''."""
    before = _clause_before(text, start)
    before = _AMOUNT.sub(" ", before)  # 一万元补贴: the amount is the benefit's other part
    tokens = lexical.tokenize(before, guess_words=False) if before.strip() else []
    if not tokens or not before.rstrip().endswith(tokens[-1]):
        return ""
    word = tokens[-1]
    plain = len(word) < 2 or word in _word_lists()["plain"] or word in lexicon.generic_words()
    return "" if plain or word.isdigit() else word


def _benefits(text: str, ignore: tuple[str, ...]) -> list[Premise]:
    """The benefits a question names by the words before their head and/or an amount beside it."""
    found: list[Premise] = []
    money = [
        (value, a, b)
        for value, a, b in amounts(text)
        if not any(mark in _clause_before(text, a) for mark in _OWN_CASE)  # 我月薪一万元: their case
    ]
    for match in _head_pattern().finditer(text):
        start, end = match.span()
        qualifier = _qualifier(text, start)
        amount = next(
            (
                (value, a, b)
                for value, a, b in money
                if (0 <= start - b <= AMOUNT_WINDOW or 0 <= a - end <= AMOUNT_WINDOW)
                and not _CLAUSE.search(text[min(b, start) : max(a, end)])
            ),
            None,
        )
        if not qualifier and not amount:
            continue
        span = (
            min(start - len(qualifier), amount[1] if amount else start),
            max(end, amount[2] if amount else end),
        )
        rest = text[: span[0]] + " " + text[span[1] :]
        topical = any(
            c.weight >= TOPIC_WEIGHT and len(c.surface) > 1 and c.surface not in _word_lists()["plain"]
            for c in lexicon.question_concepts(rest, ignore)
        )
        found.append(
            Premise(
                "benefit",
                text[span[0] : span[1]].strip(),
                _forms(qualifier) if qualifier else (),
                match.group(),
                amount[0] if amount else None,
                bare=not qualifier and not topical,
            )
        )
    return found


@lru_cache(maxsize=1)
def _head_pattern() -> re.Pattern[str]:
    """Benefit heads, the longest first (优待证 before 证)."""
    heads = sorted(_word_lists()["benefit"], key=len, reverse=True)
    return re.compile("|".join(map(re.escape, heads)))


def _listed(text: str, kind: PremiseKind) -> list[Premise]:
    """Listed words (groups, operations) the question names, not negated, the longest where they overlap."""
    words = [w for w in _word_lists()[kind] if w in text]
    found = []
    for word in words:
        if any(word != other and word in other for other in words):
            continue  # 军人 inside 退役军人
        position = text.find(word)
        clause = _clause_before(text, position)
        if any(text[max(0, position - 4) : position].endswith(n) for n in _NEGATION):
            continue  # 我不是大学生
        own = any(mark in clause for mark in _OWN_CASE + _HOUSEHOLD)
        after = _CLAUSE.split(text[position + len(word) :])[0][:6]
        asking = any(verb in text[max(0, position - 12) : position] for verb in _ASKING)
        if kind == "operation" and (
            (own and not asking) or any(mark in clause for mark in _DONE) or "了" in after
        ):
            continue  # 已经解除劳动合同了: what happened to the citizen, not what is asked (我想注销… is asked)
        found.append(Premise(kind, word, _forms(word), circumstance=own))
    return found


@lru_cache(maxsize=2048)
def premises_of(question: str, ignore: tuple[str, ...] = ()) -> tuple[Premise, ...]:
    """The premises of a question; ``ignore``: names that are no premise (the service region's)."""
    text = lexicon.normalise(question)
    premises = [Premise("year", year + "年", (year,)) for year in dict.fromkeys(_YEAR.findall(text))]
    for match in _QUOTED.finditer(text):
        name = next(group for group in match.groups() if group)
        stripped = name
        for region in ignore:
            stripped = stripped.replace(lexicon.normalise(region), "")
        if len(stripped.strip()) >= 2:
            premises.append(Premise("name", name, (stripped.strip(),)))
    premises += _benefits(text, ignore)
    premises += _listed(text, "group") + _listed(text, "operation")
    return tuple(dict.fromkeys(premises))


def states(premise: Premise, text: str, asked: str = "") -> bool:
    """Whether a folded text states the premise (``asked``: the folded question, for a bare
    benefit). A benefit: the text names it (its words shortly before its head) and, when the
    question gives an amount, one sentence has the head with that amount."""
    if premise.kind != "benefit":
        return any(form in text for form in premise.forms)
    sentences = _SENTENCE.split(text)
    if premise.forms and not any(_names_benefit(premise, sentence) for sentence in sentences):
        return False
    return premise.amount is None or any(_states_amount(premise, s, asked) for s in sentences)


def _names_benefit(premise: Premise, sentence: str) -> bool:
    for match in re.finditer(re.escape(premise.head), sentence):
        before = sentence[max(0, match.start() - QUALIFIER_WINDOW - 4) : match.start()]
        if any(form in before for form in premise.forms) or _abbreviates(premise.forms[0], before):
            return True
    return False


def _states_amount(premise: Premise, sentence: str, asked: str) -> bool:
    """Whether the sentence gives the premise's benefit that amount: in the head's clause or the
    next one (给予补助，单个项目最高300万元), and the head not one of another benefit (the
    question's 场地租金补贴 is not the 创业补贴 of the same sentence). In a text that names the
    benefit, a sentence with the amount and no benefit head is about it too (高龄津贴每月发多少？
    …90周岁至99周岁每人每月300元)."""
    if premise.forms and not _head_pattern().search(sentence):
        return any(abs(value - (premise.amount or 0.0)) < 0.5 for value, _, _ in amounts(sentence))
    for match in re.finditer(re.escape(premise.head), sentence):
        clauses = _CLAUSE.split(sentence[match.start() :])
        near = _clause_before(sentence, match.start()) + "，".join(clauses[:2])
        if not any(abs(value - (premise.amount or 0.0)) < 0.5 for value, _, _ in amounts(near)):
            continue
        if _is_the_asked_benefit(premise, _qualifier(sentence, match.start()), asked):
            return True
    return False


def _is_the_asked_benefit(premise: Premise, named: str, asked: str) -> bool:
    """Whether a head the text names so (``named``: the words before it, '' for none) is the
    question's benefit: the question's words, or, when the question gives none, words the
    question says elsewhere (本科生买房能拿3万元补贴 → 3万元购房补贴)."""
    if not named:
        return True
    if premise.forms:
        return any(form in named or named in form for form in premise.forms) or _abbreviates(
            premise.forms[0], named
        )
    return any(form in asked for form in _forms(named))
