"""The typed vocabulary of eligibility: condition kinds, operators, decisions, support items.

Owns the data types every other policy-matching module speaks (``Condition``, ``PolicyItem``),
the Chinese labels shown to staff and enterprises, and ``validate_condition``, which checks a
condition written by hand (a staff edit) and says in Chinese what is accepted. Leaves finding
conditions in text to ``clauses`` and deciding them to ``columns``/``matching``.

Units: revenue, assets, tax paid and R&D amount in 万元; import and export volumes in 万美元; R&D
ratio and growth rates in percent; years since registration in whole years; employees and new jobs
in persons. ``credit_record`` names the 失信 list; profiles record only 严重失信主体名单, so a
condition on another list (失信被执行人名单 ...) is always decided unknown.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any, Literal

from assistant.errors import BadInput
from assistant.policy_matching.industries import parse_ranges

ConditionKind = Literal[
    "region",
    "industry",
    "scale",
    "years_registered",
    "revenue",
    "assets",
    "employees",
    "rd_ratio",
    "rd_amount",
    "tax_paid",
    "trade_value",
    "export_value",
    "import_value",
    "export_growth",
    "revenue_growth",
    "new_jobs",
    "qualification",
    "credit_rating",
    "credit_record",
    "free_text",
]
Decision = Literal["met", "not_met", "unknown"]
# Numeric kinds other than years_registered are EnterpriseProfile fields of the same name.
NUMERIC_KINDS: tuple[str, ...] = (
    "years_registered",
    "revenue",
    "assets",
    "employees",
    "rd_ratio",
    "rd_amount",
    "tax_paid",
    "trade_value",
    "export_value",
    "import_value",
    "export_growth",
    "revenue_growth",
    "new_jobs",
)
GROWTH_KINDS: tuple[str, ...] = ("export_growth", "revenue_growth")  # may be negative
PROFILE_LIST = "严重失信主体名单"  # the one 失信 list a profile records
COMPARISONS: tuple[str, ...] = (">=", ">", "<=", "<")
OPERATORS: dict[str, tuple[str, ...]] = {
    "region": ("in",),
    "industry": ("in", "not_in"),
    "scale": ("in",),
    "qualification": ("has_any",),
    "credit_rating": ("in",),
    "credit_record": ("not_listed",),
    "free_text": ("review",),
    **{kind: COMPARISONS for kind in NUMERIC_KINDS},
}
KIND_LABELS: dict[str, str] = {
    "region": "注册地",
    "industry": "所属行业",
    "scale": "企业规模",
    "years_registered": "成立年限",
    "revenue": "上年度营业收入",
    "assets": "资产总额",
    "employees": "从业人员",
    "rd_ratio": "研发费用占营业收入比例",
    "rd_amount": "上年度研发费用",
    "tax_paid": "上年度纳税总额",
    "trade_value": "上年度进出口额",
    "export_value": "上年度出口额",
    "import_value": "上年度进口额",
    "export_growth": "上年度出口额增长率",
    "revenue_growth": "上年度营业收入增长率",
    "new_jobs": "上年度新增就业人数",
    "qualification": "资质认定",
    "credit_rating": "纳税信用等级",
    "credit_record": "失信记录",
    "free_text": "其他条件（需人工核实）",
}
UNITS = {
    "years_registered": "年",
    "revenue": "万元",
    "assets": "万元",
    "employees": "人",
    "rd_ratio": "%",
    "rd_amount": "万元",
    "tax_paid": "万元",
    "trade_value": "万美元",
    "export_value": "万美元",
    "import_value": "万美元",
    "export_growth": "%",
    "revenue_growth": "%",
    "new_jobs": "人",
}
OPERATOR_WORDS = {">=": "不低于", ">": "高于", "<=": "不超过", "<": "低于"}
SCALES: tuple[str, ...] = ("大", "中", "小", "微")
CREDIT_RATINGS: tuple[str, ...] = ("A", "B", "M", "C", "D")
QUALIFICATIONS: tuple[str, ...] = (
    "高新技术企业",
    "科技型中小企业",
    "专精特新中小企业",
    "专精特新“小巨人”企业",
    "农业产业化重点龙头企业",
    "制造业单项冠军企业",
)
# Holding the first implies the second (a 小巨人 has been recognised as 专精特新 first).
QUALIFICATION_IMPLIES = {"专精特新“小巨人”企业": "专精特新中小企业"}


@dataclass(frozen=True)
class Condition:
    """One eligibility condition and the policy sentence it came from."""

    kind: ConditionKind
    operator: str
    value: Any
    sentence: str = ""
    origin: Literal["extracted", "staff"] = "extracted"

    def key(self) -> tuple[str, str, str]:
        """Identity for de-duplication and caching (the sentence does not matter)."""
        value = self.value if not isinstance(self.value, list) else "|".join(self.value)
        return (self.kind, self.operator, str(value))

    def describe(self) -> str:
        """The condition in plain Chinese, e.g. 上年度营业收入不低于2000万元."""
        label = KIND_LABELS[self.kind]
        if self.kind == "free_text":
            return str(self.value)
        if self.kind in NUMERIC_KINDS:
            return f"{label}{OPERATOR_WORDS[self.operator]}{self.value:g}{UNITS[self.kind]}"
        if self.kind == "credit_record":
            return f"未被列入{self.value}"
        joined = "或".join(f"{v}型" if self.kind == "scale" else str(v) for v in self.value)
        if self.kind == "industry" and self.operator == "not_in":
            return f"所属行业不属于{joined}"
        return f"{label}为{joined}"


@dataclass
class PolicyItem:
    """One support item (支持事项) of a policy document, as extracted or reviewed."""

    item_id: str
    title: str
    document_title: str
    source: str
    section: str
    benefit: str = ""
    max_amount_wan: float | None = None
    materials: list[str] = field(default_factory=list)
    window_start: date | None = None
    window_end: date | None = None
    department: str = ""
    region: str = ""
    document_number: str = ""
    conditions: list[Condition] = field(default_factory=list)
    reviewed: bool = False

    def window_status(self, today: date) -> Literal["open", "upcoming", "expired", "unspecified"]:
        if self.window_end is not None and self.window_end < today:
            return "expired"
        if self.window_start is not None and self.window_start > today:
            return "upcoming"
        if self.window_start is None and self.window_end is None:
            return "unspecified"
        return "open"


def _accepted(kind: str) -> str:
    return "、".join(OPERATORS[kind])


def validate_condition(kind: str, operator: str, value: Any, sentence: str = "") -> Condition:
    """A staff-written condition, checked; ``BadInput`` says what is accepted."""
    if kind not in OPERATORS:
        raise BadInput(f"条件类型“{kind}”无效，可选：{'、'.join(OPERATORS)}")
    if operator not in OPERATORS[kind]:
        raise BadInput(f"{KIND_LABELS[kind]}的比较方式“{operator}”无效，可选：{_accepted(kind)}")
    if kind in NUMERIC_KINDS:
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or (value < 0 and kind not in GROWTH_KINDS)
        ):
            expected = "数" if kind in GROWTH_KINDS else "非负数"
            raise BadInput(
                f"{KIND_LABELS[kind]}的取值应为{expected}（单位：{UNITS[kind]}），而不是 {value!r}"
            )
        value = float(value)
    elif kind in ("free_text", "credit_record"):
        if not isinstance(value, str) or not value.strip():
            raise BadInput(f"{KIND_LABELS[kind]}的取值应为非空文字")
    else:
        value = _checked_list(kind, value)
    return Condition(kind, operator, value, sentence, "staff")  # type: ignore[arg-type]


def _checked_list(kind: str, value: Any) -> list[str]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not value or not all(isinstance(v, str) and v.strip() for v in value):
        raise BadInput(f"{KIND_LABELS[kind]}的取值应为非空的文字列表")
    allowed = {"scale": SCALES, "credit_rating": CREDIT_RATINGS, "qualification": QUALIFICATIONS}.get(kind)
    wrong = [v for v in value if allowed is not None and v not in allowed]
    if wrong:
        raise BadInput(f"{KIND_LABELS[kind]}的取值“{'、'.join(wrong)}”无效，可选：{'、'.join(allowed or ())}")
    if kind == "industry":
        parse_ranges(value)
    return [v.strip() for v in value]


def with_sentence(condition: Condition, sentence: str) -> Condition:
    return replace(condition, sentence=sentence)
