"""The hot-issues bench: a written 示例市 ticket stream with known groups, and how grouping is scored.

``stream(seed)`` writes one day of calls: groups of 3–40 callers reporting one problem at one
place within an hour or two, worded many ways (the place with or without district, road, building
or unit; the problem in several phrasings; greetings, names, numbers and requests around it), and
what makes grouping hard: background calls (singletons), the same problem at an estate of the same
name in another district at the same time, the same problem at the same place the next evening
(a new group), and another problem at the same place at the same time (half of them of the same
category: 路灯不亮 beside 路面塌陷). A group is one problem, as a centre issues one notice and one
work order for it, not one category. Every name is fictional.

Tickets get their category and address the way the copilot proposes them: the triage category
classifier and the address extractor run on the call text. Scores are pairwise precision/recall/F1
(a pair of tickets put together that belong together) and B-cubed; the seed used while writing the
grouping is ``DEV_SEED``, the reported one ``TEST_SEED``. Speed: 100,000 stored tickets (their
address, category and text) turned into signals and grouped.
"""

from __future__ import annotations

import random
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from assistant.hotline.extraction import address
from assistant.hotline.grouping import TicketSignal, group_tickets
from assistant.hotline.places import place_of
from assistant.hotline.triage import CallTriage

DEV_SEED, TEST_SEED = 12, 1212
START = datetime(2026, 6, 1, tzinfo=UTC)
DISTRICTS = ("东城区", "西城区", "北岸区", "南湖区", "高新区", "临江县")
ESTATE_WORDS = (
    "幸福",
    "阳光",
    "锦绣",
    "和平",
    "翠湖",
    "金桂",
    "文昌",
    "永安",
    "春晖",
    "华庭",
    "明珠",
    "紫荆",
    "滨江",
    "枫林",
    "桃源",
    "东方",
    "新华",
    "康乐",
    "丽景",
    "书香",
    "福泽",
    "清河",
    "银杏",
    "云栖",
)
ESTATE_KINDS = ("小区", "花园", "家园", "苑", "公寓")
ROADS = (
    "光明街",
    "人民路",
    "建设大道",
    "解放路",
    "中山路",
    "长江路",
    "团结巷",
    "朝阳街",
    "迎宾大道",
    "学府路",
)
PROBLEMS: dict[str, tuple[str, tuple[str, ...]]] = {  # problem → its category, ways callers say it
    "停水": (
        "城乡建设/供水供气",
        (
            "{place}从早上开始停水了，也没有提前通知",
            "我们{place}家里水龙头一滴水都没有",
            "{place}突然没水了，什么时候能恢复供水",
            "{place}停水好几个小时了，老人孩子都没法做饭",
            "请问{place}是不是在检修管道，怎么一直没有自来水",
        ),
    ),
    "路灯不亮": (
        "城乡建设/市政设施",
        (
            "{place}门口的路灯全都不亮了，晚上走路很危险",
            "{place}那一段路灯坏了好几天",
            "{place}附近黑漆漆的，路灯一直没人修",
        ),
    ),
    "路面塌陷": (
        "城乡建设/市政设施",
        (
            "{place}路面塌了一个大坑，车子过不去",
            "{place}的马路陷下去一块，很危险",
            "{place}路上出现一个深坑，已经有人摔了",
        ),
    ),
    "夜间施工": (
        "城市管理/噪声扰民",
        (
            "{place}旁边工地半夜还在施工，吵得睡不着",
            "{place}附近夜里打桩，噪音太大了",
            "晚上十二点了{place}边上还在施工作业",
            "{place}的工地天天晚上施工，机器声音特别大",
        ),
    ),
    "垃圾清运": (
        "城市管理/市容环卫",
        (
            "{place}的垃圾好几天没人清运，臭气熏天",
            "{place}垃圾桶都满出来了也没人收",
            "{place}门口垃圾堆成山了",
        ),
    ),
    "电梯故障": (
        "城乡建设/物业管理",
        (
            "{place}的电梯又坏了，老人上不了楼",
            "{place}电梯停运两天了物业也不管",
            "{place}有人被困在电梯里了，物业联系不上",
        ),
    ),
    "工厂废气": (
        "环境保护/环境污染",
        ("{place}附近工厂排黑烟，气味很刺鼻", "{place}周边一股很重的化工味道，窗户都不敢开"),
    ),
    "河水黑臭": (
        "环境保护/环境污染",
        ("{place}旁边的河水发黑发臭", "{place}边上的小河漂着死鱼，水都是黑的"),
    ),
    "公交站撤销": (
        "交通运输/公共交通",
        ("{place}门口的公交站突然取消了，出行很不方便", "{place}那站的公交站牌被拆了，也没贴通知"),
    ),
    "公交班次少": (
        "交通运输/公共交通",
        ("{place}那边的公交车半小时都不来一趟", "{place}坐公交要等好久，班次太少了"),
    ),
    "违停堵路": (
        "交通运输/道路交通",
        ("{place}门口乱停车把消防通道都堵了", "{place}路边停满了私家车，车道都被占了"),
    ),
    "信号灯故障": (
        "交通运输/道路交通",
        ("{place}路口的红绿灯坏了，车都乱开", "{place}的信号灯不亮了，路口很乱"),
    ),
}
ON_ROADS = ("路灯不亮", "路面塌陷", "违停堵路", "信号灯故障")  # problems as often on a road as at an estate
OPENINGS = (
    "",
    "你好，",
    "喂，您好，",
    "您好，我想反映一下，",
    "我要投诉，",
    "你好，我是{name}，",
    "喂，我姓{surname}，",
)
REQUESTS = (
    "希望尽快处理。",
    "请派人来看看。",
    "麻烦你们协调一下。",
    "希望有关部门管一管。",
    "请尽快解决。",
    "",
)
SURNAMES = "王李张刘陈杨黄赵吴周"
GIVEN = ("明", "丽", "强", "芳", "伟", "敏", "静", "军")


@dataclass(frozen=True)
class Call:
    gold: str  # the known group; a background call is its own
    created_at: datetime
    text: str
    category: str  # the written one; the bench uses the classifier's
    address: str  # the place as the caller named it


def _estate(rng: random.Random) -> str:
    return rng.choice(ESTATE_WORDS) + rng.choice(ESTATE_KINDS)


def _said(rng: random.Random, district: str, name: str) -> str:
    """The place as one caller names it."""
    road = rng.choice(ROADS) if not name.endswith(("路", "街", "大道", "巷")) else ""
    unit = f"{rng.randint(1, 30)}号楼" + (f"{rng.randint(1, 4)}单元" if rng.random() < 0.5 else "")
    forms = [
        f"{district}{name}",
        name,
        f"示例市{district}{name}",
        f"{name}{unit}",
        f"{district}{name}{unit}",
        f"{name}北门",
    ]
    if road:
        forms.append(f"{district}{road}{name}")
    return rng.choice(forms)


def _call(rng: random.Random, gold: str, at: datetime, problem: str, district: str, name: str) -> Call:
    said = _said(rng, district, name)
    opening = rng.choice(OPENINGS).format(
        name=rng.choice(SURNAMES) + rng.choice(GIVEN), surname=rng.choice(SURNAMES)
    )
    phone = (
        f"我的电话是1{rng.randint(3, 9)}{rng.randint(100000000, 999999999)}。" if rng.random() < 0.4 else ""
    )
    category, ways = PROBLEMS[problem]
    text = f"{opening}{rng.choice(ways).format(place=said)}，{rng.choice(REQUESTS)}{phone}"
    return Call(gold, at, text, category, said)


def _group(
    rng: random.Random, gold: str, problem: str, district: str, name: str, start: datetime
) -> list[Call]:
    size = min(40, 3 + int(rng.expovariate(1 / 8)))
    spread = rng.uniform(20, 120)  # minutes over which the reports arrive
    return [
        _call(rng, gold, start + timedelta(minutes=rng.uniform(0, spread)), problem, district, name)
        for _ in range(size)
    ]


def stream(seed: int, groups: int = 60, background: int = 600, days: int = 1) -> list[Call]:
    """One written stream: ``groups`` known groups (with their near-duplicates) and ``background`` singletons.

    A known group is one problem at one place (one notice, one work order): 停水 and 路灯不亮 at one
    estate at one time are two groups, and so are 路灯不亮 and 路面塌陷, though each pair shares a category."""
    rng = random.Random(seed)
    calls: list[Call] = []
    problems = sorted(PROBLEMS)
    hours = 24 * days
    for number in range(groups):
        problem, district = rng.choice(problems), rng.choice(DISTRICTS)
        name = rng.choice(ROADS) if problem in ON_ROADS and rng.random() < 0.5 else _estate(rng)
        start = START + timedelta(hours=rng.uniform(0, hours - 6))
        calls += _group(rng, f"g{number}", problem, district, name, start)
        twist = rng.random()
        if twist < 0.25:  # the same estate name in another district, at the same time
            other = rng.choice([d for d in DISTRICTS if d != district])
            calls += _group(
                rng,
                f"g{number}-other-district",
                problem,
                other,
                name,
                start + timedelta(minutes=rng.uniform(-30, 30)),
            )
        elif twist < 0.5:  # the same problem at the same place the next evening
            calls += _group(
                rng,
                f"g{number}-later",
                problem,
                district,
                name,
                start + timedelta(hours=rng.uniform(18, 30)),
            )
        elif twist < 0.75:  # another problem at the same place at the same time, half of them of its category
            category = PROBLEMS[problem][0]
            kin = [p for p in problems if p != problem and PROBLEMS[p][0] == category]
            other_problem = rng.choice(
                kin if kin and rng.random() < 0.5 else [p for p in problems if p != problem]
            )
            calls += _group(rng, f"g{number}-other-problem", other_problem, district, name, start)
    for number in range(background):
        at = START + timedelta(hours=rng.uniform(0, hours))
        name = rng.choice(ESTATE_WORDS) + _estate(rng)  # two words: never a group's place
        calls.append(_call(rng, f"b{number}", at, rng.choice(problems), rng.choice(DISTRICTS), name))
    calls.sort(key=lambda call: call.created_at)
    return calls


def _pairs(sizes: Counter[Any]) -> int:
    return sum(n * (n - 1) // 2 for n in sizes.values())


def score(gold: list[str], predicted: list[str]) -> dict[str, float]:
    """Pairwise and B-cubed precision, recall and F1 of a grouping against the known groups."""
    cells, gold_sizes, predicted_sizes = (
        Counter(zip(gold, predicted, strict=True)),
        Counter(gold),
        Counter(predicted),
    )
    together = _pairs(cells)
    precision = together / max(1, _pairs(predicted_sizes))
    recall = together / max(1, _pairs(gold_sizes))
    b3_precision = sum(n * n / predicted_sizes[p] for (_, p), n in cells.items()) / len(gold)
    b3_recall = sum(n * n / gold_sizes[g] for (g, _), n in cells.items()) / len(gold)

    def f1(p: float, r: float) -> float:
        return 2 * p * r / (p + r) if p + r else 0.0

    return {
        "pair_precision": precision,
        "pair_recall": recall,
        "pair_f1": f1(precision, recall),
        "bcubed_precision": b3_precision,
        "bcubed_recall": b3_recall,
        "bcubed_f1": f1(b3_precision, b3_recall),
    }


def _grouped(signals: list[TicketSignal], gap: timedelta) -> list[str]:
    """Each ticket's predicted group (a ticket left out of grouping is alone)."""
    label = {
        t.ticket_id: f"p{number}"
        for number, members in enumerate(group_tickets(signals, gap))
        for t in members
    }
    return [label.get(t.ticket_id, f"alone{t.ticket_id}") for t in signals]


def confirmed(
    calls: list[Call], seed: int, wrong_category: float = 0.05, no_address: float = 0.1
) -> list[TicketSignal]:
    """The tickets as agents confirm them: the written category, except a share the agent got
    wrong; the place as the caller named it, except a share left empty (then read from the text)."""
    rng = random.Random(seed)
    categories = sorted({c.category for c in calls})
    return [
        TicketSignal(
            n,
            c.created_at,
            rng.choice(categories) if rng.random() < wrong_category else c.category,
            place_of("" if rng.random() < no_address else c.address, c.text),
            c.text,
        )
        for n, c in enumerate(calls)
    ]


def proposed(calls: list[Call], triage: CallTriage) -> list[TicketSignal]:
    """The tickets as the copilot proposes them: the category classifier's label, the extracted address."""
    categories = triage.classifier("category").predict([call.text for call in calls])
    signals = []
    for number, (call, category) in enumerate(zip(calls, categories, strict=True)):
        found = address(call.text)
        signals.append(
            TicketSignal(number, call.created_at, category, place_of(found.value if found else ""), call.text)
        )
    return signals


def quality(
    name: str, seed: int, calls: list[Call], triage: CallTriage, gap: timedelta
) -> list[dict[str, Any]]:
    """Grouping scored on one written stream, once on the confirmed fields and once on the copilot's proposals."""
    gold = [c.gold for c in calls]
    rows = []
    for fields, signals in (("confirmed", confirmed(calls, seed)), ("proposed", proposed(calls, triage))):
        right = sum(s.category == c.category for s, c in zip(signals, calls, strict=True)) / len(calls)
        placed = sum(s.place is not None for s in signals) / len(calls)
        rows.append(
            {
                "stream": name,
                "seed": seed,
                "fields": fields,
                "tickets": len(calls),
                "groups": len({g for g in gold if not g.startswith("b")}),
                "category_right": right,
                "place_found": placed,
                **score(gold, _grouped(signals, gap)),
            }
        )
    return rows


def speed(tickets: int, gap: timedelta) -> dict[str, Any]:
    """Seconds to turn ``tickets`` stored tickets (address, category and text) into signals and group
    them, the problem read from each text."""
    calls: list[Call] = []
    seed = TEST_SEED
    while len(calls) < tickets:
        seed += 1
        calls += stream(seed, groups=300, background=3000, days=7)
    calls = calls[:tickets]
    started = time.perf_counter()
    signals = [
        TicketSignal(n, c.created_at, c.category, place_of(c.address), c.text) for n, c in enumerate(calls)
    ]
    grouped = group_tickets(signals, gap)
    seconds = time.perf_counter() - started
    return {
        "tickets": len(calls),
        "seconds": seconds,
        "groups_of_3_or_more": sum(len(g) >= 3 for g in grouped),
    }


def run(tickets: int = 100_000, gap: timedelta = timedelta(minutes=90)) -> dict[str, Any]:
    """Quality on every written stream (the dev one, the same writer's unseen seed, the mixed stream
    written apart, the third writer's, and the agents' summaries written last and scored once), both
    ways, and the speed on ``tickets`` tickets."""
    from pathlib import Path
    from tempfile import TemporaryDirectory

    from eval_sets import hot_issues_mixed as mixed
    from eval_sets import hot_issues_summaries as summaries
    from eval_sets import hot_issues_third as third

    streams = (
        ("written (dev)", DEV_SEED, stream(DEV_SEED)),
        ("written", TEST_SEED, stream(TEST_SEED)),
        ("mixed", mixed.SEED, mixed.stream(mixed.SEED)),
        ("third", third.SEED, third.stream(third.SEED)),
        ("summaries", summaries.SEED, summaries.stream(summaries.SEED)),
    )
    with TemporaryDirectory() as no_models:  # the default triage models, as a new deployment has them
        triage = CallTriage(Path(no_models))
        rows = [row for name, seed, calls in streams for row in quality(name, seed, calls, triage, gap)]
    return {
        "rows": rows,
        "speed": speed(tickets, gap) if tickets else None,
        "gap_minutes": gap.total_seconds() / 60,
    }
