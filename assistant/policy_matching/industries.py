"""国民经济行业分类 (GB/T 4754-2017): sections (门类), divisions (大类) and their names.

Owns parsing industry codes ("C3511" → division 35), code ranges written in policies ("C13-C43",
"G59", or a whole section "C") and the names policies use instead of codes (制造业, 软件和信息技术
服务业 ...). Division numbers 01–97 are unique across sections, so a division alone identifies an
industry; ranges are kept as inclusive (first, last) division pairs. Leaves finding these phrases in
sentences to ``clauses``.
"""

from __future__ import annotations

import re

from assistant.errors import BadInput

SECTIONS: dict[str, tuple[int, int]] = {
    "A": (1, 5),
    "B": (6, 12),
    "C": (13, 43),
    "D": (44, 46),
    "E": (47, 50),
    "F": (51, 52),
    "G": (53, 60),
    "H": (61, 62),
    "I": (63, 65),
    "J": (66, 69),
    "K": (70, 70),
    "L": (71, 72),
    "M": (73, 75),
    "N": (76, 79),
    "O": (80, 82),
    "P": (83, 83),
    "Q": (84, 85),
    "R": (86, 90),
    "S": (91, 96),
    "T": (97, 97),
}
# Names policies write, longest first when matched (食品制造业 before 制造业).
NAMES: dict[str, str] = {
    "农、林、牧、渔业": "A01-A05",
    "农林牧渔业": "A01-A05",
    "采矿业": "B06-B12",
    "制造业": "C13-C43",
    "电力、热力、燃气及水生产和供应业": "D44-D46",
    "建筑业": "E47-E50",
    "批发和零售业": "F51-F52",
    "交通运输、仓储和邮政业": "G53-G60",
    "住宿和餐饮业": "H61-H62",
    "信息传输、软件和信息技术服务业": "I63-I65",
    "金融业": "J66-J69",
    "房地产业": "K70",
    "租赁和商务服务业": "L71-L72",
    "科学研究和技术服务业": "M73-M75",
    "农副食品加工业": "C13",
    "食品制造业": "C14",
    "酒、饮料和精制茶制造业": "C15",
    "纺织业": "C17",
    "石油、煤炭及其他燃料加工业": "C25",
    "化学原料和化学制品制造业": "C26",
    "医药制造业": "C27",
    "通用设备制造业": "C34",
    "专用设备制造业": "C35",
    "汽车制造业": "C36",
    "电气机械和器材制造业": "C38",
    "计算机、通信和其他电子设备制造业": "C39",
    "仪器仪表制造业": "C40",
    "电信、广播电视和卫星传输服务": "I63",
    "互联网和相关服务": "I64",
    "软件和信息技术服务业": "I65",
    "批发业": "F51",
    "零售业": "F52",
    "仓储业": "G59",
    "邮政业": "G60",
    "住宿业": "H61",
    "餐饮业": "H62",
    "研究和试验发展": "M73",
    "专业技术服务业": "M74",
    "科技推广和应用服务业": "M75",
    "水利、环境和公共设施管理业": "N76-N79",
    "居民服务、修理和其他服务业": "O80-O82",
    "卫生和社会工作": "Q84-Q85",
    "文化、体育和娱乐业": "R86-R90",
    "道路运输业": "G54",
    "水上运输业": "G55",
    "航空运输业": "G56",
    "装卸搬运和仓储业": "G59",
    "租赁业": "L71",
    "商务服务业": "L72",
    # Terms policies use that are not class names: 工业 is B+C+D in the statistics, 批发零售 is F.
    "工业企业": "B06-D46",
    "批发零售业": "F51-F52",
    "批发零售企业": "F51-F52",
    "批发企业": "F51",
    "零售企业": "F52",
}
_CODE = re.compile(r"^([A-T])(\d{2})(\d{0,2})$")
_RANGE = re.compile(r"^([A-T])(\d{2})?(?:-([A-T])?(\d{2}))?$")


def division_of(code: str) -> int:
    """The division of a 行业代码 such as C3511 or I65; ``BadInput`` when it is not one."""
    match = _CODE.match(code.strip().upper())
    if not match:
        raise BadInput(f"行业代码“{code}”无效，应为门类字母加2至4位数字，如 C3511、I6513")
    letter, division = match.group(1), int(match.group(2))
    first, last = SECTIONS[letter]
    if not first <= division <= last:
        raise BadInput(f"行业代码“{code}”无效：门类 {letter} 的大类为 {first:02d}–{last:02d}")
    return division


def parse_range(text: str) -> tuple[int, int]:
    """'C13-C43' → (13, 43); 'G59' → (59, 59); 'C' → the whole section."""
    match = _RANGE.match(text.strip().upper().replace("—", "-").replace("－", "-"))
    if not match:
        raise BadInput(f"行业范围“{text}”无效，应写作 C13-C43、G59 或门类字母 C")
    letter, first, _, last = match.groups()
    if first is None:
        return SECTIONS[letter]
    low, high = int(first), int(last or first)
    section_low, section_high = SECTIONS[letter]
    if not section_low <= low <= high <= 97 or low > section_high:
        raise BadInput(f"行业范围“{text}”无效：大类编号超出门类 {letter} 或顺序颠倒")
    return low, high


def parse_ranges(texts: list[str]) -> list[tuple[int, int]]:
    return [parse_range(text) for text in texts]


def section_of(division: int) -> str:
    return next(letter for letter, (low, high) in SECTIONS.items() if low <= division <= high)


def format_range(low: int, high: int) -> str:
    """(13, 43) → 'C13-C43'; (59, 59) → 'G59'."""
    first = f"{section_of(low)}{low:02d}"
    return first if low == high else f"{first}-{section_of(high)}{high:02d}"
