"""Hot-issue grouping: places read the way callers name them, groups by problem, place and time,
and the bench's scoring on a written stream."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from assistant.hotline.grouping import TicketSignal, group_tickets
from assistant.hotline.hot_issues import TREND_UP, hot_issues, signal_of
from assistant.hotline.places import Place, place_of, resolve_places
from eval_sets import hot_issues as bench

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
GAP = timedelta(minutes=90)
WATER = "城乡建设/供水供气"


@pytest.mark.parametrize(
    ("said", "place"),
    [
        ("示例市东城区幸福小区3号楼2单元301", Place("东城区", "幸福小区")),
        ("东城区光明街幸福小区", Place("东城区", "幸福小区")),
        ("幸福小区北门", Place("", "幸福小区")),
        ("请问幸福小区", Place("", "幸福小区")),
        ("西城区人民路", Place("西城区", "人民路")),
        ("人民医院对面的樱花苑", Place("", "樱花苑")),  # the landmark only says where it is
        ("樱花苑，就在人民医院旁边", Place("", "樱花苑")),
        ("桂园桂园区锦江公寓", Place("桂园区", "锦江公寓")),  # a word said twice; a district in 园区
        ("高新工业园区", Place("", "高新工业园区")),  # a park alone is the place
        ("金沙区和美里二期3栋", Place("金沙区", "和美里")),  # a phase is part of the estate; 里 is its kind
        ("幸福小区里面", Place("", "幸福小区")),
    ],
)
def test_a_place_is_the_estate_or_road_without_units_and_with_its_district(said, place):
    assert place_of(said) == place


def test_a_ticket_without_an_address_field_takes_the_place_from_its_text():
    assert place_of("", "我们东城区幸福小区从早上开始停水了") == Place("东城区", "幸福小区")
    assert place_of("", "家里停水了") is None


def test_the_batch_names_each_place_once_shortened_district_and_typo_included():
    said = (
        ["东城区幸福小区"] * 3
        + ["幸福小区"] * 4
        + ["东城幸福小区", "幸富小区", "东城区锦绣花园", "东城区锦绣家园"]
    )
    resolved = resolve_places(p for p in map(place_of, said) if p is not None)
    assert resolved[Place("", "东城幸福小区")] == Place(
        "东城区", "幸福小区"
    )  # 东城区 and 幸福小区 are named elsewhere
    assert resolved[Place("", "幸富小区")] == Place("", "幸福小区")  # one character off a far likelier name
    assert Place("东城区", "锦绣家园") not in resolved  # another kind of place is another place
    assert resolve_places([Place("", "东城花园"), Place("东城区", "幸福小区")]) == {}  # no 花园 said alone


def _ticket(
    number: int, minutes: float, place: str, category: str = WATER, text: str = "小区停水了，一滴水都没有"
) -> TicketSignal:
    return TicketSignal(number, NOW - timedelta(minutes=minutes), category, place_of(place), text)


def test_reports_of_one_problem_at_one_place_close_in_time_are_one_group():
    tickets = [_ticket(n, 100 - n * 3, "东城区幸福小区" if n % 2 else "幸福小区3号楼") for n in range(30)]
    groups = group_tickets(tickets, GAP)
    assert [len(g) for g in groups] == [30]
    assert [t.created_at for t in groups[0]] == sorted(t.created_at for t in tickets)


def test_another_district_another_day_or_another_problem_make_other_groups():
    tickets = [_ticket(n, n, "东城区幸福小区") for n in range(5)]
    tickets += [_ticket(10 + n, n, "西城区幸福小区") for n in range(4)]  # same name, other district
    tickets += [_ticket(20 + n, 60 * 24 + n, "东城区幸福小区") for n in range(3)]  # the day before
    tickets += [
        _ticket(30 + n, n, "东城区幸福小区", "城市管理/噪声扰民", "工地半夜施工吵得睡不着") for n in range(3)
    ]
    sizes = sorted(len(g) for g in group_tickets(tickets, GAP))
    assert sizes == [3, 3, 4, 5]


def test_a_report_without_district_joins_the_group_near_it():
    tickets = [_ticket(n, n * 5, "东城区幸福小区") for n in range(6)] + [_ticket(99, 7, "幸福小区")]
    groups = group_tickets(tickets, GAP)
    assert len(groups) == 1 and 99 in {t.ticket_id for t in groups[0]}


def test_a_misfiled_report_in_the_words_of_a_group_joins_it_but_another_problem_does_not():
    statue = "城市管理/市容环卫"  # words no problem of the vocabulary names: the stray rule reads them
    tickets = [
        _ticket(
            n, n * 4, "东城区幸福小区", statue, f"东城区幸福小区门口的雕塑被人涂得乱七八糟，{n}楼都看见了"
        )
        for n in range(8)
    ]
    tickets.append(
        _ticket(50, 6, "东城区幸福小区", "城乡建设/物业管理", "东城区幸福小区门口的雕塑被人涂得乱七八糟")
    )
    tickets.append(_ticket(51, 6, "东城区幸福小区", "城乡建设/物业管理", "业主群里有人骂人"))
    groups = {frozenset(t.ticket_id for t in g) for g in group_tickets(tickets, GAP)}
    assert frozenset([*range(8), 50]) in groups and frozenset([51]) in groups


def test_two_problems_of_one_category_at_one_place_and_time_are_two_groups():
    said = ["停水了", "家里没水了", "水停了一上午", "自来水断了", "水龙头拧开一滴水都没有"]
    tickets = [_ticket(n, n * 4, "东城区幸福小区", text=said[n % 5]) for n in range(10)]
    gas = ["楼道里一股煤气味", "好像燃气泄漏了", "闻到天然气漏了"]
    tickets += [_ticket(20 + n, n * 5, "东城区幸福小区", text=gas[n % 3]) for n in range(6)]
    groups = {frozenset(t.ticket_id for t in g) for g in group_tickets(tickets, GAP)}
    assert groups == {frozenset(range(10)), frozenset(range(20, 26))}  # the paraphrases of 停水 together


def test_a_misfiled_report_naming_a_problem_joins_it_and_one_naming_none_joins_its_category():
    works = "城乡建设/市政设施"
    lights = [_ticket(n, n * 5, "北岸区人民路", works, f"晚上路灯全都不亮，走路很危险{n}") for n in range(6)]
    road = [_ticket(10 + n, n * 5, "北岸区人民路", works, f"路面塌了个大坑，车子过不去{n}") for n in range(4)]
    # filed under another category, in words that name 路灯不亮
    slip = _ticket(30, 12, "北岸区人民路", "交通运输/公共交通", "那一段黑漆漆的")
    unnamed = _ticket(31, 14, "北岸区人民路", works, "晚上走路很危险，没人管")  # names no problem
    groups = {frozenset(t.ticket_id for t in g) for g in group_tickets([*lights, *road, slip, unnamed], GAP)}
    assert groups == {frozenset([*range(6), 30, 31]), frozenset(range(10, 14))}


def test_a_report_without_district_goes_where_its_road_was_named_and_a_doubtful_one_says_so():
    east = [_ticket(n, n * 5, "东城区光明街幸福小区") for n in range(4)]
    west = [_ticket(10 + n, n * 5 + 1, "西城区人民路幸福小区") for n in range(6)]
    # 光明街 goes with 东城区 in this batch, though 西城区 has more reports near
    by_road = _ticket(20, 3, "光明街幸福小区")
    doubtful = _ticket(21, 24, "幸福小区")  # amid 西城区's reports, 东城区's near too
    issues = {issue.place: issue for issue in hot_issues([*east, *west, by_road, doubtful], NOW, GAP)}
    assert 20 in issues["东城区幸福小区"].ticket_ids and 21 in issues["西城区幸福小区"].ticket_ids
    west_why = issues["西城区幸福小区"].why
    assert "归属不确定" in west_why and "「东城区幸福小区」" in west_why
    assert "归属不确定" not in issues["东城区幸福小区"].why


def test_a_caller_naming_only_the_road_joins_the_estate_its_callers_say_is_on_it():
    estate = [_ticket(n, n * 5, "江北区光华路星河苑" if n % 2 else "江北区星河苑") for n in range(8)]
    said = ["江北区碧水苑", "江北区建国路碧水苑", "江北区育才路碧水苑", "江北区碧水苑"]
    elsewhere = [_ticket(10 + n, n * 5, said[n]) for n in range(4)]  # its callers agree on no road
    road_only = [_ticket(20, 12, "光华路这边"), _ticket(21, 30, "江北区光华路")]
    random_road = [_ticket(30, 12, "建国路")]
    issues = {i.place: i for i in hot_issues([*estate, *elsewhere, *road_only, *random_road], NOW, GAP)}
    assert {20, 21} <= set(issues["江北区星河苑"].ticket_ids)
    assert 30 not in issues["江北区碧水苑"].ticket_ids
    assert "2 条只说了道路「光华路」" in issues["江北区星河苑"].why


def test_callers_who_shorten_the_district_or_mistype_the_estate_join_its_group():
    places = ["东城区幸福小区", "幸福小区3号楼", "东城幸福小区", "幸富小区北门"]
    tickets = [_ticket(n, n * 4, places[n % 4] if n < 8 else "东城区幸福小区") for n in range(12)]
    groups = group_tickets(tickets, GAP)
    assert [len(g) for g in groups] == [12]
    assert {t.place.name for t in groups[0] if t.place} == {"幸福小区"}


def test_one_misfiled_report_in_a_larger_group_does_not_pull_the_group_it_was_about_into_it():
    lights = [  # eight calls about the lights, one filed as pollution by mistake
        _ticket(
            n, n * 5, "东城区迎宾大道", "交通运输/道路交通", f"东城区迎宾大道路口的红绿灯坏了，车都乱开{n}"
        )
        for n in range(8)
    ]
    smoke = [
        _ticket(
            20 + n, n * 4, "东城区迎宾大道", "环境保护/环境污染", f"东城区迎宾大道附近工厂排黑烟，很刺鼻{n}"
        )
        for n in range(10)
    ]
    slip = _ticket(40, 12, "东城区迎宾大道", "环境保护/环境污染", "东城区迎宾大道路口的红绿灯坏了，车都乱开")
    groups = {frozenset(t.ticket_id for t in g) for g in group_tickets([*lights, *smoke, slip], GAP)}
    assert groups == {frozenset([*range(8), 40]), frozenset(range(20, 30))}  # the slip joins its problem


def test_a_hot_issue_says_why_its_tickets_belong_together():
    tickets = [_ticket(n, 60 - n * 5, "东城区幸福小区") for n in range(6)]
    tickets += [_ticket(10, 31, "幸福小区"), _ticket(11, 32, "东城幸福小区")]
    tickets.append(_ticket(12, 33, "东城区幸福小区", "城乡建设/物业管理", "小区停水了，一滴水都没有"))
    (issue,) = hot_issues(tickets, NOW, GAP)
    assert (issue.size, issue.category, issue.place) == (9, WATER, "东城区幸福小区")
    assert issue.named_as[0] == "东城区幸福小区" and "东城幸福小区" in issue.named_as
    assert "90 分钟" in issue.why and "1 条未说区县" in issue.why
    assert "1 条的地点说法不同" in issue.why and "1 条登记为其他分类" in issue.why


def test_hot_issues_are_the_big_groups_with_size_place_trend_and_examples():
    tickets = [_ticket(n, 100 - n * 3, "东城区幸福小区" if n % 3 else "幸福小区") for n in range(30)]
    tickets += [_ticket(100, 30, "西城区和谐家园")]
    issues = hot_issues(tickets, NOW, GAP, min_size=3, hours=3)
    assert len(issues) == 1
    issue = issues[0]
    assert (issue.size, issue.place, issue.category) == (30, "东城区幸福小区", WATER)
    assert sum(issue.hourly) == 30 and issue.trend == TREND_UP  # the reports keep coming
    assert issue.examples[0].ticket_id == 29  # the latest first


def test_a_stored_ticket_becomes_a_signal_with_names_and_numbers_masked():
    stored = {
        "id": 7,
        "created_at": NOW,
        "category": WATER,
        "address": "东城区幸福小区5号楼",
        "service_item": "我叫张伟，小区停水了",
        "request": "请回电13812345678",
    }
    signal = signal_of(stored)
    assert signal.place == Place("东城区", "幸福小区")
    assert "13812345678" not in signal.text and "张伟" not in signal.text and "停水" in signal.text


def test_the_bench_scores_a_perfect_and_a_lumped_grouping():
    gold = ["a", "a", "a", "b", "b", "c"]
    perfect = bench.score(gold, ["x", "x", "x", "y", "y", "z"])
    assert perfect["pair_f1"] == 1.0 and perfect["bcubed_f1"] == 1.0
    lumped = bench.score(gold, ["x"] * 6)
    assert lumped["pair_recall"] == 1.0 and lumped["pair_precision"] == pytest.approx(4 / 15)


def test_the_written_stream_has_known_groups_and_the_hard_cases():
    calls = bench.stream(bench.DEV_SEED)
    golds = {c.gold for c in calls}
    assert sum(g.startswith("g") for g in golds) > 60  # the groups and their near-duplicates
    assert any(g.endswith("-other-district") for g in golds) and any(g.endswith("-later") for g in golds)
    assert len({c.text for c in calls}) > 0.9 * len(calls)  # worded many ways


def test_the_mixed_stream_is_written_apart_with_its_own_hard_cases():
    from eval_sets import hot_issues_mixed as mixed

    calls = mixed.stream()
    golds = {c.gold for c in calls}
    for twist in ("-same-category", "-neighbour", "-twin"):
        assert any(g.endswith(twist) for g in golds)
    said = [c.address for c in calls if not c.gold.startswith("b")]
    glued = [a for a in said if any(a.startswith(d[:2]) and not a.startswith(d) for d in mixed.DISTRICTS)]
    assert glued  # 江北星河苑: the district shortened and glued on
    assert any(a in mixed.ROADS or a.removesuffix("这边") in mixed.ROADS for a in said)  # the road alone
    assert any(typo in a for typo in mixed.NAME_WORDS.values() for a in said)
    assert not {w for w in mixed.NAME_WORDS} & {
        w for w in bench.ESTATE_WORDS
    }  # no name of the other writer's


def test_the_third_stream_has_its_own_names_and_hard_cases():
    from eval_sets import hot_issues_mixed as mixed
    from eval_sets import hot_issues_third as third

    calls = third.stream()
    golds = {c.gold for c in calls}
    for twist in ("-kin", "-twin", "-neighbour"):
        assert any(g.endswith(twist) for g in golds)
    assert any(c.created_at.day == 2 for c in calls if not c.gold.startswith("b"))  # past midnight
    said = [c.address for c in calls]
    assert any(a.startswith(third.ROADS) for a in said)  # the road and estate, no district
    assert any(landmark in a for landmark in third.LANDMARKS for a in said)
    assert not set(third.DISTRICTS) & (set(mixed.DISTRICTS) | set(bench.DISTRICTS))


def test_the_summaries_stream_is_in_the_words_agents_file_tickets_in():
    from eval_sets import hot_issues_summaries as summaries

    calls = summaries.stream()
    golds = {c.gold for c in calls}
    for twist in ("-same-category", "-twin", "-again"):
        assert any(g.endswith(twist) for g in golds)
    assert sum(c.text.startswith(("来电人", "市民来电", "业主反映")) for c in calls) > len(calls) / 2
    assert any(not c.address.startswith(summaries.DISTRICTS) for c in calls)  # the district not caught
