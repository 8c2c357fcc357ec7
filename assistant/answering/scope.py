"""Is the question something a government-service assistant should answer from its knowledge base?

Out of scope: small talk and general knowledge; questions that ask for a legal or medical
*judgement* about the person's own case (the assistant can quote rules, not judge cases); requests
for one's own records or the progress of one's own case (the assistant sees neither); and attempts
to change its rules or role (a hostile prompt). Each
out-of-scope answer says where to turn instead. Rules, not a model: they are easy to read and to
extend, and they never block a question the knowledge base can answer (the chain asks them only
after checking for a confident FAQ match).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

_SMALL_TALK = re.compile(
    r"^(你好|您好|hi|hello|在吗|谢谢|再见)[！!。.？?]*$|你是谁|你叫什么|讲个笑话|写一首|作诗|天气(怎么样|如何)|"
    r"股票|彩票|基金.*(涨|跌)|推荐.*(电影|餐厅|美食)|星座|算命",
    re.IGNORECASE,
)
_LEGAL_JUDGEMENT = re.compile(
    r"(官司|诉讼|起诉).*(能赢|会赢|胜算|赢吗)|判(几年|多久)|会不会坐牢|我.*(违法|犯罪)了吗|律师费"
)
# Asking for one's own records or the state of one's own case: the assistant cannot see either.
_PERSONAL_RECORD = re.compile(
    r"(我|我的|我家|我爸|我妈|帮我|给我|替我).{0,16}(进度|到哪一步|到哪步|到哪了|办好了没|办好没|办下来没|批下来没|批了没|审核到|审批到|"
    r"通过了没|通过没|到账了没|到账没|发了没|到了没|交上没|余额|还剩多少|查一下|查查|查下|查询一下|帮我看看|帮我算算|"
    r"(为什么|为啥|咋|怎么).{0,10}(驳回|没通过|不通过|被拒|没批|退回|还没到|没到账|少了))"
)
# Attempts to change the assistant's rules or role, or to make it reveal them (a hostile prompt).
_INJECTION = re.compile(
    r"(忽略|无视|忘记|忘掉|不要管|别管|跳过|绕过)(你的|之前|以上|上面|前面|所有|全部|一切|系统)?.{0,6}(规则|指令|设定|限制|提示|要求|约束)|"
    r"(系统|初始|隐藏)?提示词|system prompt|prompt|ignore (all |the |your )?(previous|above|prior)|"
    r"你现在是|你的新(任务|身份|指令)|扮演|假装你是|假设你是|开发者模式|越狱|不受.{0,4}限制|"
    r"(只|直接)(回答|回复|说)[“\"「]?(对|是|可以|能)[”\"」]?|"
    r"(以下|下面|这)是(新的|最新的?)?(政策|文件|通知|规定|知识).{0,60}(据此|按照这|根据这)|【?系统(消息|通知|指令)】|知识库(已经?)?更新|"
    r"(重复|复述|输出|发给我).{0,12}(第一条|最初|收到的|你的).{0,6}(消息|指令|内容|设定)|"
    r"你(来)?(演|扮|当)(一下|一个)?.{0,12}(话务员|客服|市长|领导|官员|律师|医生)|不管我问(啥|什么)你都",
    re.IGNORECASE,
)
_MEDICAL_JUDGEMENT = re.compile(
    r"(我|孩子|老人|家人).*(得了什么病|是什么病|吃什么药|该吃|要不要手术|严重吗)|诊断|病情"
)


def _data_lines(name: str) -> list[str]:
    text = resources.files("assistant.answering").joinpath("data", name).read_text(encoding="utf-8")
    return [line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")]


@lru_cache(maxsize=1)
def _places() -> tuple[str, ...]:
    return tuple(word for line in _data_lines("places.txt") for word in line.split())


@lru_cache(maxsize=1)
def _handoffs() -> tuple[tuple[str, tuple[str, ...]], ...]:
    return tuple(
        (department, tuple(words.split()))
        for department, _, words in (line.partition("：") for line in _data_lines("handoffs.txt"))
    )


def handoff_department(question: str) -> str:
    """The department a question the knowledge base cannot answer belongs to, from data/handoffs.txt ('' if none)."""
    return next(
        (department for department, words in _handoffs() if any(word in question for word in words)), ""
    )


@dataclass(frozen=True)
class ScopeDecision:
    in_scope: bool
    reason: str = ""
    handoff: str = ""


def classify_scope(
    question: str, hotline: str = "12345", service_regions: tuple[str, ...] = ()
) -> ScopeDecision:
    """In scope unless small talk, a request for a legal/medical judgement, or another place's policy."""
    text = question.strip()
    other = next(
        (p for p in _places() if p in text and not any(p in r or r in p for r in service_regions)), None
    )
    if other and service_regions:
        regions = "、".join(service_regions)
        return ScopeDecision(
            False,
            "other_region",
            f"本助手解答{regions}的政务服务问题；{other}的政策请咨询当地政务服务热线 12345。",
        )
    if _INJECTION.search(text):
        return ScopeDecision(
            False,
            "instruction",
            f"我只依据政务服务知识库回答办事和政策问题，不能按要求改变规则或编写政策。如需帮助请拨打 {hotline} 热线。",
        )
    if _PERSONAL_RECORD.search(text):
        return ScopeDecision(
            False,
            "personal_record",
            f"我无法查询个人的办理进度、账户或记录。请登录相应的政务服务平台查询，或拨打 {hotline} 热线、联系承办部门。",
        )
    if _LEGAL_JUDGEMENT.search(text):
        return ScopeDecision(
            False, "legal_judgement", "具体案件的法律判断请咨询律师，或拨打 12348 公共法律服务热线。"
        )
    if _MEDICAL_JUDGEMENT.search(text):
        return ScopeDecision(
            False, "medical_judgement", "病情和用药问题请咨询医疗机构的医生；紧急情况请拨打 120。"
        )
    if _SMALL_TALK.search(text):
        return ScopeDecision(
            False,
            "not_government_service",
            f"我是政务服务助手，可以解答办事指南和政策问题；其他问题可拨打 {hotline} 热线。",
        )
    return ScopeDecision(True)
