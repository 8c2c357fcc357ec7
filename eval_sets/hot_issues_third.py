"""A third written hot-issues stream, by a third writer, written after problem grouping was built and
kept unseen until the final measurement: its own 示例市 districts, estates, roads, landmarks and a
caller's spoken way of putting things (呃, 那个, words said twice), and problems worded without
looking at the problem vocabulary.

What it adds to the other two: callers who place themselves by a landmark (人民医院对面的樱花苑), by
a building (3栋) or by the road and estate without the district (so the road is the clue to which
of two same-name estates they mean), time words in the text (从昨晚开始, 今天凌晨), groups that run
past midnight, problems of one category side by side (停电 beside 路灯不亮, 施工 beside a barbecue
stall's noise), a problem or two the vocabulary may not know (门禁坏了), and estate names holding a
problem's word (水岸花园, 电力新村, 灯塔社区). Gold groups are one problem at one place, reports
close in time. Every name is fictional.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import timedelta

from eval_sets.hot_issues import START, Call

SEED = 77
DISTRICTS = ("云溪区", "松山区", "白沙县", "港口区", "东湖新区", "桂园区")
ROADS = ("和顺路", "枫桥路", "东环大道", "南门街", "学院路", "沿江路", "柳巷", "机场大道")
LANDMARKS = ("人民医院", "实验小学", "农贸市场", "第二中学", "中心公园")
WORDS = ("水岸", "电力", "灯塔", "桂花", "樱花", "锦江", "红星", "百合", "玉兰", "翡翠", "幸运", "明月")
KINDS = ("小区", "花园", "新村", "社区", "苑", "家园", "公寓")


@dataclass(frozen=True)
class Problem:
    category: str
    ways: tuple[str, ...]


PROBLEMS = (
    Problem(
        "城乡建设/供水供气",
        (
            "我们这儿从昨晚开始就没来水",
            "水一直没来，澡都洗不了",
            "整个单元都断水了",
            "又停水了，连个通知都没有",
            "龙头里一点水都出不来",
        ),
    ),
    Problem(
        "城乡建设/供水供气",
        ("闻到一股煤气的味道", "楼道里燃气味特别重，担心会爆炸", "好像有地方漏气了，味道很冲"),
    ),
    Problem(
        "城乡建设/市政设施",
        ("我们那栋楼突然停电了", "家里没电了，冰箱里的东西都要坏了", "从今天凌晨开始就断电，到现在也没来"),
    ),
    Problem(
        "城乡建设/市政设施",
        ("那边的路灯晚上一盏都不亮", "晚上回家那段路一点光都没有，路灯都坏了", "路灯坏了好久了，没人来修"),
    ),
    Problem(
        "城乡建设/市政设施",
        ("下水道堵了，污水都漫到路上了", "路边的下水口往外冒脏水", "雨水排不出去，门口积了很深的水"),
    ),
    Problem(
        "城市管理/噪声扰民",
        ("工地从半夜一直干到现在，根本睡不了", "凌晨两点还在打地基，吵死了", "渣土车整夜进进出出，声音很大"),
    ),
    Problem(
        "城市管理/噪声扰民",
        ("楼下烧烤店开到凌晨，喝酒划拳很吵", "夜宵摊子天天闹到两三点", "广场上音响放得震天响"),
    ),
    Problem("城市管理/市容环卫", ("垃圾堆了一个星期都没人管", "垃圾房臭得不行了", "垃圾桶旁边全是苍蝇")),
    Problem("城市管理/市容环卫", ("门口全是卖菜的摊子，车都开不进去", "流动摊贩把路都占了")),
    Problem(
        "城乡建设/物业管理", ("电梯门关不上，一直在报警", "电梯里困了人，叫了半天没人来", "电梯坏了三天了")
    ),
    Problem("城乡建设/物业管理", ("小区大门门禁坏了，谁都能进来", "门禁卡刷不开，物业说要等配件")),
    Problem("环境保护/环境污染", ("附近厂子晚上偷偷排气，呛得人直咳嗽", "一股烧橡胶的焦糊味，窗户都不敢开")),
    Problem("交通运输/道路交通", ("路口的红绿灯不亮了，差点撞车", "十字路口信号灯乱跳")),
)
FILLERS = ("", "", "呃，", "那个，", "就是说，", "喂喂，", "嗯，我想说一下，")
ASKS = ("", "你们快派人来看看吧。", "这都第几次了。", "能不能给个说法。", "麻烦帮忙催一下。", "")
TIMES = ("", "", "从昨晚开始", "今天凌晨", "一个小时前", "刚才")


@dataclass(frozen=True)
class Site:
    district: str
    road: str
    estate: str
    landmark: str


def _said(rng: random.Random, site: Site) -> str:
    """The place as one caller names it."""
    building = rng.choice((f"{rng.randint(1, 20)}栋", f"{rng.randint(1, 12)}号楼", ""))
    forms = (
        (site.district + site.estate, 4),
        (site.estate, 3),
        (site.road + site.estate, 3),  # the road, no district: which of two same-name estates
        (f"示例市{site.district}{site.road}{site.estate}", 2),
        (site.estate + building, 3),
        (f"{site.landmark}对面的{site.estate}", 1),
        (f"{site.estate}，就在{site.landmark}旁边", 1),
    )
    return rng.choices([f for f, _ in forms], [w for _, w in forms])[0]


def _text(rng: random.Random, problem: Problem, said: str) -> str:
    way = rng.choice(problem.ways)
    when = rng.choice(TIMES)
    filler = rng.choice(FILLERS)
    if rng.random() < 0.1:  # a word said twice, as callers do
        said = said[:2] + said
    body = f"我是{said}的，{when}{way}" if rng.random() < 0.5 else f"{said}{when}{way}"
    ask = rng.choice(ASKS)
    return f"{filler}{body}，{ask}" if ask else f"{filler}{body}。"


def stream(seed: int = SEED, groups: int = 60, background: int = 600) -> list[Call]:
    """One day and the night after it: ``groups`` known groups with their hard neighbours, and
    ``background`` singletons (some at the groups' own estates, about something else)."""
    rng = random.Random(seed)
    sites = [
        Site(rng.choice(DISTRICTS), rng.choice(ROADS), word + rng.choice(KINDS), rng.choice(LANDMARKS))
        for word in WORDS
        for _ in range(2)
    ]
    calls: list[Call] = []
    busy: list[tuple[int, str, float]] = []

    def group(gold: str, problem: int, site: Site, start: float) -> None:
        size = min(40, 3 + int(rng.expovariate(1 / 8)))
        spread = rng.uniform(20, 100)
        busy.append((problem, site.estate, start))
        for _ in range(size):
            said = _said(rng, site)
            at = START + timedelta(minutes=start + rng.uniform(0, spread))
            calls.append(
                Call(gold, at, _text(rng, PROBLEMS[problem], said), PROBLEMS[problem].category, said)
            )

    for number in range(groups):
        problem, site = rng.randrange(len(PROBLEMS)), rng.choice(sites)
        start = rng.uniform(0, 26 * 60) if rng.random() < 0.8 else rng.uniform(22.5 * 60, 24 * 60)
        group(f"t{number}", problem, site, start)
        twist = rng.random()
        kin = [n for n, p in enumerate(PROBLEMS) if p.category == PROBLEMS[problem].category and n != problem]
        if twist < 0.25 and kin:  # another problem of its category, same place and time
            group(f"t{number}-kin", rng.choice(kin), site, start + rng.uniform(-15, 15))
        elif twist < 0.45:  # an estate of the same name in another district, on another road
            twin = Site(
                rng.choice([d for d in DISTRICTS if d != site.district]),
                rng.choice([r for r in ROADS if r != site.road]),
                site.estate,
                rng.choice(LANDMARKS),
            )
            group(f"t{number}-twin", problem, twin, start + rng.uniform(-20, 20))
        elif twist < 0.6:  # the neighbouring estate on the same road
            neighbour = rng.choice([s for s in sites if s.estate != site.estate])
            group(
                f"t{number}-neighbour",
                problem,
                Site(site.district, site.road, neighbour.estate, site.landmark),
                start,
            )
    number = 0
    while number < background:
        problem, minute = rng.randrange(len(PROBLEMS)), rng.uniform(0, 27 * 60)
        site = (
            rng.choice(sites)
            if rng.random() < 0.3
            else Site(
                rng.choice(DISTRICTS),
                rng.choice(ROADS),
                "".join(rng.sample(WORDS, 2)) + rng.choice(KINDS),
                rng.choice(LANDMARKS),
            )
        )
        if any(p == problem and e == site.estate and abs(at - minute) < 360 for p, e, at in busy):
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
        busy.append((problem, site.estate, minute))
        number += 1
    calls.sort(key=lambda call: call.created_at)
    return calls
