"""Chinese labels for what we print for courts and regulators (catalog.pdf, timeline.csv,
complaint drafts). Those documents are Chinese whatever the UI language, so they use
this one table, not gettext; the UI's own labels are the models' translatable choices."""

KIND_ZH = {"call": "催收电话", "sms": "短信 / 即时消息", "third_party": "联系第三人（爆通讯录）", "visit": "上门",
           "post": "公开发布 / 曝光", "other": "其他"}
DIRECTION_ZH = {"incoming": "来电", "outgoing": "去电", "missed": "未接来电"}
# What happened to a call (Entry.Outcome, issue 14), as the catalogue prints it.
OUTCOME_ZH = {"answered": "接通", "missed": "未接", "rejected": "拒接", "unknown": "不确定"}
CHANNEL_ZH = {"sms": "短信", "wechat": "微信", "qq": "QQ", "call": "电话", "app": "贷款App", "email": "电子邮件",
              "visit": "上门", "other": "其他"}
TAG_ZH = {"threat": "威胁", "insult": "辱骂", "obscene": "淫秽", "claimed_police": "冒充警察", "claimed_court": "冒充法院",
          "claimed_lawyer": "冒充律师", "fake_legal_document": "伪造法律文书", "mentioned_family": "扬言联系家人",
          "mentioned_employer": "扬言联系单位", "disclosed_debt": "向他人透露债务", "repeated": "频繁来电", "night": "夜间"}


def tags_zh(tags) -> str:
    return "、".join(TAG_ZH.get(t, t) for t in tags or [])


def format_duration(seconds):
    """205 -> '3:25', 3723 -> '1:02:03', None -> ''."""
    if seconds is None:
        return ""
    minutes, sec = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{sec:02d}" if hours else f"{minutes}:{sec:02d}"
