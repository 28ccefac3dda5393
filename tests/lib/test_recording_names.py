"""Call-recording file names of Chinese (and Samsung) phones: the number and the start time they
carry, and nothing for a name that does not carry them."""
import json
import re
from datetime import datetime

import pytest

from evidence.lib import recording_names as rn

T = datetime(2024, 1, 5, 14, 30, 0)


CASES = [
    ("张三(13800138000)_20240105143000.mp3", "xiaomi", "13800138000", "张三", T),
    ("13800138000(13800138000)_20240105143000.mp3", "xiaomi", "13800138000", "13800138000", T),
    ("张三（+86 138 0013 8000）_20240105143000.m4a", "xiaomi", "+8613800138000", "张三", T),
    ("李四(95188).amr", "xiaomi", "95188", "李四", None),                     # no time: none proposed
    ("通话录音 13800138000 2024-01-05 14-30-00.m4a", "huawei", "13800138000", "", T),
    ("通话录音 张三 2024-01-05 14-30-00.m4a", "huawei", "", "张三", T),
    ("通话录音_13800138000_2024-01-05_14-30-00.amr", "huawei", "13800138000", "", T),
    ("13800138000_20240105143000.amr", "number_time", "13800138000", "", T),
    ("13800138000_20240105_143000.m4a", "number_time", "13800138000", "", T),
    ("13800138000-20240105143000.3gp", "number_time", "13800138000", "", T),
    ("张三_13800138000_20240105143000.m4a", "name_number_time", "13800138000", "张三", T),
    ("张三@13800138000_20240105_143000.mp3", "name_number_time", "13800138000", "张三", T),
    ("Call recording 13800138000_240105_143000.m4a", "samsung", "13800138000", "", T),
    ("Call recording +8613800138000_240105_143000.m4a", "samsung", "+8613800138000", "", T),
    ("Call recording 张三_240105_143000.m4a", "samsung", "", "张三", T),
    ("通话录音 13800138000_240105_143000.m4a", "samsung", "13800138000", "", T),
    ("/sdcard/MIUI/sound_recorder/call_rec/张三(13800138000)_20240105143000.MP3", "xiaomi", "13800138000", "张三", T),
]
NOT_RECORDER_NAMES = [
    "", "recording.mp3", "IMG_20240105_143000.jpg", "张三(13800138000)_20240105143000.jpg",  # not audio
    "张三(13800138000)_20240105143000", "Voice 001.m4a", "录音 2024-01-05.m4a", "20240105143000.mp3",
    "新录音 1.amr", "Call recording.m4a", "通话录音.m4a", "abc_20240105143000.mp3",
]


@pytest.mark.parametrize("name, pattern, number, contact, when", CASES)
def test_each_pattern(name, pattern, number, contact, when):
    found = rn.parse(name)
    assert found == rn.RecordingName(pattern, number, contact, when)


@pytest.mark.parametrize("name", NOT_RECORDER_NAMES)
def test_names_that_carry_nothing_propose_nothing(name):
    assert rn.parse(name) is None


def test_an_impossible_time_proposes_the_number_only():
    found = rn.parse("13800138000_20241340253000.amr")
    assert found is not None and found.number == "13800138000" and found.started_at is None
    assert rn.parse("张三(13800138000)_20240230120000.mp3").started_at is None  # 30 February


def test_the_page_gets_the_same_patterns():
    data = json.loads(rn.patterns_json())
    assert [p["id"] for p in data["patterns"]] == [p[0] for p in rn.PATTERNS]
    for p in data["patterns"]:
        assert "(?P<" not in p["regex"] and "(?<" not in p["regex"]  # JavaScript's syntax too
        assert re.compile(p["regex"]).groups == len(p["roles"])
