"""Writes ``assistant/hotline/data/training.jsonl`` (package data): the labelled 示例市 hotline history the default classifiers
learn from on first use, for every label a deployment has not trained with ``govassist hotline train``.

Every message is composed from the hand-written scenarios below (what happened, what the caller asks
for, which 承办单位 handles it in 示例市), a caller opening, a place, a time and sometimes a name and a
callback number. Places, names and numbers are invented. Run it again after editing a scenario:

    .venv/bin/python eval_sets/hotline/make_training.py

It deliberately does not use any shared benchmark data: the default model must not learn from the
sets it is measured on.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from pathlib import Path

OUTPUT = Path(__file__).resolve().parents[2] / "assistant" / "hotline" / "data" / "training.jsonl"
SEED = 12345
PER_SCENARIO = 16


@dataclass(frozen=True)
class Scenario:
    category: str  # l1/l2 of assistant/hotline/data/taxonomy.jsonl
    department: str  # 承办单位
    urgency: str  # 紧急 / 较急 / 一般, for complaints; questions and suggestions are 一般
    complaints: tuple[str, ...]
    questions: tuple[str, ...]
    suggestions: tuple[str, ...]


S = Scenario
SCENARIOS = (
    S(
        "城市管理/噪声扰民",
        "示例市城市管理综合执法局",
        "较急",
        (
            "{place}旁边的工地每天晚上施工到凌晨，打桩机声音特别大，吵得孩子睡不着觉",
            "{place}附近工地夜间违规施工，噪音扰民，已经持续{duration}了",
            "楼下{place}的工地半夜还在运渣土、切割钢筋，噪声太大了，老人心脏受不了",
        ),
        (
            "请问夜间施工需要办什么许可，工地晚上几点以后不能施工",
            "想咨询一下工地夜间施工噪音超标归哪个部门管",
        ),
        (
            "建议对{place}周边工地夜间施工加强巡查，设置噪声监测屏",
            "希望能规定居民区附近工地晚上十点后禁止高噪声作业",
        ),
    ),
    S(
        "城市管理/噪声扰民",
        "示例市公安局",
        "一般",
        (
            "{place}广场每天晚上跳广场舞，音响开得特别响，一直到十点多",
            "楼上邻居{place}经常半夜装修、大声喧哗，敲打声不断，沟通无果",
            "{place}门口的酒吧晚上音乐声震天，凌晨两三点还有人喝酒吵闹",
        ),
        ("请问邻居半夜大声喧哗可以找谁处理", "想问一下广场舞音响太吵应该打哪个电话反映"),
        ("建议在{place}广场设置分贝提示牌，规定跳舞的时间和音量",),
    ),
    S(
        "城市管理/市容环卫",
        "示例市城市管理综合执法局",
        "一般",
        (
            "{place}的垃圾桶好几天没人清运了，垃圾堆成山，臭气熏天，苍蝇蚊子很多",
            "{place}路边有大量建筑垃圾被偷倒，一直没人清理",
            "{place}门口流动摊贩占道经营，早上卖早点的把人行道全占了，油烟还很大",
            "{place}夜市摊位占用消防通道，乱扔垃圾",
        ),
        (
            "请问大件家具和装修垃圾应该怎么处理，可以预约清运吗",
            "想咨询一下在小区门口摆摊卖水果需要办什么手续",
        ),
        (
            "建议在{place}多设置几个分类垃圾桶，增加清运次数",
            "希望在{place}附近规划一个便民早市，把流动摊贩集中起来管理",
        ),
    ),
    S(
        "城市管理/违法建设",
        "示例市城市管理综合执法局",
        "一般",
        (
            "{place}一楼住户私自扩建院子，砌墙占用了公共绿地",
            "{place}楼顶有人违规加盖彩钢房，存在安全隐患，物业也管不了",
        ),
        ("请问在自家院子里搭阳光房算不算违建，需要审批吗",),
        ("建议对{place}的违章建筑集中整治，公开查处结果",),
    ),
    S(
        "城乡建设/物业管理",
        "示例市住房和城乡建设局",
        "较急",
        (
            "{place}的电梯三天两头出故障，昨天还把人困在里面半个小时，物业一直拖着不修",
            "{place}物业收了物业费却不管事，楼道灯坏了半年没人修，门禁也坏了",
            "{place}物业擅自提高停车费，业主反对也不听，还威胁停水停电",
        ),
        (
            "请问业主委员会怎么成立，需要什么条件",
            "想咨询一下物业公司到期以后业主能不能自己选新的物业",
            "请问小区电梯维修资金怎么申请使用",
        ),
        ("建议对物业公司的服务质量定期考核并公开评分", "希望推动老旧小区加装电梯，简化审批流程"),
    ),
    S(
        "城乡建设/供水供气",
        "示例市水务局",
        "较急",
        (
            "{place}从{time}开始停水，到现在都没来水，也没有任何通知，老人孩子没法做饭",
            "{place}的自来水发黄有异味，烧开了还有沉淀",
            "{place}水压太低，高层住户根本用不上水",
        ),
        ("请问{place}这次停水什么时候能恢复供水", "想问一下自来水水费怎么在网上缴纳，阶梯水价是怎么算的"),
        ("建议停水之前提前在小区公告栏和短信通知居民", "希望对{place}的老旧供水管网进行改造"),
    ),
    S(
        "城乡建设/供水供气",
        "示例市住房和城乡建设局",
        "紧急",
        (
            "{place}楼道里有很大的燃气味，怀疑燃气泄漏，请赶紧派人来看看",
            "{place}的燃气管道被施工挖断了，一直在漏气，现场很危险",
            "{place}燃气表附近闻到煤气味，家里有老人，非常担心会爆炸",
        ),
        ("请问燃气开户需要带什么材料，多久能通气", "想咨询一下家里燃气热水器安装要找谁"),
        ("建议定期给老旧小区免费检查燃气管道和报警器",),
    ),
    S(
        "城乡建设/市政设施",
        "示例市城市管理综合执法局",
        "较急",
        (
            "{place}路口的井盖丢了，晚上黑乎乎的，已经有电动车摔倒了",
            "{place}的路灯坏了一整排，晚上走路特别黑，很不安全",
            "{place}路面塌陷出现一个大坑，下雨积水看不见，很容易出事",
        ),
        ("请问路灯坏了应该找哪个部门维修",),
        ("建议在{place}增设路灯和减速带", "希望尽快把{place}坑坑洼洼的路面重新铺一下"),
    ),
    S(
        "城乡建设/住房保障",
        "示例市住房公积金管理中心",
        "一般",
        (
            "公积金贷款申请交上去{duration}了还没有审批，打电话一直没人接",
            "单位不给缴纳住房公积金，跟领导说了好几次都没用",
        ),
        (
            "请问提取住房公积金需要哪些材料，能不能在网上办理",
            "想咨询一下公积金贷款最高能贷多少，异地缴存的能不能用",
            "请问租房可以提取公积金吗，每个月能提多少",
        ),
        ("建议公积金提取全部实现线上办理，不用再跑窗口",),
    ),
    S(
        "城乡建设/住房保障",
        "示例市住房和城乡建设局",
        "一般",
        (
            "申请公租房{duration}了一直在排队，也查不到进度",
            "{place}的保障房交房后墙面开裂、漏水严重，开发商不给维修",
        ),
        ("请问申请公共租赁住房需要满足什么条件，外地户口可以申请吗", "想问一下人才公寓怎么申请，租金是多少"),
        ("建议公开保障房轮候排名，让申请人能查到自己的进度",),
    ),
    S(
        "环境保护/环境污染",
        "示例市生态环境局",
        "较急",
        (
            "{place}附近的工厂每天晚上偷偷排放废气，气味刺鼻，很多居民咳嗽",
            "{place}旁边的河道被排污，河水发黑发臭，还有死鱼",
            "{place}的餐馆油烟直排，没有装净化器，整栋楼都是油烟味",
            "{place}附近的化工厂排放的气体有刺激性气味，眼睛都熏得睁不开",
        ),
        ("请问怎么查询企业的环评信息，附近要建的厂有没有环评", "想咨询一下空气质量监测数据在哪里可以查到"),
        ("建议在{place}周边安装空气质量监测站，实时公开数据", "希望加强对{place}河道的治理，定期清淤"),
    ),
    S(
        "交通运输/公共交通",
        "示例市交通运输局",
        "一般",
        (
            "{route}路公交车经常不按时发车，一等就是四十分钟",
            "{route}路公交司机开车太猛，急刹车把老人摔倒了，态度也很差",
            "出租车司机绕路还拒绝打表，多收了我几十块钱",
            "网约车司机中途甩客，平台投诉也没有处理结果",
        ),
        ("请问{route}路公交车早上首班车几点发车", "想咨询一下老年人乘坐公交车免费卡怎么办理"),
        (
            "建议增开一条从{place}到火车站的公交线路",
            "希望{route}路公交车早晚高峰加密班次",
            "建议在{place}公交站增设候车亭和座椅",
        ),
    ),
    S(
        "交通运输/道路交通",
        "示例市公安局交通警察支队",
        "一般",
        (
            "{place}门口每天都有车辆乱停乱放，把消防通道都堵死了",
            "{place}路口的红绿灯坏了好几天，车辆乱成一团，差点撞到行人",
            "{place}附近经常有大货车超速，还乱按喇叭",
        ),
        (
            "请问驾驶证到期换证需要什么材料，可以网上办吗",
            "想咨询一下车辆违章在哪里处理，异地违章能不能在本地处理",
            "请问新车上牌需要预约吗",
        ),
        ("建议在{place}路口增加左转信号灯", "希望在{place}学校门口设置限时停车位，方便家长接送"),
    ),
    S(
        "劳动和社会保障/劳动关系",
        "示例市人力资源和社会保障局",
        "较急",
        (
            "我在{place}的工地干活，老板拖欠我们十几个工人{duration}的工资，一直不给",
            "公司无故辞退我，也不给经济补偿，还扣着我的工资不发",
            "单位不跟我签劳动合同，加班也不给加班费",
        ),
        ("请问被公司辞退了怎么申请劳动仲裁，需要准备什么材料", "想咨询一下试用期最长可以约定多久"),
        ("建议在工地设置农民工工资公示牌，防止拖欠", "希望劳动仲裁可以在网上立案，减少跑腿"),
    ),
    S(
        "劳动和社会保障/社会保险",
        "示例市人力资源和社会保障局",
        "一般",
        (
            "公司一直没有给我缴纳社保，我查了才发现断缴了半年",
            "在社保窗口办事排了三个小时的队，工作人员态度很差",
        ),
        (
            "请问灵活就业人员怎么缴纳养老保险，每个月交多少",
            "想咨询一下退休手续怎么办理，需要提前多久申请",
            "请问社保卡丢了怎么补办",
        ),
        ("建议社保业务都能在手机上办理，增加自助服务机",),
    ),
    S(
        "劳动和社会保障/社会保险",
        "示例市医疗保障局",
        "一般",
        (
            "在医院看病医保报销不了，医院说系统有问题让我自费",
            "异地就医备案办了还是不能直接结算，垫付了好几万",
        ),
        (
            "请问异地就医备案怎么办理，在外地住院能报销多少",
            "想咨询一下门诊慢特病怎么申请，需要什么材料",
            "请问新生儿怎么参加城乡居民医保",
        ),
        ("建议扩大门诊报销的药品范围", "希望异地就医直接结算能覆盖更多医院"),
    ),
    S(
        "教育文体/基础教育",
        "示例市教育局",
        "一般",
        (
            "{place}附近的学校乱收费，要求家长交资料费和补课费",
            "孩子在{place}的培训机构报了课，机构突然关门了，学费不退",
            "学校放学太早，家长都在上班没法接孩子",
        ),
        (
            "请问小学入学报名需要准备哪些材料，非本地户籍的孩子能不能在这里上学",
            "想咨询一下今年幼儿园什么时候开始报名",
            "请问孩子转学需要办理什么手续",
        ),
        ("建议在{place}新建一所小学，现在学位太紧张了", "希望学校开展课后延时服务，解决家长接送难"),
    ),
    S(
        "卫生健康/医疗服务",
        "示例市卫生健康委员会",
        "一般",
        (
            "在{hospital}看急诊等了四个多小时，医生态度很差，还乱开检查",
            "{hospital}挂号太难了，号贩子倒卖专家号",
        ),
        (
            "请问{hospital}周末有没有儿科门诊",
            "想咨询一下怎么预约九价宫颈癌疫苗",
            "请问出生医学证明丢了怎么补办",
        ),
        ("建议{hospital}增加夜间门诊，方便上班族看病", "希望社区卫生服务中心能多配几个全科医生"),
    ),
    S(
        "市场监管/消费维权",
        "示例市市场监督管理局",
        "一般",
        (
            "在{place}的健身房办了年卡，现在健身房跑路了，钱也退不了",
            "在{place}的商场买的电器用了一周就坏了，商家不给退换",
            "{place}的超市卖过期食品，找他们理论还不承认",
        ),
        (
            "请问预付卡退费有什么规定，商家不退钱怎么办",
            "想咨询一下个体工商户营业执照怎么办理，可以网上申请吗",
        ),
        ("建议加强对预付卡商家的监管，设立资金存管", "希望定期公布食品抽检不合格的商家名单"),
    ),
    S(
        "市场监管/食品安全",
        "示例市市场监督管理局",
        "较急",
        ("在{place}的餐馆吃饭后全家上吐下泻，怀疑食物中毒", "{place}的饭店后厨脏乱差，有老鼠，还用地沟油"),
        ("请问开餐馆需要办哪些证，食品经营许可证怎么申请",),
        ("建议学校食堂推行明厨亮灶，让家长能看到后厨",),
    ),
    S(
        "民政/社会救助",
        "示例市民政局",
        "较急",
        (
            "家里老人生病住院，家庭困难，申请了低保{duration}还没有批下来",
            "{place}桥洞下住着一位流浪老人，天气这么冷，没人管",
        ),
        (
            "请问低保怎么申请，家庭收入多少以下可以申请",
            "想咨询一下残疾人两项补贴怎么办理",
            "请问结婚登记需要预约吗，要带什么材料",
        ),
        ("建议给独居老人安装紧急呼叫设备", "希望简化临时救助的申请手续"),
    ),
    S(
        "民政/养老服务",
        "示例市民政局",
        "一般",
        ("{place}的养老院护工打骂老人，伙食也很差", "养老院收了押金以后服务越来越差，退住也不给退押金"),
        ("请问公办养老院怎么申请入住，费用是多少", "想咨询一下高龄津贴怎么领取"),
        ("建议在{place}社区开办老年食堂，解决老人吃饭难", "希望多建一些社区日间照料中心"),
    ),
    S(
        "公共安全/消防安全",
        "示例市消防救援支队",
        "紧急",
        (
            "{place}楼道里堆满了杂物和电动车，还有人在楼道里充电，万一着火就出不去了",
            "{place}的消防通道被锁死了，消防栓也没有水",
            "{place}有人私拉电线给电动车充电，已经冒烟了，非常危险",
        ),
        ("请问家里的灭火器过期了应该去哪里更换",),
        ("建议在{place}小区建设电动车集中充电棚", "希望对老旧小区的消防设施进行全面检查"),
    ),
    S(
        "公共安全/治安管理",
        "示例市公安局",
        "较急",
        (
            "{place}附近最近经常有人偷电动车，已经丢了好几辆",
            "{place}有人聚众赌博，每天晚上都有很多人进出",
            "我接到诈骗电话被骗了两万块钱，想请警察帮忙追回",
        ),
        (
            "请问身份证丢了怎么补办，可以在异地补办吗",
            "想咨询一下新生儿上户口需要带什么材料",
            "请问居住证怎么办理，需要住满多久",
        ),
        ("建议在{place}增加治安监控摄像头", "希望晚上在{place}周边加强巡逻"),
    ),
)

OPENINGS = (
    "",
    "您好，",
    "你好，",
    "喂，您好，",
    "领导您好，",
    "你好，我想反映个事，",
    "您好，我想咨询一下，",
    "你好，我是{district}的居民，",
)
NAMES = ("张", "李", "王", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙", "马", "朱", "胡", "郭")
GIVEN = ("建国", "秀英", "伟", "芳", "丽华", "志强", "海燕", "明", "婷", "晓东")
DISTRICTS = ("示例市东城区", "示例市西湖区", "示例市南山区", "示例市高新区", "示例市北岸区")
STREETS = (
    "幸福路",
    "人民大道",
    "建设街",
    "解放路",
    "滨江路",
    "光明街",
    "长安路",
    "文化路",
    "和平路",
    "新华街",
)
ESTATES = ("阳光小区", "锦绣花园", "金色家园", "翠湖苑", "幸福里小区", "东方明珠小区", "滨江一号", "梧桐雅苑")
HOSPITALS = ("示例市第一人民医院", "示例市中医院", "示例市妇幼保健院", "示例市中心医院")
TIMES = (
    "昨天晚上",
    "今天早上",
    "前天下午",
    "上周五",
    "这几天",
    "最近一个月",
    "昨天下午三点左右",
    "今天凌晨两点多",
    "3月5日",
)
DURATIONS = ("两个月", "半年", "一个多月", "三个星期", "大半年")
CLOSINGS = {
    "投诉求助": (
        "希望有关部门尽快处理。",
        "请相关部门赶紧派人来看一下。",
        "麻烦你们督促解决，谢谢。",
        "打了好几次电话都没人管，请一定要重视。",
        "请尽快给个答复。",
    ),
    "咨询": ("谢谢。", "麻烦告诉我一下。", "", "请给个答复，谢谢。"),
    "建言": ("谢谢。", "希望领导考虑一下。", "", "这是我的一点建议。"),
}


def _fill(template: str, rng: random.Random) -> str:
    district = rng.choice(DISTRICTS)
    place = (
        f"{district}{rng.choice(STREETS)}{rng.randint(1, 300)}号{rng.choice(ESTATES)}"
        if rng.random() < 0.5
        else f"{district}{rng.choice(STREETS)}"
    )
    return template.format(
        place=place,
        district=district,
        time=rng.choice(TIMES),
        duration=rng.choice(DURATIONS),
        route=rng.randint(1, 120),
        hospital=rng.choice(HOSPITALS),
    )


def _caller(rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.25:
        return f"我姓{rng.choice(NAMES)}，"
    if roll < 0.4:
        return f"我叫{rng.choice(NAMES)}{rng.choice(GIVEN)}，"
    return ""


def _callback(rng: random.Random) -> str:
    if rng.random() < 0.3:
        return f"我的电话是1{rng.choice('3589')}{rng.randint(0, 9)}{rng.randint(10000000, 99999999)}。"
    return ""


def _message(scenario: Scenario, request_type: str, rng: random.Random) -> dict[str, str]:
    pool = {"投诉求助": scenario.complaints, "咨询": scenario.questions, "建言": scenario.suggestions}[
        request_type
    ]
    body = _fill(rng.choice(pool), rng)
    when = f"{rng.choice(TIMES)}，" if request_type == "投诉求助" and rng.random() < 0.5 else ""
    punctuation = "？" if request_type == "咨询" else "。"
    text = (
        _fill(rng.choice(OPENINGS), rng)
        + _caller(rng)
        + when
        + body
        + punctuation
        + rng.choice(CLOSINGS[request_type])
        + _callback(rng)
    )
    urgency = scenario.urgency if request_type == "投诉求助" else "一般"
    return {
        "text": text,
        "request_type": request_type,
        "category": scenario.category,
        "department": scenario.department,
        "urgency": urgency,
    }


def build(seed: int = SEED) -> list[dict[str, str]]:
    rng = random.Random(seed)
    records = []
    for scenario in SCENARIOS:
        for index in range(PER_SCENARIO):
            request_type = ("投诉求助", "投诉求助", "咨询", "建言")[index % 4]
            records.append(_message(scenario, request_type, rng))
    rng.shuffle(records)
    return [{"id": f"sample-{number:04d}", **record} for number, record in enumerate(records, 1)]


def main() -> None:
    records = build()
    OUTPUT.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")


if __name__ == "__main__":
    main()
