"""Urgency, mood and request-type cues name the words that decided them."""

from assistant.hotline.signals import request_type_cue_matrix, sentiment, urgency


def test_danger_to_people_is_urgent_and_inconvenience_is_pressing():
    assert urgency("楼道里有人私拉电线充电，已经冒烟了") == ("紧急", "冒烟")
    assert urgency("小区停水两天了")[0] == "较急"
    assert urgency("请问公积金怎么提取") == ("一般", "")


def test_mood():
    assert sentiment("反映好几次了一直没人管，太过分了")[0] == "不满"
    assert sentiment("孩子吵得睡不着，怎么办")[0] == "焦急"
    assert sentiment("感谢你们帮助解决了问题") == ("满意", "感谢你们帮助解决")
    assert sentiment("请问居住证怎么办理")[0] == "平和"


def test_request_type_cues():
    # Columns: 咨询, 投诉求助, 建言, each counted in the whole text, its start and its end.
    [cues] = request_type_cue_matrix(["建议增设公交站，请问什么时候能开通？"])
    assert cues[6:9].max() > 0 and cues[0:3].max() > 0 and cues[3:6].max() == 0
    matrix = request_type_cue_matrix(["建议增设公交站", "投诉噪音扰民"])
    assert matrix.shape == (2, 9) and matrix.max() <= 1
