"""A second written hot-issues stream, written apart from ``eval_sets.hot_issues``'s and kept unseen
while grouping was tuned on that one: its own 示例市 districts, estates, roads and phrasings, and
another mix of what makes grouping hard.

One busy day across six districts with many groups at once. What it adds: callers who shorten the
district and glue it to the estate (江北星河苑), who name only the road the estate is on (光华路这边),
who mistype the estate (星禾苑 for 星河苑) or add a gate or a building; two problems of one category
at one place at one time (停水 and a gas smell), the same problem at estates along one road at the
same time (each its own group), reports that trickle in over hours with lulls, and background calls
at the groups' own estates about other things. The gold groups follow the issue's definition: one
problem at one place, reports close in time. Every name is fictional.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import timedelta

from eval_sets.hot_issues import START, Call

SEED = 2026
DISTRICTS = ("江北区", "青山区", "老城区", "滨海新区", "龙泉县", "经开区")
ROADS = ("光华路", "建国路", "滨河路", "文化街", "新民巷", "工农路", "育才路", "桥西大街", "望湖大道")
NAME_WORDS = {  # an estate's name and the way a caller or an agent mistypes it
    "星河": "星禾",
    "御景": "玉景",
    "碧水": "璧水",
    "绿洲": "绿州",
    "润泽": "润择",
    "观澜": "观兰",
    "龙湖": "隆湖",
    "颐和": "怡和",
    "兰亭": "蓝亭",
    "嘉禾": "佳禾",
    "海棠": "海堂",
    "望江": "旺江",
    "凤凰": "凤皇",
    "天悦": "天跃",
    "南山": "南杉",
    "青枫": "青峰",
    "瑞祥": "瑞翔",
    "橡树": "象树",
}
KINDS = ("小区", "花园", "苑", "新村", "家园", "公寓", "雅苑")


@dataclass(frozen=True)
class Problem:
    category: str
    ways: tuple[str, ...]  # {p}: where the caller names the place; a way without {p} names it before


PROBLEMS = (
    Problem(
        "城乡建设/供水供气",
        (
            "{p}整栋楼都停水了",
            "{p}水龙头拧开没有水",
            "今天一早{p}就断水了，到现在还没来",
            "家里没水用，{p}好多户都这样",
            "{p}自来水停了，洗漱做饭都成问题",
            "停水了，{p}，物业说是市政管网的事",
        ),
    ),
    Problem(
        "城乡建设/供水供气",
        (
            "{p}楼道里有很大的煤气味",
            "{p}闻到燃气泄漏的味道，很担心",
            "{p}天然气好像漏了，一股臭鸡蛋味",
            "燃气味道很重，{p}，怕出事",
        ),
    ),
    Problem(
        "城乡建设/市政设施",
        (
            "{p}的井盖不见了，很危险",
            "{p}井盖翘起来了，电动车差点摔倒",
            "路上井盖破了个洞，在{p}",
        ),
    ),
    Problem(
        "城乡建设/市政设施",
        (
            "{p}的路灯晚上都不亮",
            "{p}一到晚上漆黑一片，灯全坏了",
            "路灯不亮好几天了，{p}",
        ),
    ),
    Problem(
        "城市管理/噪声扰民",
        (
            "{p}有人跳广场舞，音响开得特别响",
            "{p}楼下广场舞太吵了，孩子没法写作业",
            "每天晚上{p}的音箱声音很大",
        ),
    ),
    Problem(
        "城市管理/噪声扰民",
        (
            "{p}对面工地凌晨还在浇混凝土",
            "{p}夜间施工，搅拌车轰隆隆的",
            "半夜施工噪音扰民，就在{p}",
        ),
    ),
    Problem(
        "城市管理/市容环卫",
        (
            "{p}门口摆摊的占了整条人行道",
            "{p}外面小摊贩占道经营，走都走不过去",
        ),
    ),
    Problem(
        "城市管理/市容环卫",
        (
            "{p}的垃圾站好几天没清了，味道很大",
            "{p}垃圾没人拉走，苍蝇到处飞",
            "垃圾满地，{p}没人打扫",
        ),
    ),
    Problem(
        "城乡建设/物业管理",
        (
            "{p}的电梯卡在半层不动了",
            "{p}电梯又停了，我们住十几楼",
            "电梯故障好几天没修，{p}",
        ),
    ),
    Problem(
        "交通运输/道路交通",
        (
            "{p}路口信号灯一直闪黄灯",
            "{p}红绿灯不亮，路口乱成一团",
        ),
    ),
    Problem(
        "公共安全/消防安全",
        (
            "{p}的消防通道被电动车堵死了",
            "{p}楼道里堆满杂物，消防通道不通",
        ),
    ),
)
OPENINGS = ("", "喂，", "你好，", "您好，", "我反映个情况，", "我是业主，", "你好，我姓{s}，", "我叫{s}{g}，")
CLOSINGS = ("", "赶紧派人来。", "什么时候能处理好？", "麻烦尽快。", "我们都很着急。", "请回个电话。")
SURNAMES = "孙马朱胡郭何高林罗郑"
GIVEN = ("涛", "燕", "磊", "霞", "勇", "娟", "杰", "红")


@dataclass(frozen=True)
class Site:
    district: str
    road: str
    word: str  # the estate's name word (星河); "" for a road
    kind: str

    @property
    def estate(self) -> str:
        return self.word + self.kind if self.word else self.road


def _said(rng: random.Random, site: Site) -> str:
    """The place as one caller names it: full, shortened, glued, mistyped, by its road alone."""
    if not site.word:
        return rng.choice([site.road, site.district + site.road, f"{site.road}{rng.randint(1, 200)}号"])
    short = site.district[:-1] if len(site.district) > 2 else site.district
    short = short.removesuffix("新")  # 滨海新区 → 滨海
    typo = NAME_WORDS[site.word[:2]] + site.word[2:] + site.kind
    unit = rng.choice((f"{rng.randint(1, 24)}栋", f"{rng.randint(1, 24)}号楼{rng.randint(1, 3)}单元", ""))
    forms = (
        (site.estate, 4),
        (site.district + site.estate, 4),
        (f"示例市{site.district}{site.road}{site.estate}", 2),
        (short + site.estate, 3),
        (site.estate + unit, 3),
        (site.estate + rng.choice(("南门", "东门", "北门", "里面")), 2),
        (site.road + rng.choice(("这边", "附近", "")), 1),
        (typo, 1),
        (site.district + typo, 1),
    )
    return rng.choices([f for f, _ in forms], [w for _, w in forms])[0]


def _text(rng: random.Random, problem: Problem, said: str) -> str:
    way = rng.choice(problem.ways)
    opening = rng.choice(OPENINGS).format(s=rng.choice(SURNAMES), g=rng.choice(GIVEN))
    first = rng.random() < 0.15  # the caller says where they live first
    body = f"我住{said}，{way.replace('{p}', '')}" if first else way.format(p=said)
    closing = rng.choice(CLOSINGS)
    return f"{opening}{body}，{closing}" if closing else f"{opening}{body}。"


def _arrivals(rng: random.Random, start: float, size: int) -> list[float]:
    """Minutes after START: a burst, and sometimes a few late reports after a lull."""
    burst = rng.uniform(15, 90)
    times = [start + rng.uniform(0, burst) for _ in range(size)]
    if size >= 6 and rng.random() < 0.3:
        last = max(times)
        for late in range(rng.randint(1, 3)):
            times[late] = last + rng.uniform(30, 80)
    return sorted(times)


def stream(seed: int = SEED, groups: int = 70, background: int = 700) -> list[Call]:
    """The day: ``groups`` known groups (with their hard neighbours) and ``background`` singletons."""
    rng = random.Random(seed)
    words = sorted(NAME_WORDS)
    sites = [
        Site(rng.choice(DISTRICTS), rng.choice(ROADS), word, rng.choice(KINDS))
        for word in words
        for _ in range(2)
    ] + [Site(rng.choice(DISTRICTS), road, "", "") for road in ROADS]
    calls: list[Call] = []
    busy: list[tuple[int, Site, float]] = []  # (problem, site, start) of every group

    def group(gold: str, problem: int, site: Site, start: float) -> None:
        size = min(45, 3 + int(rng.expovariate(1 / 9)))
        busy.append((problem, site, start))
        for minute in _arrivals(rng, start, size):
            said = _said(rng, site)
            calls.append(
                Call(
                    gold,
                    START + timedelta(minutes=minute),
                    _text(rng, PROBLEMS[problem], said),
                    PROBLEMS[problem].category,
                    said,
                )
            )

    for number in range(groups):
        problem, site = rng.randrange(len(PROBLEMS)), rng.choice(sites)
        start = rng.uniform(0, 20 * 60)
        group(f"m{number}", problem, site, start)
        twist = rng.random()
        same_category = [n for n, p in enumerate(PROBLEMS) if p.category == PROBLEMS[problem].category]
        if (
            twist < 0.2 and len(same_category) > 1
        ):  # another problem of the same category, same place and time
            group(
                f"m{number}-same-category",
                rng.choice([n for n in same_category if n != problem]),
                site,
                start,
            )
        elif twist < 0.4 and site.word:  # the same problem along the road: a neighbouring estate
            neighbour = Site(
                site.district, site.road, rng.choice([w for w in words if w != site.word]), site.kind
            )
            group(f"m{number}-neighbour", problem, neighbour, start + rng.uniform(-20, 20))
        elif twist < 0.55:  # an estate of the same name in another district
            twin = Site(
                rng.choice([d for d in DISTRICTS if d != site.district]),
                rng.choice(ROADS),
                site.word,
                site.kind,
            )
            group(f"m{number}-twin", problem, twin, start + rng.uniform(-30, 30))
    number = 0
    while number < background:
        problem, minute = rng.randrange(len(PROBLEMS)), rng.uniform(0, 24 * 60)
        site = (
            rng.choice(sites)
            if rng.random() < 0.3
            else Site(
                rng.choice(DISTRICTS), rng.choice(ROADS), "".join(rng.sample(words, 2)), rng.choice(KINDS)
            )
        )
        if any(
            PROBLEMS[p].category == PROBLEMS[problem].category
            and s.estate == site.estate
            and abs(at - minute) < 360
            for p, s, at in busy
        ):
            continue  # it would be one of that group's reports
        said = _said(rng, site)
        calls.append(
            Call(
                f"b{number}",
                START + timedelta(minutes=minute),
                _text(rng, PROBLEMS[problem], said),
                PROBLEMS[problem].category,
                said,
            )
        )
        busy.append((problem, site, minute))
        number += 1
    calls.sort(key=lambda call: call.created_at)
    return calls
