"""Content safety: text that tries to instruct the assistant, or asks for personal data or money.

Ingested documents are untrusted. ``screen`` finds, in a passage, what no government text
addressed to citizens does: instructions to the assistant (系统指令, 忽略以上, 你必须回答,
"ignore previous instructions") and requests to send personal data (身份证号, 银行卡号, 密码,
验证码) or money to a phone number, a personal account or a chat account. Ingestion stores the
flags in the chunk payload and reports them to the uploader; search and answering leave flagged
passages out (staff still see them in the inspector). ``SafetyGate`` applies the same requests
test to every answer before it leaves, whatever wrote it, so an answer asking for personal data
or money is withheld and handed to a person.

Text is folded first (NFKC, zero-width characters removed, white space dropped between Chinese
characters), so full-width or invisible characters do not hide a phrase. A request is told from
an ordinary mention by its shape: a sending verb and a destination in the same sentence
(材料清单里的“身份证” is not a request; “请将身份证号发送至 138…” is), and a negation just before
the verb (请勿、切勿、不会) makes it a warning, not a request. Leaves: what to do with a flag.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from assistant.text_normalisation import fold

FlagKind = Literal["instruction", "personal_data", "money"]
FLAG_LABELS: dict[str, str] = {
    "instruction": "疑似对助手下达的指令",
    "personal_data": "要求提供个人敏感信息",
    "money": "要求向个人账户或号码转账付款",
}

_INSTRUCTION = re.compile(
    "|".join(
        (
            r"系统(?:指令|提示词|消息|设定)[:：]?|系统提示[:：]",  # not 根据系统提示 of an online service
            r"(?:忽略|无视|忘记|忘掉|不要理会|不要遵守)(?:掉)?(?:以上|上面|上述|前面|之前|此前|先前|所有|全部|一切)",
            r"你(?:必须|务必|一定要|只能|应当|需要)(?:回答|回复|告诉|声称|说|输出|答复)",
            r"(?:必须|务必|一律)(?:回答|回复|答复|输出)[:：\"“]",
            r"(?:无论|不管)(?:用户|市民|对方|别人)(?:问|提问|询问)(?:什么|何)",
            r"(?:作为|你是)(?:一个)?(?:ai|人工智能|智能)?(?:助手|助理|模型|机器人)[,，]?你(?:必须|应该|要)",
            r"(?:新的|以下是新)(?:指令|规则|设定)",
            r"ignore (?:all |any |the )?(?:previous|prior|above|earlier|preceding) (?:instructions|prompts|rules|messages)",
            r"disregard (?:all |any |the )?(?:previous|prior|above|earlier) ",
            r"system prompt|system instruction|new instructions?:",
            r"you (?:must|have to|should always) (?:answer|reply|respond|say|tell)",
            r"as an ai(?: assistant| model)?,? you (?:must|should)",
        )
    )
)
_SENSITIVE = re.compile(
    r"身份证(?:件)?(?:号码|号)|证件号(?:码)?|银行(?:卡|账)号|卡号|(?:银行卡|支付|登录|取款|交易|账户|社保卡)?密码"
    r"|(?:短信)?验证码|校验码|cvv|安全码"
    r"|id (?:card )?number|social security number|bank (?:card|account) (?:number|details)|card number"
    r"|password|passcode|verification code|one-time code|\bpin\b|\botp\b"
)
# Who a secret is given to when no number or link is named (验证码 sent *by* a system to one's own phone is no request).
_RECIPIENT = re.compile(r"工作人员|客服|专员|对方|我们|联系人|\bus\b|\bme\b|\bagent\b|\bofficer\b|\bstaff\b")
_SECRET = re.compile(
    r"密码|验证码|校验码|cvv|安全码|password|passcode|verification code|one-time code|\bpin\b|\botp\b"
)
_SEND = re.compile(
    r"发送|发给|发到|发至|发来|寄给|寄至|告知|告诉|透露|提供给|回复|私信|转发|报给|交给|填写到|输入到"
    r"|\bsend\b|\btext\b|\breply\b|\bprovide\b|\bgive\b|\btell\b|\bshare\b|\bforward\b"
)
_MONEY = re.compile(
    r"转账|汇款|打款|转入|汇入|汇至|转至|打到|充值|缴纳|交纳|支付|付款|押金|保证金|手续费|激活费|解冻费|工本费"
    r"|\bwire\b|\btransfer\b|\bpay\b|\bdeposit\b|\bsend money\b"
)
_PHONE = r"(?<!\d)1[3-9]\d{9}(?!\d)"
# 个人账户 alone is the insurance term (医保个人账户); a person's account to pay into comes with its number.
_PERSONAL_ACCOUNT = (
    r"个人(?:银行)?(?:账户|账号|卡)\D{0,6}\d{12,}|私人(?:账户|账号|银行卡)|安全账户|指定(?:的)?个人"
    r"|personal (?:bank )?account|this (?:number|account)"
)
# Where a request sends personal data: a person, not a government service.
_DATA_DESTINATION = re.compile(
    rf"{_PHONE}|{_PERSONAL_ACCOUNT}|微信|\bqq\b|qq号|邮箱|@|链接|网址|https?:|wechat|whatsapp|telegram|e-?mail|this link"
)
# Where a request sends money: a phone number or a person's account (fees paid through 微信/支付宝
# city services are ordinary, so those are not destinations here).
_MONEY_DESTINATION = re.compile(rf"{_PHONE}|{_PERSONAL_ACCOUNT}")
# A negation in the same clause shortly before the verb: a warning (请勿将验证码告知他人), not a request.
_NEGATION = re.compile(
    r"(?:不会|不要|切勿|请勿|勿|谨防|严禁|不得|禁止|绝不|从不|防止|警惕|never|do not|don't|not)[^,，、:：]{0,8}$"
)
_REACH = 20  # characters between a request's verb and what it asks for, or where to send it
_SENTENCE = re.compile(r"[^。！？!?；;\n]+")
_CJK_SPACE = re.compile(r"(?<=[\u3000-\u9fff\uff00-\uffef])\s+|\s+(?=[\u3000-\u9fff\uff00-\uffef])")


@dataclass(frozen=True)
class Flag:
    kind: FlagKind
    evidence: str  # the words that raised it, as folded

    @property
    def label(self) -> str:
        return f"{FLAG_LABELS[self.kind]}（“{self.evidence}”）"


def matching_form(text: str) -> str:
    """The form phrases are looked for in: folded, lower-case, no white space beside Chinese."""
    return _CJK_SPACE.sub("", fold(text).lower())


def _unnegated(pattern: re.Pattern[str], sentence: str) -> list[re.Match[str]]:
    return [
        m
        for m in pattern.finditer(sentence)
        if not _NEGATION.search(sentence[max(0, m.start() - 12) : m.start()])
    ]


def _near(pattern: re.Pattern[str], sentence: str, verb: re.Match[str], before: int) -> re.Match[str] | None:
    """``pattern`` close to the verb: a request names what and where beside 发送/转账, while a long
    sentence mentioning a number and an ID card far apart (a contact line, a form) is no request."""
    scale = 3 if sentence.isascii() else 1  # English spends about three letters where Chinese spends one
    return pattern.search(sentence[max(0, verb.start() - before * scale) : verb.end() + _REACH * scale])


def _asks_for_it(sentence: str, verb: re.Match[str]) -> bool:
    """A secret handed to someone: 回复/reply (to the sender), or a person named after the verb."""
    return verb.group() in ("回复", "reply") or _near(_RECIPIENT, sentence, verb, 0) is not None


def _requests(sentence: str) -> list[Flag]:
    flags: list[Flag] = []
    for send in _unnegated(_SEND, sentence):
        sensitive = _near(_SENSITIVE, sentence, send, _REACH)
        if sensitive and (
            _near(_DATA_DESTINATION, sentence, send, 2)
            or _SECRET.search(sensitive.group())
            and _asks_for_it(sentence, send)
        ):
            flags.append(Flag("personal_data", sensitive.group()))
            break
    for money in _unnegated(_MONEY, sentence):
        destination = _near(_MONEY_DESTINATION, sentence, money, _REACH)
        if destination:
            flags.append(Flag("money", f"{money.group()}…{destination.group()}"))
            break
    return flags


def requests_in(text: str) -> list[Flag]:
    """Requests for personal data or money in ``text``, one per kind and sentence."""
    return [flag for sentence in _SENTENCE.findall(matching_form(text)) for flag in _requests(sentence)]


def screen(text: str) -> list[Flag]:
    """Everything in a passage that must not reach a citizen unreviewed."""
    form = matching_form(text)
    flags = [Flag("instruction", match.group().rstrip(':："“ ')) for match in _INSTRUCTION.finditer(form)]
    return list(dict.fromkeys(flags + requests_in(text)))


class SafetyGate:
    """Lets an answer's checked sentences out while none asks for personal data or money; once
    one does, nothing more is let out (the final answer is withheld)."""

    def __init__(self) -> None:
        self.tripped = False

    def check(self, sentences: str) -> str:
        """Whole sentences, let out when none asks for personal data or money ('' once one has)."""
        if not self.tripped and sentences and requests_in(sentences):
            self.tripped = True
        return "" if self.tripped else sentences
