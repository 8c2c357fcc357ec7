"""Facts of a policy text that are not conditions: 受理部门, application window, award, materials.

Owns: the handling department (an organisation name, 示例市……局/委员会/办公室/中心, taken from the line
that says it most directly: 受理/报送/提交 before 组织实施/负责 before 负责解释 before 联系方式),
the application window (a date range, or only its end: 截止……、于……前; never a 施行/有效期 date),
the maximum award of a benefit sentence (amounts in the benefit part only, and not those written as
a threshold: 超过5亿元的, 不低于……, ……以上), and the materials list. Leaves deciding which lines
belong to which item to ``extraction``.
"""

from __future__ import annotations

import re
from datetime import date

from assistant.policy_matching.clauses import normalise
from assistant.policy_matching.outline import NUMBERING

# A place (示例市, 示例市临港区), then the office up to its first 局/委员会/办公室/厅; a 局 under a
# 管理委员会 is kept (……管理委员会经济发展局), an office under a 局 (……局产业发展科) is not.
_ORGANISATION = re.compile(
    r"(?:(?<=[由向为送至到交和同：:，,。；])|^)(?![由向为送至到交和同])[\u4e00-\u9fff]{2,4}?[省市县区](?:[\u4e00-\u9fff]{1,6}?区)?"
    r"[\u4e00-\u9fff]{1,16}?(?:局|委员会|办公室|厅|中心)(?:(?<=委员会)(?!会同)[\u4e00-\u9fff]{2,8}?局)?"
)
_DEPARTMENT_CUES = [
    re.compile(r"受理|报送|提交|提出申请|递交"),
    re.compile(r"组织实施|负责[^。]{0,12}(?:管理|审核|实施|申报)"),
    re.compile(r"解释"),
    re.compile(r"联系|咨询|电话"),
]
WINDOW_CUE = re.compile(
    r"申报时间|受理时间|申请时间|申报期限|申报时限|截止|提出申请|提交申请|报送|前将|申报工作"
)
_NOT_WINDOW = re.compile(r"施行|有效期|印发之日|发布之日|开工|竣工|成立")
_DATE_RANGE = re.compile(
    r"(\d{4})年(\d{1,2})月(\d{1,2})日[^。；\d]{0,4}?(?:至|到|-|~)(?:(\d{4})年)?(\d{1,2})月(\d{1,2})日"
)
_DATE_END = re.compile(r"(?:截止|于|至|止于)[^。；\d]{0,6}?(\d{4})年(\d{1,2})月(\d{1,2})日")
_AMOUNT = re.compile(r"(\d+(?:\.\d+)?)(万元|亿元|元)")
_THRESHOLD_BEFORE = re.compile(r"(?:达到|不低于|不少于|超过|突破|高于|满|在)$")
_THRESHOLD_AFTER = re.compile(r"^(?:及?以上|及?以下|的)")
_PER_UNIT = re.compile(
    r"每(?!家|个企业|户企业)[\u4e00-\u9fff]{1,3}"
)  # 每人1500元: a rate; 每家 is per applicant
# Where a benefit sentence's "对……的" part ends: a comma before what is granted (……经营主体，分别奖励……).
_CONDITION_END = re.compile(
    r"，(?=(?:分别|另|再|均)?(?:按|给予|予以|可|一次性|奖励|补助|补贴|资助|贴息|分档|最高|每[件家人户个项]|单个|享受))"
)


def organisation(line: str) -> str:
    """The first organisation name of a line."""
    match = _ORGANISATION.search(re.sub(r"[（(].*?[）)]", "", normalise(line)))
    return match.group(0) if match else ""


def department_rank(line: str) -> int | None:
    """How directly a line names the handling department (0 best), None when it does not."""
    if not organisation(line):
        return None
    return next((rank for rank, cue in enumerate(_DEPARTMENT_CUES) if cue.search(line)), None)


def find_department(lines: list[tuple[str, int | None]]) -> str:
    """The organisation of the best-ranked line, earliest first; each line comes with the rank it
    has when it carries no cue (a line under a 受理部门 heading needs none), None to skip it."""
    best: tuple[int, int, str] | None = None
    for number, (line, fallback) in enumerate(lines):
        name = organisation(line)
        rank = department_rank(line)
        rank = fallback if rank is None else rank
        if name and rank is not None and (best is None or (rank, number) < best[:2]):
            best = (rank, number, name)
    return best[2] if best else ""


def find_window(text: str) -> tuple[date | None, date | None]:
    """The first application window of a text: a date range, or an end date only."""
    for line in normalise(text).splitlines():
        if _NOT_WINDOW.search(line):
            continue
        try:
            if match := _DATE_RANGE.search(line):
                year, month, day, end_year, end_month, end_day = match.groups()
                return date(int(year), int(month), int(day)), date(
                    int(end_year or year), int(end_month), int(end_day)
                )
            if match := _DATE_END.search(line):
                return None, date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
        except ValueError:
            continue
    return None, None


def benefit_part(sentence: str) -> str:
    """What a sentence grants, without its leading "对……的" condition part."""
    if end := _CONDITION_END.search(sentence):
        return sentence[end.end() :]
    if sentence.startswith("对") and "的，" in sentence:
        return sentence.split("的，", 1)[1]
    return sentence


def max_amount(text: str) -> float | None:
    """The largest award in 万元 of a benefit text (condition parts already cut off); amounts written
    as thresholds (超过5亿元的) or as a rate (每人1500元) do not count."""
    amounts = []
    for sentence in re.split(r"(?<=[。；;])", normalise(text)):
        for match in _AMOUNT.finditer(sentence):
            before, after = sentence[max(0, match.start() - 6) : match.start()], sentence[match.end() :]
            awarded = "最高" in before or before.endswith(("不超过", "最多", "不高于"))  # a cap
            if not awarded and (
                _THRESHOLD_BEFORE.search(before) or _THRESHOLD_AFTER.match(after) or _PER_UNIT.search(before)
            ):
                continue
            amounts.append(float(match.group(1)) * {"亿元": 10000, "元": 0.0001}.get(match.group(2), 1))
    return round(max(amounts), 4) if amounts else None


def find_materials(text: str) -> list[str]:
    lines = [line for line in text.splitlines() if re.match(r"^\d+[.、．]", line)]
    if not lines and (listed := re.search(r"(?:包括|如下|材料)[：:](.+)", text)):
        lines = re.split(r"[、；;]", listed.group(1))
    return [NUMBERING.sub("", line).strip().rstrip("。；;") for line in lines if line.strip()]
