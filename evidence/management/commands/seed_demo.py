"""A demo borrower with three weeks of realistic collection harassment.

Everything goes through the real services (case_create, entry_create, encrypted
uploads), so the demo data is encrypted, hashed and in the custody chain exactly
like a borrower's own; the files are generated on the fly (evidence.management.demo).
All people, numbers and organisations are invented.
"""
from __future__ import annotations

import random
import secrets
import time
import zoneinfo
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from accounts.services import user_create, user_update_profile
from evidence.store.crypto import keys_scope
from evidence.management.demo import recording_wav, sms_screenshot_png
from evidence.complaints.drafts import generate as generate_complaint
from evidence.complaints.services import complaint_save
from evidence.models import Case, ComplaintDraft, Entry
from evidence.cases.services import case_create, entry_create
from evidence.store.uploads import encrypted_upload_from_bytes

ZONE = zoneinfo.ZoneInfo("Asia/Shanghai")
URL = "http://127.0.0.1:8000/"
# --reset erases a user for ever: only one whose cases all carry this mark.
DEMO_MARK = "【演示数据】"

T = Entry.Tag


class Command(BaseCommand):
    help = (
        "Create a demo borrower (prints the login) with a realistic case: three weeks of calls "
        "(night calls, bursts, fake police/court/lawyer), insulting and threatening SMS, contacts "
        "of family and colleagues (爆通讯录), SMS screenshots and call recordings."
    )

    def add_arguments(self, parser):
        parser.add_argument("--username", default="demo")
        parser.add_argument("--password", help="the demo user's password (default: a random one, printed)")
        parser.add_argument("--reset", action="store_true",
                            help="erase the existing demo user and all its evidence, then recreate it")
        parser.add_argument("--seed", type=int, default=2024, help="random seed for numbers and times")
        parser.add_argument("--allow-production", action="store_true",
                            help="seed even though LIUZHENG_PRODUCTION is set")

    def handle(self, *args, username, password=None, reset=False, seed=2024, allow_production=False, **options):
        if getattr(settings, "PRODUCTION", False) and not allow_production:
            raise CommandError("LIUZHENG_PRODUCTION is set: a demo user does not belong here "
                               "(pass --allow-production if you really mean it).")
        User = get_user_model()
        existing = User.objects.filter(username=username).first()
        if existing and not reset:
            self.stdout.write(f"User {username!r} already exists; nothing was changed "
                              f"(use --reset to erase and recreate it).")
            return
        if existing:
            self._erase(existing)

        started = time.monotonic()
        password = password or secrets.token_urlsafe(9)
        with transaction.atomic(), keys_scope():
            # One transaction: a failure leaves no half demo user behind that would
            # make the next run say "already exists" (stray ciphertext is swept by gc_blobs).
            # One key scope: the user's data key is looked up once, not per field and file.
            user = user_create(username=username, password=password, language="zh-hans")
            # The borrower's legal name (invented, as the SMS address him): 原告 / 投诉人 in the documents.
            user_update_profile(user=user, email="", language="zh-hans", time_zone="Asia/Shanghai",
                                legal_name="钟伟")
            story = Story(user, random.Random(seed), timezone.now().astimezone(ZONE))
            case = story.build()
        # One saved draft per complaint channel, so the demo bundle shows complaints/. Saving is a
        # durable door (its own transaction), hence after the one above.
        with keys_scope():
            for channel in ComplaintDraft.Channel.values:
                complaint_save(case=case, channel=channel, body=generate_complaint(case, channel), actor=user)
        elapsed = time.monotonic() - started

        entries = list(case.entries.all())
        kinds = {k: sum(1 for e in entries if e.kind == k) for k in Entry.Kind.values}
        atts = list(case.attachments.all())
        first, last = min(e.occurred_at for e in entries), max(e.occurred_at for e in entries)
        self.stdout.write(self.style.SUCCESS(f"Created demo borrower {username!r} in {elapsed:.1f} s."))
        self.stdout.write(f"  username: {username}")
        self.stdout.write(f"  password: {password}")
        self.stdout.write(f"  log in at {URL}")
        self.stdout.write(
            f"  case {case.pk} ({case.lender}): {len(entries)} entries from "
            f"{first.astimezone(ZONE):%Y-%m-%d} to {last.astimezone(ZONE):%Y-%m-%d} — "
            + ", ".join(f"{n} {k}" for k, n in kinds.items() if n)
        )
        self.stdout.write(
            f"  attachments: {sum(a.kind == 'image' for a in atts)} screenshots, "
            f"{sum(a.kind == 'audio' for a in atts)} recordings"
        )

    def _erase(self, user):
        cases = list(Case.objects.filter(owner=user))
        made_by_us = cases and all(c.notes.startswith(DEMO_MARK) for c in cases)
        if not made_by_us or user.is_staff or user.is_superuser:
            raise CommandError(f"User {user.username!r} was not made by seed_demo; refusing to erase it.")
        call_command("erase_user", user.username, yes=True, stdout=self.stdout)


class Story:
    """The case, told day by day. Day 0 is three weeks ago; day 20 is yesterday."""

    def __init__(self, user, rng: random.Random, now_local: datetime):
        self.user = user
        self.rng = rng
        self.day0 = (now_local - timedelta(days=21)).replace(hour=0, minute=0, second=0, microsecond=0)
        self.now = now_local
        self.shots = 0
        self.recordings = 0
        self.pending = []
        # Collectors rotate virtual-operator numbers (170/171/162/165/167), which is
        # typical and why borrowers cannot simply block them.
        self.collectors = [self._mobile(p) for p in ("170", "171", "165", "167", "162", "170", "171", "165")]
        self.landline = f"0731-8{self._digits(7)}"
        self.platform_sms = f"10690{self._digits(8)}"
        self.hotline = f"400{self._digits(7)}"
        self.mother = self._mobile("139")
        self.colleague = self._mobile("136")
        self.boss = self._mobile("138")
        self.hr = self._mobile("137")
        self.friend = self._mobile("150")
        self.classmate = self._mobile("186")

    # ------------------------------------------------------------------ helpers

    def _digits(self, n):
        return "".join(self.rng.choice("0123456789") for _ in range(n))

    def _mobile(self, prefix):
        return prefix + self._digits(8)

    @staticmethod
    def _display(number):
        if len(number) == 11 and number.isdigit():
            return f"+86 {number[:3]} {number[3:7]} {number[7:]}"
        return number

    def at(self, day, hour, minute=0):
        # Hours past 24 are the small hours of the next day: a night reads as one block.
        when = self.day0 + timedelta(days=day, hours=hour, minutes=minute)
        if when > self.now:
            raise ValueError(f"demo entry at {when} would be in the future")
        return when

    def screenshot(self, sender, messages, when, shot_at=None):
        self.shots += 1
        png = sms_screenshot_png(self._display(sender), messages, when, shot_at=shot_at)
        return encrypted_upload_from_bytes(owner_id=self.user.pk, name=f"sms-{self.shots:04d}.png",
                                           data=png, content_type="image/png")

    def recording(self, seconds):
        self.recordings += 1
        wav = recording_wav(seconds, seed=self.rng.randrange(1 << 30))
        return encrypted_upload_from_bytes(owner_id=self.user.pk, name=f"call-{self.recordings:04d}.wav",
                                           data=wav, content_type="audio/x-wav")

    def add(self, when, kind, *, tags=(), uploads=(), **fields):
        tags = [str(t) for t in tags]
        local = when.astimezone(ZONE)
        if kind in (Entry.Kind.CALL, Entry.Kind.SMS) and (local.hour >= 22 or local.hour < 8) and T.NIGHT not in tags:
            tags.append(str(T.NIGHT))
        self.pending.append((when, kind, tags, uploads, fields))

    def call(self, when, number, *, direction="incoming", duration=None, claimed="", content="", tags=(),
             notes="", recording=None):
        uploads = []
        if recording:
            uploads.append(self.recording(recording))
            notes = (notes + "\n" if notes else "") + "录音为通话节选。"
        # The demo borrower says what happened to each call (the form asks): a missed call is
        # an incoming call not answered.
        outcome = Entry.Outcome.ANSWERED
        if direction == Entry.Direction.MISSED:
            duration, direction, outcome = None, Entry.Direction.INCOMING, Entry.Outcome.MISSED
        elif duration is None:
            duration = self.rng.randint(15, 150)
        self.add(when, Entry.Kind.CALL, direction=direction, call_outcome=outcome, duration_seconds=duration,
                 channel=Entry.Channel.CALL,
                 number=number, claimed_identity=claimed, content=content, notes=notes, tags=tags, uploads=uploads)

    def sms(self, when, number, text, *, tags=(), claimed="", screenshot=True, notes=""):
        uploads = [self.screenshot(number, [text], when)] if screenshot else []
        self.add(when, Entry.Kind.SMS, channel=Entry.Channel.SMS, number=number, content=text,
                 claimed_identity=claimed, tags=tags, notes=notes, uploads=uploads)

    def third_party(self, when, name, relation, their_number, told, *, channel=Entry.Channel.CALL, tags=(),
                    notes="", screenshot=None):
        uploads = [self.screenshot(*screenshot, shot_at=when)] if screenshot else []
        self.add(when, Entry.Kind.THIRD_PARTY, contact_name=name, contact_relation=relation, number=their_number,
                 channel=channel, content=told, tags=[T.DISCLOSED_DEBT, *tags], notes=notes, uploads=uploads)

    def burst(self, day, hour, minute, *, count=8, span=55, answered=(), content="", tags=()):
        """Many calls in a short time from rotating numbers, mostly unanswered."""
        start = self.at(day, hour, minute)
        offsets = sorted(self.rng.sample(range(1, span), count - 1))
        for i, offset in enumerate([0, *offsets]):
            number = self.collectors[i % 4 + (day % 2) * 4]
            if i in answered:
                self.call(start + timedelta(minutes=offset, seconds=self.rng.randint(0, 59)), number,
                          duration=self.rng.randint(20, 70), content=content, tags=[T.REPEATED, *tags])
            else:
                self.call(start + timedelta(minutes=offset, seconds=self.rng.randint(0, 59)), number,
                          direction=Entry.Direction.MISSED, tags=[T.REPEATED])

    # ------------------------------------------------------------------ the case

    def build(self) -> Case:
        c = self.collectors
        today = self.now.date()
        case = case_create(
            owner=self.user,
            lender="携程金融",
            product="借去花（12 期分期借款）",
            amount_owed="23,846.50 元（本金 20,000 元，其余为罚息和“服务费”）",
            overdue_since=today - timedelta(days=63),
            lender_entity="重庆演示小额贷款有限公司（虚构）",
            court="长沙市天心区人民法院",
            cause="隐私权、个人信息保护纠纷",
            collector_numbers="\n".join([self.platform_sms, self.landline, *c]),
            agencies="长沙恒信达信息咨询有限公司（外包催收，来电自称）\n“华诚律师事务所”（短信自称，查无此所）",
            notes=f"{DEMO_MARK}由 seed_demo 生成，人物、号码和机构均为虚构。\n"
                  "2024 年底失业后还款中断；已多次提出分期协商，对方拒绝。",
        )

        # Week 1: reminders turn into pressure.
        self.sms(self.at(0, 10, 12), self.platform_sms,
                 "【携程金融】尊敬的钟先生，您的借去花账单已逾期42天，应还金额23,846.50元，"
                 "请尽快还款，以免影响您的个人征信。退订回T", screenshot=False)
        self.call(self.at(0, 14, 31), c[0], duration=95, claimed="携程金融贷后部 王专员",
                  content="问什么时候还款。我说下个月发工资先还3000，对方说必须今天全额还清，否则“后果自负”。")
        self.call(self.at(1, 9, 5), c[1], direction="missed")
        self.call(self.at(1, 9, 41), c[1], direction="missed")
        self.call(self.at(1, 19, 20), c[2], duration=182, claimed="委外催收 刘经理",
                  content="说再不还就“走流程”，要联系我通讯录里的人，问我“你爸妈知道你欠钱吗”。",
                  tags=[T.THREAT, T.MENTIONED_FAMILY])
        self.sms(self.at(2, 12, 3), c[2],
                 "钟伟你欠的钱什么时候还？别装死，再不处理明天开始联系你的紧急联系人和通讯录，"
                 "到时候你全家都知道你是个老赖。", tags=[T.THREAT, T.MENTIONED_FAMILY, T.INSULT])
        self.call(self.at(2, 22, 47), c[0], duration=64,
                  content="深夜来电，问我为什么不接电话，骂我“老赖”“骗子”。", tags=[T.INSULT])
        for minute in (55, 61, 67):
            self.call(self.at(3, 8, minute), c[3], direction="missed", tags=[T.REPEATED])
        self.third_party(
            self.at(3, 13, 30), "李强", "同事", self.colleague,
            "对方自称“携程法务部”，问李强认不认识我，说我欠钱不还、“人已经失联”，让他转告我尽快还款，"
            "还问我在公司哪个部门、几点下班。",
            tags=[T.MENTIONED_EMPLOYER, T.CLAIMED_LAWYER],
            notes=f"李强中午当面告诉我的。来电号码：{c[3]}。",
        )
        self.sms(self.at(4, 11, 2), c[4],
                 "【律师函】钟伟：你因恶意拖欠携程金融借款，已涉嫌合同诈骗。我所受委托，将于3个工作日内"
                 "向你户籍所在地人民法院提起诉讼，并申请冻结你名下银行卡、微信、支付宝及工资。"
                 "华诚律师事务所 赵律师", claimed="华诚律师事务所 赵律师",
                 tags=[T.FAKE_LEGAL_DOC, T.CLAIMED_LAWYER, T.THREAT])
        self.call(self.at(4, 15, 20), c[4], duration=212, claimed="华诚律师事务所 赵律师",
                  content="自称律师，说已经立案，要我今天下午5点前还清，否则“等着收传票”。我问律所名称和执业证号，对方挂断。",
                  tags=[T.CLAIMED_LAWYER, T.THREAT], recording=6)
        self.sms(self.at(5, 21, 36), c[5],
                 "你这种人就是社会的垃圾，借钱不还还有脸活着？你爸妈怎么养出你这种东西，全家都跟着你丢人！",
                 tags=[T.INSULT, T.MENTIONED_FAMILY])
        self.call(self.at(5, 23, 58), c[5], direction="missed")
        self.call(self.at(5, 25, 12), c[6], duration=21,
                  content="凌晨一点多，接起来对方直接骂脏话，然后挂断。", tags=[T.INSULT, T.OBSCENE])
        self.burst(6, 14, 2, answered=(5,), content="接了一次，对方说“打到你接为止，今天不还明天继续”。",
                   tags=[T.THREAT])

        # Week 2: the contacts (爆通讯录), claimed courts and police.
        self.third_party(
            self.at(7, 10, 31), "陈静", "朋友", self.friend,
            "陈静收到短信，说我在他们公司借款逾期，她是我的“紧急联系人”，要她转告我还款，否则“后果自负”。"
            "我从没有把她填成紧急联系人。",
            channel=Entry.Channel.SMS, tags=[T.THREAT],
            notes="陈静微信转来了截图。",
            screenshot=(c[2], ["你好，你的朋友钟伟在我司借款逾期未还，你是他的紧急联系人，请转告他今天之内"
                               "联系处理，否则一切后果自负。"], self.at(7, 8, 47)),
        )
        self.sms(self.at(7, 20, 15), c[1],
                 "明天我们的外访人员会到你单位和你户籍地核实情况，到时候别怪我们不给你留面子。",
                 tags=[T.THREAT, T.MENTIONED_EMPLOYER, T.MENTIONED_FAMILY])
        self.call(self.at(8, 16, 40), self.landline, duration=145, claimed="芙蓉区人民法院 工作人员",
                  content="自称法院工作人员，说案件已经立案，要核实我的住址准备“上门送达”，又说现在还款可以“撤诉”。"
                          "让我把钱转到一个个人账户。",
                  tags=[T.CLAIMED_COURT, T.THREAT], recording=7)
        self.call(self.at(8, 22, 30), c[0], duration=35, content="又问什么时候还，说“今晚你别想睡”。",
                  tags=[T.THREAT])
        self.third_party(
            self.at(9, 9, 15), "王秀兰", "母亲", self.mother,
            "对方打电话给我妈，说我欠了几万块钱不还，“已经报案了，马上要抓去坐牢”，让她替我还钱，"
            "还说要去老家找她。",
            tags=[T.THREAT, T.MENTIONED_FAMILY, T.CLAIMED_POLICE],
            notes=f"妈妈哭着打电话给我，一晚上没睡。来电号码：{c[1]}。",
        )
        self.sms(self.at(9, 12, 6), c[1],
                 "你妈的电话我们已经打过了，下一个就是你领导和你同事。自己看着办。",
                 tags=[T.THREAT, T.MENTIONED_FAMILY, T.MENTIONED_EMPLOYER])
        self.burst(10, 23, 10, count=6, span=80, answered=(2,), content="骂了几句就挂了。", tags=[T.INSULT])
        self.third_party(
            self.at(11, 10, 5), "张建国", "领导（部门经理）", self.boss,
            "对方打到公司前台和张经理手机，说我“欠债跑路”“涉嫌诈骗”，要求公司扣我工资还债。",
            tags=[T.MENTIONED_EMPLOYER, T.CLAIMED_POLICE],
            notes="张经理把我叫到办公室谈话，说再这样影响工作要考虑我的岗位。",
        )
        self.third_party(
            self.at(11, 10, 48), "刘敏", "同事（人事）", self.hr,
            "公司人事刘敏收到短信，说我“恶意逃废债务”，要人事部门“配合调查”，提供我的住址和工资卡。",
            channel=Entry.Channel.SMS, tags=[T.MENTIONED_EMPLOYER, T.FAKE_LEGAL_DOC],
            screenshot=(c[4], ["贵司员工钟伟恶意逃废债务，已进入司法程序，请人事部门配合调查，"
                               "提供其现住址及工资发放账户。华诚律师事务所"], self.at(11, 9, 58)),
        )
        self.call(self.at(11, 18, 30), c[6], duration=176, claimed="经侦支队 李警官",
                  content="自称市公安局经侦支队警官，说我涉嫌诈骗已被立案，要我明天去派出所“说明情况”，"
                          "或者今晚还款就可以“销案”。我问警号，对方报不出来。",
                  tags=[T.CLAIMED_POLICE, T.THREAT], recording=8)
        self.call(self.at(12, 7, 10), c[7], direction="missed")
        self.call(self.at(12, 7, 25), c[7], duration=52, content="早上七点多来电，让我“别上班了，先把钱还了”。")
        self.sms(self.at(12, 14, 0), c[3],
                 "【催收通知】钟伟（身份证号4301**********1234）拖欠借款逾期不还，现已移交法务，"
                 "请各位亲友督促其还款，如有包庇将承担连带责任。",
                 tags=[T.DISCLOSED_DEBT, T.FAKE_LEGAL_DOC, T.THREAT],
                 notes="同一条短信朋友也收到了，看来是群发给了通讯录。")
        self.add(self.at(13, 9, 40), Entry.Kind.POST, channel=Entry.Channel.WECHAT,
                 content="有人在我住的小区业主微信群里发了我的照片和欠款信息，标题“老赖曝光”，邻居转给了我。",
                 tags=[T.DISCLOSED_DEBT, T.INSULT], notes="发帖的微信号已退群。")
        self.third_party(
            self.at(13, 21, 0), "赵磊", "大学同学", self.classmate,
            "对方说我已被列为“失信人”，让赵磊“先替他还1000元就能消除影响”。",
            tags=[T.THREAT], notes=f"来电号码：{c[2]}。",
        )

        # Week 3: visits, more nights, more bursts.
        self.call(self.at(14, 10, 20), c[5], direction="missed")
        self.call(self.at(14, 11, 2), c[5], duration=88,
                  content="说再不还就去我老家村里贴告示，“让你爸妈在村里抬不起头”。",
                  tags=[T.THREAT, T.MENTIONED_FAMILY])
        self.sms(self.at(14, 23, 40), c[6],
                 "臭不要脸的东西，躲得了初一躲不了十五。再不还钱，让你在老家、在公司都抬不起头！",
                 tags=[T.INSULT, T.THREAT, T.MENTIONED_EMPLOYER])
        self.add(self.at(15, 12, 15), Entry.Kind.VISIT, claimed_identity="“资产管理公司外访专员”",
                 content="两名男子到公司楼下前台找我，大声说我欠钱不还，要前台“通知他出来”，保安请他们离开。同事都看到了。",
                 tags=[T.DISCLOSED_DEBT, T.MENTIONED_EMPLOYER, T.THREAT],
                 notes="前台同事拍了照片，可以作证。")
        self.call(self.at(15, 16, 0), self.hotline, direction="outgoing", duration=420,
                  content="我打官方客服，要求停止联系我的家人同事、协商分期。客服说催收是外包的，“无法干预”。")
        self.burst(16, 19, 0, answered=(3, 6), content="一小时内换着号码打，接了两次，都是要我“马上还”。")
        self.third_party(
            self.at(17, 10, 12), "王秀兰", "母亲", self.mother,
            "妈妈收到短信，说我“欠款不还已涉嫌犯罪”，如不代为偿还，“法院将强制执行你们家房产”。",
            channel=Entry.Channel.SMS, tags=[T.THREAT, T.FAKE_LEGAL_DOC, T.MENTIONED_FAMILY],
            screenshot=(c[1], ["王秀兰阿姨，您儿子钟伟欠款不还已涉嫌犯罪，如您不代为偿还，"
                               "法院将依法强制执行你们家房产，请您三日内联系处理。"], self.at(17, 8, 30)),
        )
        self.call(self.at(17, 26, 13), c[7], duration=30, content="凌晨两点来电，我没说话，对方一直骂。",
                  tags=[T.INSULT])
        self.call(self.at(18, 11, 30), self.landline, duration=133, claimed="法院执行局 工作人员",
                  content="又自称法院，说“执行令已经下来了”，明天要来家里“查封财产”，还款可以暂缓。",
                  tags=[T.CLAIMED_COURT, T.THREAT], recording=5)
        self.sms(self.at(18, 17, 45), c[0],
                 "最后通牒：今晚12点前不处理，明天上午外访人员直接到你公司和你家，"
                 "同时起诉材料递交法院，后果你自己承担。",
                 tags=[T.THREAT, T.FAKE_LEGAL_DOC, T.MENTIONED_EMPLOYER])
        self.call(self.at(19, 12, 3), c[3], duration=47, content="问我是不是“想坐牢”。", tags=[T.THREAT])
        self.call(self.at(19, 22, 15), c[4], direction="missed")
        self.call(self.at(19, 23, 5), c[4], duration=18, content="深夜又打来，骂完就挂。", tags=[T.INSULT])
        self.call(self.at(20, 9, 30), c[2], direction="missed")
        self.sms(self.at(20, 10, 4), c[2],
                 "不接电话是吧？行，今天开始你通讯录里的每一个人都会收到你的欠款信息。",
                 tags=[T.THREAT, T.DISCLOSED_DEBT])
        self.call(self.at(20, 15, 0), c[6], duration=61,
                  content="又提起要去我老家，我说已经在记录并准备投诉，对方说“你投诉也没用”。",
                  tags=[T.THREAT, T.MENTIONED_FAMILY])

        # In time order, like a borrower logging as things happen: the custody chain reads naturally.
        for when, kind, tags, uploads, fields in sorted(self.pending, key=lambda p: p[0]):
            entry_create(case=case, actor=self.user, kind=kind, occurred_at=when, tags=tags,
                         uploads=list(uploads), **fields)
        return case
