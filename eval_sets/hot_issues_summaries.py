"""A fourth written hot-issues stream, in the words agents file tickets in rather than the callers':
「来电人反映：清溪区安居里二期3栋自昨晚起停水……」. Written last, after every rule and the problem
vocabulary were settled, and scored once: the fresh held-out of the bench.

Its own 示例市 districts and estates (里, 大院, 一期/二期), the formal wording of a ticket summary
(停供, 疑似泄漏, 未及时清运, 困人) beside a caller's words quoted now and then, problems the other
writers did not use (供暖不热, 共享单车乱停), estates of the same name in two districts with the
district left out where the agent did not catch it, repeat calls and groups past midnight. Gold
groups are one problem at one place, reports close in time. Every name is fictional.
"""

from __future__ import annotations

import random
from datetime import timedelta

from eval_sets.hot_issues import START, Call

SEED = 404
DISTRICTS = ("清溪区", "凤岭区", "石门县", "新港区", "金沙区", "河西区")
ESTATES = (
    "安居里",
    "和美里",
    "电厂大院",
    "粮站大院",
    "东苑小区",
    "学苑小区",
    "景福家园",
    "锦华苑",
    "绿景花园",
    "银河湾小区",
    "南坪新村",
    "北辰公寓",
)
PHASES = ("", "", "一期", "二期")
PROBLEMS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("城乡建设/供水供气", ("自来水停供", "家中无水", "停水已超过十小时", "用水中断，未见停水通知")),
    ("城乡建设/供水供气", ("楼道内燃气味道浓重，疑似燃气管道泄漏", "闻到明显的天然气味，担心安全")),
    ("城乡建设/供水供气", ("暖气不热，室温不足十五度", "供暖温度不达标，家中老人受冻")),
    ("城乡建设/市政设施", ("小区停电，至今未恢复供电", "整栋楼断电，电梯也停了")),
    ("城乡建设/市政设施", ("周边路灯损坏，夜间照明缺失", "路灯长时间不亮，出行不便")),
    ("城市管理/噪声扰民", ("附近工地夜间施工，噪音扰民", "夜间有施工机械作业，影响休息")),
    ("城市管理/市容环卫", ("生活垃圾未及时清运，气味难闻", "垃圾收集点满溢，无人处理")),
    ("城乡建设/物业管理", ("电梯故障困人，物业迟迟未到", "电梯频繁停运，物业未维修")),
    ("交通运输/道路交通", ("共享单车乱停放，堵塞人行道", "大量共享单车堆放在门口，影响通行")),
)
OPENERS = ("来电人反映：", "市民来电反映，", "来电人称，", "业主反映：", "")
ENDINGS = ("，请相关部门尽快处理。", "，要求尽快解决。", "，来电人情绪激动，要求回复。", "。")
QUOTES = ("来电人称「家里一滴水都没有」", "来电人称「晚上黑得看不见路」", "来电人称「吵得一夜没睡」", "")


def _place(rng: random.Random, district: str, estate: str) -> str:
    """The place as the agent wrote it: district sometimes missing, a phase or building sometimes added."""
    building = rng.choice(("", "", f"{rng.randint(1, 18)}栋", f"{rng.randint(1, 9)}号楼"))
    phase = rng.choice(PHASES)
    shown = district if rng.random() < 0.75 else ""  # the agent did not catch the district
    return f"{shown}{estate}{phase}{building}"


def _ticket(rng: random.Random, gold: str, at: float, problem: int, district: str, estate: str) -> Call:
    category, ways = PROBLEMS[problem]
    place = _place(rng, district, estate)
    since = rng.choice(("", "自昨晚起", "从今天凌晨开始", "近两小时"))
    quote = rng.choice(QUOTES) if rng.random() < 0.2 else ""
    body = f"{rng.choice(OPENERS)}{place}{since}{rng.choice(ways)}"
    text = body + (f"，{quote}" if quote else "") + rng.choice(ENDINGS)
    return Call(gold, START + timedelta(minutes=at), text, category, place)


def stream(seed: int = SEED, groups: int = 55, background: int = 550) -> list[Call]:
    """A day and the night after: ``groups`` known groups with their hard neighbours and
    ``background`` singletons."""
    rng = random.Random(seed)
    calls: list[Call] = []
    busy: list[tuple[int, str, str, float]] = []

    def group(gold: str, problem: int, district: str, estate: str, start: float) -> None:
        size = min(35, 3 + int(rng.expovariate(1 / 7)))
        spread = rng.uniform(15, 110)
        busy.append((problem, district, estate, start))
        calls.extend(
            _ticket(rng, gold, start + rng.uniform(0, spread), problem, district, estate) for _ in range(size)
        )

    for number in range(groups):
        problem, district, estate = rng.randrange(len(PROBLEMS)), rng.choice(DISTRICTS), rng.choice(ESTATES)
        start = rng.uniform(0, 27 * 60)
        group(f"s{number}", problem, district, estate, start)
        twist = rng.random()
        same = [n for n, p in enumerate(PROBLEMS) if p[0] == PROBLEMS[problem][0] and n != problem]
        if twist < 0.25 and same:  # another problem of its category at the same place and time
            group(f"s{number}-same-category", rng.choice(same), district, estate, start)
        elif twist < 0.45:  # the same estate name in another district
            other = rng.choice([d for d in DISTRICTS if d != district])
            group(f"s{number}-twin", problem, other, estate, start + rng.uniform(-25, 25))
        elif twist < 0.6:  # the same problem at the same place the next evening
            group(f"s{number}-again", problem, district, estate, start + rng.uniform(20 * 60, 26 * 60))
    number = 0
    while number < background:
        problem, district, minute = (
            rng.randrange(len(PROBLEMS)),
            rng.choice(DISTRICTS),
            rng.uniform(0, 48 * 60),
        )
        estate = (
            rng.choice(ESTATES)
            if rng.random() < 0.3
            else rng.choice(ESTATES)[:2] + rng.choice(("雅居", "嘉园"))
        )
        if any(p == problem and e == estate and abs(at - minute) < 360 for p, _, e, at in busy):
            continue  # it would be one of that group's reports
        calls.append(_ticket(rng, f"b{number}", minute, problem, district, estate))
        busy.append((problem, district, estate, minute))
        number += 1
    calls.sort(key=lambda call: call.created_at)
    return calls
