"""Ticket fields read out of a call transcript, each with the span of the transcript it came from.

Fields (named as in ``tickets.TICKET_FIELDS``): ``caller_name``, ``callback_number``,
``address``, ``event_time``, ``service_item`` (the matter, 事项) and ``request`` (what the caller
wants, 诉求). Patterns only: they are fast enough to rerun on every live segment and every value
can be shown with the words it was read from, so the agent can check it. ``text[start:end] ==
value`` always holds. An optional LLM could do better on rambling calls; that is not here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.answering import grounding
from assistant.privacy import PersonalDataSpan, find_personal_data

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜"
    "崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
_NAME = re.compile(
    rf"(?:我叫|我是|本人|名字叫)([{SURNAMES}][\u4e00-\u9fff]{{1,2}}?)(?=[，。,\s]|$|，|电话|手机|住|家)"
    rf"|(?:我|免贵)姓([{SURNAMES}](?:先生|女士|小姐|师傅)?)"
    rf"|([{SURNAMES}](?:先生|女士|小姐|师傅|阿姨|大爷))"
)
_F = r"[^\W\d_的了在是我你他她住到从去和与把被给让说有这那个们就都也还很太每]"
_ADMIN = rf"(?:{_F}{{1,6}}?(?:省|市|(?<!小)区|县|镇|乡|街道))"  # 幸福小区 is no district
_KINDS = [
    "小区",
    "花园",
    "家园",
    "苑",
    "公寓",
    "大厦",
    "大院",
    "广场",
    "社区",
    "村",
    "医院",
    "学校",
    "小学",
    "中学",
    "幼儿园",
    "商场",
    "超市",
    "市场",
    "公园",
]
# 路 ends a road's name, unless it is walking (晚上走路, 看不见路), the first half of 路灯, or the road
# outside an estate or its gate (幸福小区路口, 和平花园北门路边, 凤凰新村里面路口: the estate is the place).
_AFTER_ESTATE = "".join(f"(?<!{kind})" for kind in (*_KINDS, "门", "面"))
_ROAD_END = (
    rf"(?:大道|大街|(?<![走过修让带赶绕见])(?:{_AFTER_ESTATE}路(?!灯)|路(?![边口上面段旁灯]))|街|巷|胡同)"
)
_ROAD = rf"(?:{_F}{{1,8}}?{_ROAD_END}(?:\d+号)?)"
# An estate's own name may hold 和 (和平小区, 颐和苑); 和 right after a place joins two (``_address_spans``).
# 广场舞 is a dance, not a square.
_PLACE = rf"(?:[{_F[1:-1].replace('和', '')}\d]{{2,10}}?(?:{'|'.join(_KINDS)})(?!舞))"
_LANDMARK = re.compile(
    "(?:医院|学校|小学|中学|幼儿园|商场|超市|市场|公园)$"
)  # where callers say they live by
_UNIT = r"(?:\d+(?:号楼|栋|单元|号|室|层))"
_ADDRESS = re.compile(rf"{_ADMIN}*(?:{_ROAD}{_PLACE}?|{_PLACE}){_UNIT}*|{_ADMIN}{{2,}}")
_DAY = (
    r"(?:今天|昨天|前天|今晚|昨晚|上周[一二三四五六日天]?|上个月|这几天|这两天|最近(?:[一两几]个?)?(?:月|周|星期|天)?|每天|每晚|"
    r"\d{4}年\d{1,2}月(?:\d{1,2}[日号])?|\d{1,2}月\d{1,2}[日号]|[一二三四五六七八九十]{1,2}月[一二三四五六七八九十]{1,3}[日号])"
)
_PART = r"(?:一大早|一早|早上|上午|中午|下午|傍晚|晚上|夜里|半夜|凌晨)"
_CLOCK = r"(?:\d{1,2}|[一二两三四五六七八九十]{1,3})[点时](?:\d{1,2}分|半|多)?(?:左右)?"
# A clock time in Chinese numerals alone is too often not one (我的一点建议): only after a day or part.
_BARE_CLOCK = (
    r"\d{1,2}[点时](?:\d{1,2}分|半|多)?(?:左右)?|[一二两三四五六七八九十]{1,3}点(?:多|半|钟)(?:左右)?"
)
_TIME = re.compile(rf"{_DAY}{_PART}?(?:{_CLOCK})?|{_PART}(?:{_CLOCK})?|{_BARE_CLOCK}")
_CLAUSE = re.compile(r"[^，,。！？!?；;\n]+")
_SENTENCE_END = frozenset("。！？!?；;\n")
_INTRO = re.compile(
    r"^(?:喂|您好|你好|领导|尊敬的|我想反映|我要反映|我想咨询一下$|我是|我姓|我叫|本人|我家住|我住在|家住|我的电话|电话|手机|联系电话|谢谢|麻烦了)"
)
_REQUEST = re.compile(
    r"希望|要求|请求|请(?!问)|麻烦|帮忙|尽快|能不能|能否|建议|想问|想咨询|请问|怎么办|求助|呼吁"
)
# What the agent says from the centre's scripts (开场白、询问、结束语). A mono recording does not
# tell the speakers apart, so these clauses are known as the agent's by their wording alone; they
# are neither the caller's matter nor the caller's request (「请保持电话畅通」 has a 请 in it).
_AGENT_SCRIPT = re.compile(
    r"^(?:您好|你好)?(?:这里是)?[^，,。？?！!]{0,16}热线$|为您服务|有什么(?:可以|能|需要)?(?:帮|为)(?:您|你)"
    r"|(?:您|你)贵姓|怎么称呼"
    r"|^(?:那)?(?:您|你)(?:希望|需要我们|的诉求|还有|看还有|反映的|说的是)"
    r"|还有(?:什么|其他|别的)(?:问题|需要|诉求|事情?)(?:需要反映)?(?:吗|没有)"
    r"|(?:^|我们)(?:这边)?(?:会|将|马上|尽快)(?:尽快|马上)?(?:为您)?(?:转交|转给|转到|反馈|联系|安排|记录|派单|通知|核实|跟进)"
    r"|^(?:我们)?(?:明白|了解|清楚)了$|请问您(?!这边|能|可以|们)"
    r"|(?:已经?|我们)(?:为您)?(?:记录|登记|受理)(?:下来)?了|保持(?:电话|手机)畅通|感谢(?:您的)?(?:来电|致电)"
    rf"|^[{SURNAMES}](?:先生|女士|小姐|师傅|阿姨)(?:您)?好|请(?:您)?(?:稍等|放心)|为您(?:转接|查询|登记)"
)
PUNCTUATED_CLAUSE = re.compile(r"[^，,。！？!?；;\n]+[，,。！？!?；;]*")  # a clause with the marks after it


def is_agent_script(clause: str) -> bool:
    """Whether a clause is one of the agent's scripted lines (greeting, asking for details, closing)."""
    return bool(_AGENT_SCRIPT.search(clause.strip().rstrip("，,。！？!?；;")))


def caller_words(transcript: str) -> str:
    """What the caller said: a two-speaker transcript without the agent's (坐席：) lines; in every
    other line, the agent's scripted clauses left out (a mono recording mixes both speakers)."""
    lines = (line for line in transcript.splitlines() if not line.lstrip().startswith(("坐席：", "坐席:")))
    return "\n".join(
        PUNCTUATED_CLAUSE.sub(lambda clause: "" if is_agent_script(clause.group()) else clause.group(), line)
        for line in lines
    )


_COURTESY = re.compile(
    r"^(?:谢谢|谢谢你们|麻烦了|麻烦你们了|辛苦了|嗯|啊|哦|好的|对|是的|(?:这是我的)?一点(?:小)?建议)$"
)


@dataclass(frozen=True)
class ExtractedField:
    name: str
    value: str
    start: int
    end: int


@dataclass(frozen=True)
class _Clause:
    start: int
    end: int
    text: str
    sentence: int


def _first_group(match: re.Match[str]) -> tuple[str, int]:
    group = next(g for g in range(1, (match.re.groups or 0) + 1) if match.group(g))
    return match.group(group), match.start(group)


def caller_name(text: str) -> ExtractedField | None:
    match = _NAME.search(text)
    if not match:
        return None
    value, start = _first_group(match)
    return ExtractedField("caller_name", value, start, start + len(value))


def callback_number(text: str) -> ExtractedField | None:
    """The phone number the caller gave, preferring one announced as such (电话是 ...)."""
    phones = [span for span in find_personal_data(text) if span.kind in ("mobile", "landline")]
    if not phones:
        return None
    announced = [
        p
        for p in phones
        if re.search(r"电话|手机|号码|联系|回电|打给|拨", text[max(0, p.start - 8) : p.start])
    ]
    chosen = (announced or phones)[0]
    return ExtractedField("callback_number", chosen.text, chosen.start, chosen.end)


def _address_spans(text: str) -> list[tuple[int, int]]:
    """Every address named, as (start, end); a 和 straight after another address is the word joining
    the two (幸福小区和阳光花园), not the first character of the second's name, and a time leading
    the address is the caller's, not the place's."""
    spans: list[tuple[int, int]] = []
    for match in _ADDRESS.finditer(text):
        start = match.start()
        if spans and start == spans[-1][1] and text[start] == "和":
            start += 1
        for when in _TIME.finditer(text, start, match.end()):  # 今天一早桥西大街, 每天晚上颐和公寓
            if when.start() <= start + 1:
                start = when.end()
        if match.end() - start >= 3:
            spans.append((start, match.end()))
    return spans


def address(text: str) -> ExtractedField | None:
    """The most specific place named (a road or estate beats a bare district, an estate the landmark
    a caller places it by: 人民医院对面的樱花苑 is 樱花苑)."""
    spans = _address_spans(text)
    if not spans:
        return None

    def specificity(span: tuple[int, int]) -> tuple[int, int, int]:
        value = text[span[0] : span[1]]
        parts = sum(bool(re.search(pattern, value)) for pattern in (_ROAD, _PLACE, _UNIT))
        return parts, not _LANDMARK.search(value), len(value)

    start, end = max(spans, key=specificity)
    return ExtractedField("address", text[start:end], start, end)


def names_and_addresses(text: str, names: bool = True, addresses: bool = True) -> list[PersonalDataSpan]:
    """Every mention of a caller's name and of an address, for masking (``privacy.mask_personal_data``)."""
    spans = []
    if names:
        for match in _NAME.finditer(text):
            value, start = _first_group(match)
            spans.append(PersonalDataSpan("name", start, start + len(value), value))
    if addresses:
        spans += [
            PersonalDataSpan("address", start, end, text[start:end]) for start, end in _address_spans(text)
        ]
    return spans


def event_time(text: str) -> ExtractedField | None:
    match = _TIME.search(text)
    return ExtractedField("event_time", match.group(), match.start(), match.end()) if match else None


def _clauses(text: str) -> list[_Clause]:
    clauses, sentence = [], 0
    for match in _CLAUSE.finditer(text):
        stripped = match.group().strip()
        if stripped:
            start = match.start() + match.group().index(stripped)
            clauses.append(_Clause(start, start + len(stripped), stripped, sentence))
        if match.end() < len(text) and text[match.end()] in _SENTENCE_END:
            sentence += 1
    return clauses


def _span(text: str, name: str, clauses: list[_Clause]) -> ExtractedField:
    start, end = clauses[0].start, clauses[-1].end
    return ExtractedField(name, text[start:end], start, end)


def matter_and_request(text: str) -> list[ExtractedField]:
    """The matter: the first clauses that are not greetings, introductions, the agent's scripted
    lines or instructions to a model, up to the end of their sentence and before the request. The request: from the last clause with a request word
    (希望, 请, 建议, 请问 ...) to the end of its sentence, courtesies dropped."""
    clauses = [c for c in _clauses(text) if not _COURTESY.match(c.text)]
    content = [
        c
        for c in clauses
        if not _INTRO.match(c.text)
        and not find_personal_data(c.text)
        and not is_agent_script(c.text)
        and not grounding.is_instruction(c.text)
    ]
    fields: list[ExtractedField] = []
    cues = [i for i, c in enumerate(content) if _REQUEST.search(c.text)]
    request: list[_Clause] = []
    if cues:
        first = cues[-1]
        while first > 0 and content[first - 1].sentence == content[first].sentence and first - 1 in cues:
            first -= 1
        request = [c for c in content[first:] if c.sentence == content[first].sentence]
    if content:
        head = content[0]
        matter = [c for c in content if c.sentence == head.sentence and c not in request] or [head]
        fields.append(_span(text, "service_item", matter))
    if request:
        fields.append(_span(text, "request", request))
    return fields


def extract_fields(text: str) -> list[ExtractedField]:
    """Every field found, in a fixed order; a field not in the text is left out."""
    found = [caller_name(text), callback_number(text), address(text), event_time(text)]
    return [f for f in found if f is not None] + matter_and_request(text)
