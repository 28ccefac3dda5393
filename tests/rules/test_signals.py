"""Text signals: tag suggestions from curated phrases, on real-looking collection
messages in simplified and traditional Chinese and in English."""
import pytest

from evidence.rules.signals import (
    PHRASE_FILES, SIGNAL_TAGS, PhraseFileError, Phrasebook, load_phrases, parse_phrases, suggest_tags,
    suggested_tags,
)


def found(text):
    """(tag, matched text) for every signal, checking each points at its own words."""
    out = []
    for s in suggest_tags(text):
        assert " ".join(text[s.start:s.end].split()).lower() == s.phrase.lower()
        out.append((s.tag, text[s.start:s.end]))
    return out


# --------------------------------------------------------------------------- simplified Chinese


def test_it_tags_a_collection_sms_in_simplified_chinese():
    sms = ("【速借宝】张先生，您在我司的借款已逾期45天，我司已将案件移交法务部，如今日18点前仍未处理，"
           "将联系你家人、单位领导并上门走访，后果自负。")
    assert found(sms) == [
        ("claimed_lawyer", "法务部"), ("mentioned_family", "你家人"), ("mentioned_employer", "单位领导"),
        ("threat", "上门走访"), ("threat", "后果自负"),
    ]


def test_it_tags_a_message_to_a_contact_as_disclosure():
    sms = "您好，您的朋友李某某在我司借款已严重逾期，您是其紧急联系人，请转告他尽快还款，否则我们将采取法律措施。"
    assert found(sms) == [
        ("disclosed_debt", "您的朋友"), ("disclosed_debt", "在我司借款"), ("disclosed_debt", "紧急联系人"),
        ("disclosed_debt", "请转告"),
    ]


def test_it_tags_a_fake_court_notice():
    sms = ("【XX市人民法院】李某某，你因恶意拖欠网贷已被立案，案号（2026）京0105民初12345号，"
           "请于三日内联系书记员，否则将依法拘留。")
    assert found(sms) == [
        ("claimed_court", "人民法院"), ("threat", "立案"), ("fake_legal_document", "案号"), ("threat", "拘留"),
    ]


def test_it_tags_insults_and_obscenity_and_the_longest_phrase_wins():
    sms = "你个老赖不要脸，操你妈的赶紧还钱，不还就爆你通讯录"
    # 操你妈 is obscene, not a mention of the family; 爆你通讯录 is one signal, not two.
    assert found(sms) == [("insult", "老赖"), ("insult", "不要脸"), ("obscene", "操你妈"), ("threat", "爆你通讯录")]


def test_it_tags_the_police_and_a_lawyers_letter():
    sms = "我是经侦大队的王警官，你涉嫌恶意透支，明天律师函寄到你公司，等着坐牢吧"
    assert found(sms) == [
        ("claimed_police", "经侦大队"), ("claimed_police", "警官"), ("fake_legal_document", "律师函"),
        ("mentioned_employer", "你公司"), ("threat", "等着坐牢"),
    ]


def test_it_tags_the_fixture_entry():
    assert found("不还钱就找你家人") == [("mentioned_family", "你家人")]


def test_it_avoids_common_false_friends():
    # 告诉你 is "I tell you", 其他欠款 is "other debts": neither is a threat nor a disclosure.
    assert found("我告诉你，其他欠款我都还清了") == []


# --------------------------------------------------------------------------- traditional Chinese


def test_it_tags_the_same_sms_in_traditional_chinese():
    sms = ("【速借寶】張先生，您在我司的借款已逾期45天，我司已將案件移交法務部，如今日18點前仍未處理，"
           "將聯繫你家人、單位領導並上門走訪，後果自負。")
    assert found(sms) == [
        ("claimed_lawyer", "法務部"), ("mentioned_family", "你家人"), ("mentioned_employer", "單位領導"),
        ("threat", "上門走訪"), ("threat", "後果自負"),
    ]
    assert {s.lang for s in suggest_tags(sms) if s.phrase != "你家人"} == {"zh-hant"}


def test_it_tags_a_hong_kong_collectors_message():
    sms = "再唔還錢就淋紅油，寫大字，通知你屋企人同你老細！仆街"
    assert found(sms) == [
        ("threat", "淋紅油"), ("threat", "寫大字"), ("mentioned_family", "你屋企"),
        ("mentioned_employer", "你老細"), ("insult", "仆街"),
    ]


def test_it_tags_traditional_variants():
    assert found("不還錢就爆你通訊錄，法院傳票已寄出，騙子") == [
        ("threat", "爆你通訊錄"), ("fake_legal_document", "法院傳票"), ("insult", "騙子")]
    assert found("通知你家裡人") == [("mentioned_family", "你家裡")]
    assert found("通知你家裏人") == [("mentioned_family", "你家裏")]


# --------------------------------------------------------------------------- English


def test_it_tags_an_english_voicemail_transcript():
    text = ("This is Officer Smith with the Police Department. A WARRANT for your arrest will be issued "
            "unless you pay today. We will contact your employer and your wife. You deadbeat.")
    assert found(text) == [
        ("claimed_police", "Police Department"), ("fake_legal_document", "WARRANT for your arrest"),
        ("mentioned_employer", "your employer"), ("mentioned_family", "your wife"), ("insult", "deadbeat"),
    ]


def test_english_phrases_match_whole_words_and_any_spacing():
    assert found("we will pursue this") == []
    assert found("we will sue   you") == [("threat", "sue   you")]
    assert found("courtesy call") == []


def test_an_acronym_matches_in_capitals_only():
    assert found("I will call HR today") == [("mentioned_employer", "HR")]
    assert found("call back within 24 hr") == []


def test_english_words_are_found_inside_chinese_text():
    assert found("我是警察police") == [("claimed_police", "警察"), ("claimed_police", "police")]


def test_one_phrase_gives_every_tag_it_is_listed_under():
    book = Phrasebook.build({"en": parse_phrases("[threat]\nexpose you\n[disclosed_debt]\nexpose you\n")})
    assert [s.tag for s in suggest_tags("we will expose you", book=book)] == ["threat", "disclosed_debt"]


# --------------------------------------------------------------------------- results


def test_it_suggests_nothing_for_empty_text():
    assert suggest_tags("") == [] and suggest_tags(None) == []


def test_suggested_tags_are_distinct_and_ordered():
    signals = suggest_tags("后果自负，找你领导，后果自负")
    assert suggested_tags(signals) == ["threat", "mentioned_employer"]


def test_each_signal_names_its_phrase_and_position():
    text = "明天上门"
    [signal] = suggest_tags(text)
    assert (signal.tag, signal.phrase, signal.start, signal.end, signal.lang) == ("threat", "上门", 2, 4, "zh-hans")


# --------------------------------------------------------------------------- the phrase files


def test_every_phrase_file_loads_with_phrases_for_every_tag():
    phrases = load_phrases()
    assert set(phrases) == set(PHRASE_FILES)
    for lang, by_tag in phrases.items():
        assert set(by_tag) == set(SIGNAL_TAGS), lang
        assert all(by_tag[tag] for tag in SIGNAL_TAGS), lang


def test_the_signal_tags_are_entry_tags():
    from evidence.models import Entry

    assert set(SIGNAL_TAGS) <= set(Entry.Tag.values)


def test_a_maintainer_adds_a_phrase_without_code(tmp_path):
    for lang, name in PHRASE_FILES.items():
        (tmp_path / name).write_text("[threat]\n# 新话术\n让你社死\n" if lang == "zh-hans" else "", encoding="utf-8")
    book = Phrasebook.build(load_phrases(tmp_path))
    [signal] = suggest_tags("不还钱就让你社死", book=book)
    assert (signal.tag, signal.phrase) == ("threat", "让你社死")


@pytest.mark.parametrize("text, message", [
    ("[thread]\n弄死你\n", "unknown tag"),
    ("弄死你\n", "before any"),
    ("[threat]\n弄死你\n弄死你\n", "already listed"),
])
def test_a_mistake_in_a_phrase_file_is_reported_with_its_line(text, message):
    with pytest.raises(PhraseFileError, match=message):
        parse_phrases(text, name="zh_hans.txt")
