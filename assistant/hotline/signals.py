"""Rule-based signals in a call: urgency, the caller's mood, and request-type cue words.

Urgency here is the safety net: words that mean danger to people (燃气泄漏, 着火, 被困) make a call
紧急 whatever a trained urgency model says, because missing one costs far more than a false alarm.
Sentiment has no labelled data in the deployment's history, so it stays a small lexicon whose
evidence is shown to the agent. The cue words for 咨询 / 投诉求助 / 建言 are offered to the request
type classifier as optional features (measured: ``govassist bench hotline --levers``).

Classifiers live in ``classifier``; this module only matches words.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import numpy as np

URGENT = re.compile(
    r"燃气泄漏|煤气泄漏|漏气|煤气味|燃气味|着火|起火|火灾|冒烟|爆炸|触电|漏电|受伤|晕倒|昏迷|被困|困在|坍塌|塌了|"
    r"溺水|救命|轻生|自杀|中毒|紧急"
)
PRESSING = re.compile(
    r"危险|隐患|塌陷|停水|停电|停气|没有暖气|井盖|积水|拖欠.{0,6}工资|欠薪|流浪|独居老人|马上|今天之内|赶紧"
)
ANGRY = re.compile(
    r"太过分|气死|气愤|愤怒|投诉无门|忍无可忍|强烈要求|严重|再不|一直没人管|没人管|无人管|不作为|敷衍|踢皮球|"
    r"态度(?:很|太|特别|极其)?(?:差|恶劣)|骗|糊弄|好几次|多次反映"
)
ANXIOUS = re.compile(r"着急|急死|急需|担心|害怕|怎么办(?!理)|睡不着|受不了|没法|求求|救救")
PLEASED = re.compile(r"表扬|感谢.{0,10}(?:帮助|解决|处理)|非常满意|很满意|点赞|锦旗")

REQUEST_TYPE_CUES = {
    "咨询": re.compile(
        r"请问|咨询|想问|问一下|怎么办理|如何|哪里|什么时候|多久|需要哪些|需要什么|能不能|可以吗|吗[？?]|[？?]"
    ),
    "投诉求助": re.compile(
        r"投诉|举报|反映|扰民|求助|拖欠|不作为|没人管|无人管|违规|违法|乱收费|严重|尽快处理|派人"
    ),
    "建言": re.compile(r"建议|希望|呼吁|提议|应该|能否|可否|增设|增加|完善|改进|优化|考虑"),
}


def urgency(text: str) -> tuple[str, str]:
    """(紧急 | 较急 | 一般, the words that decided it). Rules only; ``triage`` combines this with
    a trained urgency model when the deployment has urgency labels."""
    match = URGENT.search(text)
    if match:
        return "紧急", match.group()
    match = PRESSING.search(text)
    return ("较急", match.group()) if match else ("一般", "")


def sentiment(text: str) -> tuple[str, str]:
    """(不满 | 焦急 | 满意 | 平和, the words that decided it)."""
    for label, pattern in (("不满", ANGRY), ("焦急", ANXIOUS), ("满意", PLEASED)):
        match = pattern.search(text)
        if match:
            return label, match.group()
    return "平和", ""


def request_type_cue_matrix(texts: Iterable[str]) -> np.ndarray:
    """Per text and request type: cue counts in the whole text, its first and its last 40
    characters (where callers say what they want), each capped at 3 and scaled to 0–1."""
    rows = []
    for text in texts:
        parts = (text, text[:40], text[-40:])
        rows.append(
            [
                min(len(pattern.findall(part)), 3) / 3
                for pattern in REQUEST_TYPE_CUES.values()
                for part in parts
            ]
        )
    return np.asarray(rows, dtype=np.float64).reshape(-1, 3 * len(REQUEST_TYPE_CUES))
