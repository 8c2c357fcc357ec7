"""Is the question something a government-service assistant should answer from its knowledge base?

Out of scope: small talk and general knowledge, and questions that ask for a legal or medical
*judgement* about the person's own case (the assistant can quote rules, not judge cases). Each
out-of-scope answer says where to turn instead. Rules, not a model: they are easy to read and to
extend, and they never block a question the knowledge base can answer (the chain asks them only
after checking for a confident FAQ match).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

_SMALL_TALK = re.compile(
    r"^(你好|您好|hi|hello|在吗|谢谢|再见)[！!。.？?]*$|你是谁|你叫什么|讲个笑话|写一首|作诗|天气(怎么样|如何)|"
    r"股票|彩票|基金.*(涨|跌)|推荐.*(电影|餐厅|美食)|星座|算命",
    re.IGNORECASE,
)
_LEGAL_JUDGEMENT = re.compile(r"(官司|诉讼|起诉).*(能赢|会赢|胜算|赢吗)|判(几年|多久)|会不会坐牢|我.*(违法|犯罪)了吗|律师费")
_MEDICAL_JUDGEMENT = re.compile(r"(我|孩子|老人|家人).*(得了什么病|是什么病|吃什么药|该吃|要不要手术|严重吗)|诊断|病情")


@lru_cache(maxsize=1)
def _places() -> tuple[str, ...]:
    lines = (Path(__file__).parent / "data" / "places.txt").read_text(encoding="utf-8").splitlines()
    return tuple(word for line in lines if not line.startswith("#") for word in line.split())


@dataclass(frozen=True)
class ScopeDecision:
    in_scope: bool
    reason: str = ""
    handoff: str = ""


def classify_scope(question: str, hotline: str = "12345", service_regions: tuple[str, ...] = ()) -> ScopeDecision:
    """In scope unless small talk, a request for a legal/medical judgement, or another place's policy."""
    text = question.strip()
    other = next((p for p in _places() if p in text and not any(p in r or r in p for r in service_regions)), None)
    if other and service_regions:
        regions = "、".join(service_regions)
        return ScopeDecision(
            False, "other_region", f"本助手解答{regions}的政务服务问题；{other}的政策请咨询当地政务服务热线 12345。"
        )
    if _LEGAL_JUDGEMENT.search(text):
        return ScopeDecision(
            False, "legal_judgement", "具体案件的法律判断请咨询律师，或拨打 12348 公共法律服务热线。"
        )
    if _MEDICAL_JUDGEMENT.search(text):
        return ScopeDecision(False, "medical_judgement", "病情和用药问题请咨询医疗机构的医生；紧急情况请拨打 120。")
    if _SMALL_TALK.search(text):
        return ScopeDecision(
            False, "not_government_service", f"我是政务服务助手，可以解答办事指南和政策问题；其他问题可拨打 {hotline} 热线。"
        )
    return ScopeDecision(True)
