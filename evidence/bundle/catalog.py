"""catalog.pdf: the part of the evidence bundle a lawyer prints and files (证据目录), laid out with evidence.pdf."""
from __future__ import annotations

import re

from evidence.pdf.fonts import FontMissing
from evidence.pdf.layout import (
    ALERT, CODE_FILL, CONTENT_W, IMAGE_MAX_H, MARGIN_TOP, MARGIN_X, MUTED, PT, RULE, Col, Group, Renderer,
)
from evidence.pdf.text import EMOJI, REPLACEMENT

CatalogFontMissing = FontMissing  # its name from before the engine moved to evidence.pdf

KIND_LABELS = {"audio": "录音", "image": "图片", "video": "视频", "document": "文件"}
_CN_DIGITS = "零一二三四五六七八九"


def _cn_number(value: str) -> str:
    """'1' → '一', '12' → '十二'; anything else unchanged."""
    if not str(value).isdigit() or not 0 < int(value) < 100:
        return str(value)
    n = int(value)
    tens, ones = divmod(n, 10)
    if tens == 0:
        return _CN_DIGITS[ones]
    return ("" if tens == 1 else _CN_DIGITS[tens]) + "十" + (_CN_DIGITS[ones] if ones else "")


class CatalogRenderer(Renderer):
    """The catalog of one bundle (`data`, see BundleWriter.catalog_data):

        cover          case, parties, period, export time, manifest SHA-256, how to verify
        证据目录        序号 | 证据名称 | 证据来源 | 证明目的 | 页码 | 原件/复印件 | 备注
        one section    per item: facts, files (SHA-256, times, timestamp status), the printed
                       screenshot, the 录音文字整理稿 or a "transcript missing" marker
        统计 / 时间线   statistics and the full timeline

    Every page carries "第 N 页 共 M 页". The 证据目录 is laid out twice with identical
    results: once, dry, to learn how many pages it needs, then for real at the end through
    fpdf2's ToC placeholder, when the page of every item section is known (页码 column).
    """

    def __init__(self, data: dict, font: tuple[str, int] | None = None):
        super().__init__(font)
        self.d = data or {}
        self.pdf.set_title(self.t(self.d.get("title")) or "证据目录")
        self.item_pages: dict[tuple[int, int], int] = {}
        self.fresh_y = -1.0

    # ---------------------------------------------------------------- cover

    def cover(self):
        d, case, period = self.d, self.d.get("case") or {}, self.d.get("period") or {}
        pdf = self.pdf
        pdf.add_page()
        self.y = MARGIN_TOP
        pdf.start_section(self.t(d.get("title")) or "证据目录")
        self.para("留证 Liuzheng · 证据包 Evidence bundle", size=8, rgb=MUTED, after=14)
        self.para(self.t(d.get("title") or "证据目录"), fk="b", size=26, align="C", spacing=1.3, after=1)
        self.para("证据包 · Evidence bundle", size=11.5, rgb=MUTED, align="C", after=9)
        frm, to = self.t(period.get("from")), self.t(period.get("to"))
        defendants = case.get("defendants") or [x for x in [case.get("lender")] if x]
        rows = [
            ("受理法院", case.get("court") or "未填写"),
            ("案号", case.get("court_case_number") or "（立案后填写）"),
            ("案由", case.get("cause") or "未填写"),
            ("原告（投诉人）", case.get("plaintiff") or case.get("borrower") or "未填写"),
            ("被告（被投诉人）", "\n".join(f"{i}. {self._raw(x)}" for i, x in enumerate(defendants, 1)) or "未填写"),
            ("借款产品", case.get("product")),
            ("借款合同编号", case.get("loan_reference")),
            ("欠款金额", case.get("amount_owed")),
            ("逾期起始日", case.get("overdue_since")),
            ("催收号码", "、".join(self._raw(n) for n in case.get("collector_numbers") or [])),
            ("证据期间", f"{frm} 至 {to}" if frm or to else ""),
            ("导出时间", d.get("exported_at")),
            ("证据包文件", d.get("bundle_name"), "m"),
            ("可信时间戳", d.get("timestamp_note")),
            ("提交日期", "________ 年 ____ 月 ____ 日（提交时填写）"),
        ]
        if case.get("notes"):
            rows.append(("案件说明", case.get("notes")))
        self.kv_table(rows, label_w=32, size=9.5)
        self.y += 5

        sha = re.sub(r"[^0-9a-fA-F]", "", self._raw(d.get("manifest_sha256"))).lower()
        self.heading("manifest.json SHA-256（证据包指纹 / bundle fingerprint）", size=10.5, keep=22, rule=False)
        if sha:
            groups = [sha[i:i + 8] for i in range(0, len(sha), 8)]
            lines = [" ".join(groups[i:i + 4]) for i in range(0, len(groups), 4)]
        else:
            lines = ["（未提供）"]
        self.para("\n".join(lines), fk="m", size=11.5, fill=CODE_FILL, spacing=1.55, after=1)
        self.para("本文件每页页脚印有该指纹的前 16 位；与证据包中 manifest.json 的 SHA-256 一致，即表明本目录属于该证据包。",
                  size=8, rgb=MUTED, after=5)

        self.heading("如何核验 / How to verify", size=10.5, keep=25, rule=False)
        self.para("解压证据包后，在其目录中运行以下命令（需 coreutils 与 openssl），无需本软件：", size=8.5, rgb=MUTED, after=1.5)
        for cmd in d.get("verify_howto") or []:
            self.para(self.t(cmd), fk="m", size=8, fill=CODE_FILL, spacing=1.5, after=0)
        self.y += 6
        note = ("本工具不构成法律意见 / not legal advice。"
                f"无法以本字体显示的字符（如表情符号）在本目录中以“{EMOJI}”或“{REPLACEMENT}”代替，原始内容以证据包中的原件为准。")
        self.ensure(12)
        self.y = max(self.y, self.y_max - 10)
        self.para(note, size=7.2, rgb=MUTED, after=0)

    # ---------------------------------------------------------------- catalog

    CATALOG_COLS = [
        Col("序号", 11, "C"),
        Col("证据名称", 33),
        Col("证据种类", 18, "C"),
        Col("证据来源", 20),
        Col("证明目的", 52),
        Col("页码", 10, "C", nowrap=True),
        Col("原件/\n复印件", 30),
    ]

    def catalog(self):
        """Laid out twice: dry (page count only) and for real; the same code, same breaks."""
        d, case = self.d, self.d.get("case") or {}
        self.y = MARGIN_TOP
        if not self.dry:
            self.sync_state()
        self.para(self.t(d.get("title") or "证据目录"), fk="b", size=18, align="C", spacing=1.3, after=1.5)
        who = " · ".join(x for x in (self.t(case.get("lender")), self.t(case.get("product"))) if x)
        plaintiff = case.get("plaintiff") or case.get("borrower")
        sub = "案件：" + (who or "—") + (f"　原告（投诉人）：{self.t(plaintiff)}" if plaintiff else "")
        if case.get("court") and case.get("court") != "未填写":
            sub += f"　受理法院：{self.t(case.get('court'))}"
        self.para(sub, size=8.5, rgb=MUTED, align="C", after=4)
        rows = []
        for gi, group in enumerate(self.d.get("groups") or []):
            items = group.get("items") or []
            rows.append(Group(f"{self.group_title(group)}（{len(items)} 项）"))
            for ii, item in enumerate(items):
                page = self.item_pages.get((gi, ii))
                rows.append([
                    self.t(item.get("number")), self.t(item.get("name")), self.t(item.get("kind")),
                    self.t(item.get("source")), self.t(item.get("purpose")), str(page) if page else "",
                    self.t(item.get("original")),
                ])
        self.table(self.CATALOG_COLS, rows, size=8.3)
        self.y += 4
        self.para("证据种类按《中华人民共和国民事诉讼法》第六十六条所列种类；电子数据的原件以证据包中的文件为准"
                  "（《最高人民法院关于民事诉讼证据的若干规定》第十五条）。", size=7.8, rgb=MUTED, after=6)
        self.signature_block()

    def signature_block(self):
        """提交人签名（捺印） and 提交日期 (民事证据规定 art 19: signed and dated), kept together."""
        self.ensure(24)
        self.para("提交人签名（捺印）：____________________", size=10.5, after=5)
        self.para("提交日期：________ 年 ____ 月 ____ 日", size=10.5, after=0)

    def group_title(self, group: dict) -> str:
        return f"第{_cn_number(self.t(group.get('number')))}组　{self.t(group.get('title'))}"

    def catalog_pages(self) -> int:
        self.dry, self.dry_pages = True, 1
        try:
            self.catalog()
        finally:
            self.dry = False
        return self.dry_pages

    # ---------------------------------------------------------------- items

    def sections(self):
        for gi, group in enumerate(self.d.get("groups") or []):
            items = group.get("items") or []
            if self.y > MARGIN_TOP + 0.01:
                self.new_page()
            title = self.group_title(group)
            self.pdf.y = self.y
            self.pdf.start_section(title, level=0)
            self.para(title, fk="b", size=15, spacing=1.3, after=0.5)
            self.para(f"本组共 {len(items)} 项证据", size=8.5, rgb=MUTED, after=3)
            self.fresh_y = self.y  # nothing but the group title above: as good as a new page
            for ii, item in enumerate(items):
                self.item(gi, ii, item)

    def item(self, gi: int, ii: int, item: dict):
        # An item that fits on one page is not split; a longer one starts on a new page
        # unless most of the current page is still free.
        height = self.measure(lambda: self.item_body(item))
        remaining, full = self.y_max - self.y - 4, self.y_max - MARGIN_TOP
        if (height is not None and height <= remaining) or abs(self.y - self.fresh_y) < 0.01:
            pass
        elif (height is not None and height <= full) or remaining < full * 0.4:
            self.new_page()
        if self.y > MARGIN_TOP + 0.01:
            self.y += 4
        self.item_pages[(gi, ii)] = self.pdf.page
        self.pdf.y = self.y
        self.pdf.start_section(f"{self.t(item.get('number'))} {self.t(item.get('name'))}"[:120], level=1)
        self.item_body(item)

    def item_body(self, item: dict):
        heading = f"证据 {self.t(item.get('number'))}  {self.t(item.get('name'))}"
        self.heading(heading, size=12.5, keep=20, before=0)
        rows = [(self._raw(k), self._raw(v)) for k, v in (item.get("facts") or [])]
        rows += [
            ("证据种类", item.get("kind")),
            ("证据来源", item.get("source")),
            ("证明目的", item.get("purpose")),
            ("原件/复印件", item.get("original")),
        ]
        self.kv_table(rows)
        table = item.get("table")
        if table:
            self.y += 2
            self.calls_table(table)
        files = item.get("files") or []
        for fi, f in enumerate(files):
            self.file(item, fi, len(files), f)
        self.y += 3

    def calls_table(self, table: dict):
        """The calls of a grouped item, one row each: time, number (never split), what was said, when logged."""
        columns = table.get("columns") or []
        first = 22 if columns and columns[0] == "日期时间" else 15
        widths = [first, 27, 17, 12, None, 22, 16]
        widths[4] = CONTENT_W - sum(w for w in widths if w)
        nowrap = {1, 5, 6}
        cols = [Col(self.t(c), w, "C" if i in (0, 2, 3, 6) else "L", nowrap=i in nowrap)
                for i, (c, w) in enumerate(zip(columns, widths))]
        rows = [[self.t(v) for v in row] for row in table.get("rows") or []]
        self.table(cols, rows, size=8, zebra=True, pad_y=0.7)

    def file(self, item: dict, fi: int, count: int, f: dict):
        kind = self._raw(f.get("kind"))
        label = KIND_LABELS.get(kind, "文件")
        num = f"{fi + 1}/{count}" if count > 1 else ""
        path = self.t(f.get("path"))
        self.y += 3
        self.heading(f"附件{num}：{self.t(f.get('name'))}", size=10, keep=28, rule=False, before=1)
        media = self.t(f.get("media_type"))
        sha = self._raw(f.get("sha256"))
        info = [
            ("文件类型", f"{label}（{media}）" if media else label),
            ("大小", f.get("size")),
            ("SHA-256", sha, "m"),
            ("原件位置", f.get("path"), "m"),
            ("拍摄/生成时间", f.get("captured_at") or "未记录"),
            ("上传/接收时间", f.get("uploaded_at")),
            ("可信时间戳", f.get("timestamp")),
        ]
        if kind == "image" and callable(f.get("image")):
            if self.dry:  # measuring: never load the image (it is loaded once, when printed)
                self.kv_table(info, size=8.3)
                w_px, h_px = f.get("width") or 0, f.get("height") or 0
                if w_px and h_px and h_px >= w_px * 1.25:
                    slices = self.image_slices(w_px, h_px)
                    self.dry_pages += sum(1 for *_x, fresh in slices if fresh)
                    if any(fresh for *_x, fresh in slices):
                        self.y = MARGIN_TOP
                    self.y += slices[-1][1] * CONTENT_W / w_px + 10
                else:
                    self.y += 2 + IMAGE_MAX_H + 8
                return
            img = self.load_image(f.get("image"), path)
            self.kv_table(info, size=8.3)
            self.y += 2
            if img is None:
                self.para(f"图片无法显示（原件见证据包 {path}）", fk="b", size=10, rgb=ALERT, after=2)
            elif img[2] >= img[1] * 1.25:  # a phone screenshot: the page width, over pages if long
                self.image_full_width(img, self.caption(f, path))
            else:
                self.image_below(img, self.caption(f, path))
            return
        self.kv_table(info, size=8.3)
        self.y += 2
        if kind == "image":
            self.para(f"（未生成打印件）图片原件见证据包 {path}。", size=8.8, after=2)
        elif kind == "audio":
            self.para(f"录音原件见证据包 {path}；录音应以原始载体或原件播放核对。", size=8.3, rgb=MUTED, after=2)
            self.transcript(f.get("transcript"))
        elif kind == "video":
            self.para(f"视频不在本目录中打印，原件见证据包 {path}，请以原件播放核对。", size=8.8, after=2)
        else:
            self.para(f"文件不在本目录中打印，原件见证据包 {path}。", size=8.8, after=2)

    def transcript(self, text):
        text = self.t(text).strip() if text is not None else ""
        if text:
            self.heading("录音文字整理稿", size=10, keep=12, rule=False, before=1)
            self.para("（由提交人根据录音整理；与录音原件不一致的，以录音原件为准）", size=7.8, rgb=MUTED, after=1.5)
            self.para(text, size=9.3, spacing=1.6, x=MARGIN_X + 3, w=CONTENT_W - 3, after=2)
            return
        size, lh = 10, 10 * PT * 1.5
        msg = "录音文字整理稿缺失 / transcript missing"
        hint = "法院通常要求录音附文字整理稿。请在提交前为该录音补充整理稿后重新导出。"
        hint_lines = self.wrap(hint, CONTENT_W - 8, "r", 8.5)
        box_h = lh + len(hint_lines) * 8.5 * PT * 1.5 + 5
        self.ensure(box_h + 2)
        top = self.y
        if not self.dry:
            self.pdf.set_draw_color(*ALERT)
            self.pdf.set_line_width(0.6)
            self.pdf.rect(MARGIN_X, top, CONTENT_W, box_h, style="D")
            self.pdf.set_draw_color(*RULE)
            self.pdf.set_line_width(0.2)
        self.y += 2.5
        self.para(msg, fk="b", size=size, rgb=ALERT, x=MARGIN_X + 4, w=CONTENT_W - 8, after=0)
        self.para(hint, size=8.5, rgb=ALERT, x=MARGIN_X + 4, w=CONTENT_W - 8, after=0)
        self.y = top + box_h + 2

    def caption(self, f: dict, path: str) -> str:
        return f"图：{self.t(f.get('name'))}（打印件，原件见证据包 {path}）"

    # ---------------------------------------------------------------- stats & timeline

    def tail(self):
        if self.y > MARGIN_TOP + 0.01:
            self.new_page()
        self.pdf.y = self.y
        self.pdf.start_section("统计与时间线", level=0)
        stats = self.d.get("stats") or []
        if stats:
            self.heading("统计 / Statistics", size=13, keep=20)
            self.table([Col("项目", 110), Col("数量", 30, "C")],
                       [[self.t(a), self.t(b)] for a, b, *_ in (list(r) + ["", ""] for r in stats)], size=9)
            self.y += 4
        for caption, svg in self.d.get("charts") or []:
            self.chart(caption, svg)
        findings = self.d.get("findings") or []
        if findings:
            self.heading(f"规则比对 / Findings（{self.t(self.d.get('rule_set'))}）", size=13, keep=30)
            self.para("以下为本系统按记录的时间、次数和标签与有关规定逐条比对的结果：法律、司法解释和部门规章写作"
                      "“涉嫌违反”，标准和行业自律规范写作“不符合”；是否违法由有关机关认定。本工具不构成法律意见。",
                      size=8.5, rgb=MUTED, after=2)
            self.table([Col("情形", 34), Col("记录", 52), Col("依据", 58), Col("证据编号", CONTENT_W - 144)],
                       [[self.t(c) for c in row] for row in findings], size=8)
            self.y += 6
        timeline = self.d.get("timeline") or []
        self.heading(f"时间线 / Timeline（共 {len(timeline)} 条）", size=13, keep=20)
        if not timeline:
            self.para("（无记录）", size=9)
            return
        cols = [Col("时间", 27), Col("类型", 25), Col("号码", 30, nowrap=True), Col("摘要", CONTENT_W - 97),
                Col("证据", 15, "C", nowrap=True)]
        rows = []
        summary_w = CONTENT_W - 97 - 2 * 1.4
        for row in timeline:
            row = list(row) + [""] * (5 - len(row))
            rows.append([self.t(row[0]), self.t(row[1]), self.t(row[2]),
                         self.shorten(self.t(row[3]), summary_w * 2 - 2, "r", 8), self.t(row[4])])
        self.table(cols, rows, size=8, zebra=True, pad_y=0.7)

    # ---------------------------------------------------------------- appendix: timestamps, custody

    def timestamp_appendix(self):
        stamps = self.d.get("timestamps")
        if stamps is None:
            return
        self.new_page()
        self.pdf.y = self.y
        self.pdf.start_section("附录一　可信时间戳", level=0)
        self.heading("附录一　可信时间戳 / Trusted timestamps（RFC 3161）", size=13, keep=30)
        self.para("每个时间戳令牌（.tsr）由时间戳服务机构（TSA）签发，证明所列哈希值在 genTime 时已经存在。"
                  "多个文件合并为一棵 Merkle 树申请一次时间戳的，令牌覆盖的是树根（imprint）；"
                  "由文件的 SHA-256 按“Merkle 路径”逐级计算即得树根（叶 = SHA-256(00‖文件哈希)，"
                  "节点 = SHA-256(01‖左‖右)；L 表示兄弟节点在左，R 表示在右）。核验命令："
                  "openssl ts -verify -digest <imprint> -in <令牌> -CAfile keys/tsa-chain.pem。",
                  size=8.3, rgb=MUTED, after=3)
        if not stamps:
            self.para("（本证据包中没有可信时间戳令牌：未配置时间戳服务，或服务尚未应答；各项时间为本系统服务器时间。）",
                      size=9.5, after=2)
            return
        for n, tok in enumerate(stamps, 1):
            path = self._raw(tok.get("path"))
            self.heading(f"时间戳 {n}　{path}", size=10.5, keep=40, rule=False)
            imprint = self._raw(tok.get("imprint_hex") or tok.get("imprint"))
            rows = [
                ("TSA", " ".join(x for x in (self._raw(tok.get("tsa")), self._raw(tok.get("url"))) if x) or "—"),
                ("序列号 serial", tok.get("serial"), "m"),
                ("genTime", tok.get("gen_time")),
                ("策略 policy", tok.get("policy"), "m"),
                (f"imprint（{self._raw(tok.get('imprint_alg')) or 'sha256'}）", imprint, "m"),
            ]
            self.kv_table(rows, label_w=36, size=8.3)
            covers = tok.get("covers") or []
            if covers:
                self.y += 1.5
                self.para(f"本令牌覆盖 {len(covers)} 项：", fk="b", size=8.5, after=1)
            for c in covers:
                steps = c.get("merkle_path") or []
                sha = self._raw(c.get("sha256"))
                crows = [("对象", c.get("what"))]
                if c.get("token"):
                    crows.append(("令牌文件", c.get("token"), "m"))
                if sha:
                    crows.append(("SHA-256", sha, "m"))
                if steps:
                    crows.append(("Merkle 路径", "\n".join(f"{i}. {self._raw(side)} {self._raw(h)}"
                                                          for i, (side, h) in enumerate(steps, 1)), "m"))
                else:
                    crows.append(("Merkle 路径", "无（令牌直接覆盖此哈希）"))
                self.kv_table(crows, label_w=24, size=7.4)
                self.y += 1.2
            self.y += 3

    def custody_summary(self):
        c = self.d.get("custody")
        if c is None:
            return
        self.new_page()
        self.pdf.y = self.y
        self.pdf.start_section("附录二　保管链摘要", level=0)
        self.heading("附录二　保管链摘要 / Chain of custody", size=13, keep=30)
        self.para("本系统对每一次新增、修改、上传、删除（移入回收站）和导出都追加一条保管链事件，每条事件包含上一条的哈希，"
                  "任何事后改动都会使其后的哈希对不上。全部事件见证据包中的 custody.jsonl。",
                  size=8.3, rgb=MUTED, after=3)
        head = self._raw(c.get("head_hash"))
        rows = [
            ("事件数", str(c.get("events") or 0)),
            ("第一条事件", c.get("first")),
            ("最后一条事件", f"{self._raw(c.get('last'))}（第 {self._raw(c.get('head_seq'))} 号）"),
            ("链头哈希", head, "m"),
        ]
        tok = c.get("head_token")
        if tok:
            rows.append(("链头时间戳", f"第 {self._raw(tok.get('seq'))} 号事件的哈希于 {self._raw(tok.get('gen_time'))} "
                                   f"由 {self._raw(tok.get('tsa'))} 签发时间戳"
                                   f"{'（经 Merkle 树）' if tok.get('merkle') else ''}；令牌 {self._raw(tok.get('path'))}"))
        else:
            rows.append(("链头时间戳", "无（未配置时间戳服务或尚未取得）"))
        self.kv_table(rows, label_w=30, size=8.6)
        by_action = c.get("by_action") or []
        if by_action:
            self.y += 3
            self.heading("事件类型", size=10.5, keep=20, rule=False)
            self.table([Col("类型", 110), Col("条数", 30, "C")],
                       [[self.t(a), str(n)] for a, n in by_action], size=8.3)

    # ---------------------------------------------------------------- document

    def render(self) -> bytes:
        self.cover()
        pages = self.catalog_pages()
        self.pdf.add_page()
        self.pdf.y = MARGIN_TOP
        self.pdf.start_section(self.t(self.d.get("title")) or "证据目录")
        self.pdf.insert_toc_placeholder(lambda pdf, outline: self.catalog(), pages=pages)
        self.y = MARGIN_TOP  # the placeholder left us on a fresh page
        self.sections()
        self.tail()
        self.timestamp_appendix()
        self.custody_summary()
        bundle = self.t(self.d.get("bundle_name") or "")
        sha = self.t(self.d.get("manifest_sha256") or "")[:16]
        self.footers(bundle, f"manifest SHA-256 {sha}…" if sha else "")
        return bytes(self.pdf.output())


def render_catalog(data: dict, out) -> int:
    """Write catalog.pdf to the binary stream `out`; returns the number of pages."""
    renderer = CatalogRenderer(data)
    pdf_bytes = renderer.render()
    out.write(pdf_bytes)
    return renderer.pdf.pages_count
