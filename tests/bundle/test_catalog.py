"""catalog.pdf: the printed 证据目录 (evidence/bundle/catalog.py on evidence/pdf/).

Checked through poppler, as a lawyer's PDF reader would see it: the text layer
(pdftotext), the embedded fonts (pdffonts) and page images (pdftoppm) written to
test-artifacts/catalog/ for a human look.
"""
from __future__ import annotations

import io
import re
import shutil
import subprocess
import time
from datetime import datetime
from pathlib import Path

import pytest
from PIL import Image

from evidence.bundle.catalog import CatalogFontMissing, render_catalog
from evidence.pdf.layout import CONTENT_W
from evidence.pdf import fonts, images
from evidence.pdf.fonts import find_cjk_font
from evidence.pdf.text import clean_text

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "catalog"
SHA = "3f2a9c4be1d07a55c2e9f8b6a1d4c3e2f0b9a8c7d6e5f4a3b2c1d0e9f8a7b6c5"

# `make test` installs poppler-utils and fonts-noto-cjk: without them these tests fail, not skip.


def _hex(i: int) -> str:
    return f"{i:02x}" * 32


def _screenshot() -> bytes:
    from evidence.management.demo import sms_screenshot_png

    return sms_screenshot_png(
        "1069 0000 8888",
        ["【某某催收】您的借去花账单已严重逾期，今日18点前不还款将上门走访并通知您的紧急联系人。",
         "我们已掌握您的通讯录，再不处理后果自负。"],
        datetime(2026, 11, 20, 23, 12),
    )


def _photo() -> bytes:
    """A colourful 'photo' bigger than the print limit: downscaled, embedded as JPEG."""
    from PIL import ImageDraw

    w, h = 2400, 1800
    img = Image.merge("RGB", (Image.linear_gradient("L").resize((w, h)),
                              Image.linear_gradient("L").rotate(90).resize((w, h)),
                              Image.radial_gradient("L").resize((w, h))))
    draw = ImageDraw.Draw(img)
    draw.rectangle((700, 500, 1700, 1300), fill=(250, 245, 230), outline=(120, 20, 20), width=12)
    for i in range(8):
        draw.line((800, 620 + i * 80, 1600, 620 + i * 80), fill=(60, 60, 60), width=10)
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=80)
    return buf.getvalue()


def _file(n: int, kind: str, **extra) -> dict:
    ext = {"audio": "wav", "image": "png", "video": "mp4", "document": "pdf"}[kind]
    media = {"audio": "audio/x-wav", "image": "image/png", "video": "video/mp4", "document": "application/pdf"}[kind]
    f = {
        "path": f"evidence/{n:04d}-{kind}-20261120/{kind}-{n:04d}.{ext}", "name": f"{kind}-{n:04d}.{ext}",
        "sha256": _hex(n), "size": "12.3 KB", "media_type": media, "kind": kind,
        "captured_at": "2026-11-20 23:31:10" if n % 2 else "", "uploaded_at": "2026-11-20 23:40:02",
        "timestamp": "已获可信时间戳 · 2026-11-20 23:40 · FreeTSA" if n % 2 else "仅服务器时间",
        "image": None, "transcript": None,
    }
    f.update(extra)
    return f


def _call(number: str, n: int, when: str, transcript: str | None, **extra) -> dict:
    item = {
        "number": number, "name": f"催收电话 {when} 来自 1380013{n:04d}",
        "source": "借款人手机（录音、截图）",
        "purpose": "证明催收方于夜间22时后致电，冒充法院工作人员，威胁“上门”“起诉”，违反《银行保险机构消费者权益保护管理办法》",
        "original": "原件（电子数据）", "remarks": "附件 1 个",
        "facts": [["时间", when], ["方向", "来电"], ["号码", f"1380013{n:04d}"], ["时长", "3:25"],
                  ["对方自称", "法院"],
                  ["内容", "对方称我已被列入失信名单，要求当天还清全部欠款，否则“明天就去你单位找你领导”，"
                           "并称已经通知了我的父母和同事。\n第二段：对方多次重复“你等着”。" * 3],
                  ["标签", "威胁, 夜间, 冒充公检法"]],
        "files": [_file(n, "audio", transcript=transcript)],
    }
    item.update(extra)
    return item


def build_data(timeline_rows: int = 300, *, images: bool = True) -> dict:
    calls = [
        _call("1-1", 1, "2026-11-20 23:30",
              "[00:00] 催收员：你好，这里是某某法院，你的借去花欠款已经逾期两个月了。\n"
              "[00:12] 本人：你们是哪个法院？请说出你的工号。\n"
              "[00:20] 催收员：你别管，明天不还钱我们就去你单位，通知你所有的联系人。\n" * 4),
        _call("1-2", 2, "2026-11-21 07:10", None),
        _call("1-3", 3, "2026-11-21 22:45", "[00:00] 催收员：今天必须还。\n[00:05] 本人：我会按协商方案还款。"),
    ]
    sms = [{
        "number": "2-1", "name": "催收短信 2026-11-20 23:12 来自 10690000888",
        "source": "借款人手机短信截图", "purpose": "证明催收方以通知紧急联系人相威胁",
        "original": "原件", "remarks": "手机截图",
        "facts": [["时间", "2026-11-20 23:12"], ["号码", "1069 0000 8888"],
                  ["内容", "【某某催收】您的借去花账单已严重逾期……"]],
        "files": [_file(10, "image", image=_screenshot if images else None)],
    }, {
        "number": "2-2", "name": "现场照片 2026-11-22", "source": "借款人拍摄",
        "purpose": "证明催收人员上门张贴催收单", "original": "原件", "remarks": "",
        "facts": [["时间", "2026-11-22 10:00"], ["地点", "家门口"]],
        "files": [_file(11, "image", image=_photo if images else None), _file(12, "video")],
    }]
    contacts = [{
        "number": "3-1", "name": "联系第三人（爆通讯录）：母亲", "source": "借款人母亲手机转述、截图",
        "purpose": "证明催收方向借款人亲属披露欠款信息", "original": "复印件", "remarks": "第三人手机",
        "facts": [["时间", "2026-11-21 09:00"], ["联系人", "母亲"], ["内容", "对方告诉我妈我欠钱不还。"]],
        "files": [_file(13, "document")],
    }]
    kinds = ["催收电话", "短信", "联系第三人", "上门"]
    timeline = [[f"2026-11-{1 + i % 22:02d} {i % 24:02d}:{i % 60:02d}", kinds[i % 4], f"1380013{i % 10000:04d}",
                 "对方威胁要通知单位和家人，语气恶劣，要求当天还款" if i % 3 else "未接通"] for i in range(timeline_rows)]
    return {
        "title": "证据目录",
        "case": {"lender": "携程金融", "product": "借去花", "amount_owed": "23846.50", "overdue_since": "2026-09-21",
                 "borrower": "张三", "collector_numbers": ["95xxx", "13800130001", "10690000888"],
                 "agencies": ["某某信息咨询有限公司"], "notes": "自 2026 年 10 月起频繁夜间来电。"},
        "period": {"from": "2026-11-01", "to": "2026-11-22"},
        "exported_at": "2026-11-23 18:30:05 (Asia/Shanghai)",
        "manifest_sha256": SHA,
        "bundle_name": "case-xxxx-20261123-183005.zip",
        "verify_howto": ["sha256sum -c SHA256SUMS",
                         "openssl pkeyutl -verify -pubin -inkey keys/signing-public.pem -rawin "
                         "-in manifest.json -sigfile manifest.json.sig",
                         "openssl ts -verify -data manifest.json -in manifest.json.tsr -CAfile keys/tsa-chain.pem"],
        "timestamp_note": "已配置可信时间戳服务（TSA）：manifest.json 及各文件上传时均取得 RFC 3161 时间戳。",
        "groups": [{"number": "1", "title": "催收电话", "items": calls},
                   {"number": "2", "title": "短信与照片", "items": sms},
                   {"number": "3", "title": "联系第三人（爆通讯录）", "items": contacts}],
        "timeline": timeline,
        "stats": [["催收电话", "48"], ["其中夜间（22:00–08:00）", "16"], ["短信", "10"], ["联系第三人（爆通讯录）", "7"]],
    }


def _render(data, path: Path) -> int:
    with open(path, "wb") as out:
        return render_catalog(data, out)


def _text(path: Path, page: int | None = None) -> str:
    args = ["pdftotext", "-layout", "-enc", "UTF-8"]
    if page:
        args += ["-f", str(page), "-l", str(page)]
    return subprocess.run(args + [str(path), "-"], check=True, capture_output=True, text=True).stdout


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    path = tmp_path_factory.mktemp("catalog") / "catalog.pdf"
    data = build_data()
    pages = _render(data, path)
    return data, path, pages


def test_text_layer(rendered):
    data, path, pages = rendered
    text = _text(path)
    flat = _squash(text)
    assert "证据目录" in text
    assert "证据包" in text
    assert "不构成法律意见" in flat and "notlegaladvice" in flat
    for group in data["groups"]:
        for item in group["items"]:
            assert item["number"] in text
            assert _squash(item["name"]) in flat, item["name"]
    for piece in re.findall(".{8}", SHA):
        assert piece in text
    assert "sha256sum -c SHA256SUMS" in text
    assert "录音文字整理稿" in text
    assert "录音文字整理稿缺失" in text and "transcript missing" in text
    assert f"第 1 页 共 {pages} 页" in text
    assert f"第 {pages} 页 共 {pages} 页" in text
    assert "时间线" in text and "统计" in text
    assert _squash("对方威胁要通知单位和家人") in flat
    for file_sha in (_hex(1), _hex(10)):
        assert file_sha in flat


def test_page_count_matches_pdfinfo(rendered):
    _, path, pages = rendered
    info = subprocess.run(["pdfinfo", str(path)], check=True, capture_output=True, text=True).stdout
    assert int(re.search(r"Pages:\s+(\d+)", info).group(1)) == pages


def _section_pages(path: Path, pages: int, numbers: list[str]) -> dict[str, int]:
    found = {}
    for p in range(1, pages + 1):
        for line in _text(path, p).splitlines():
            m = re.match(r"\s*证据 (\d+-\d+)\s", line)
            if m and m.group(1) in numbers and m.group(1) not in found:
                found[m.group(1)] = p
    return found


def _catalog_page_column(path: Path, pages: int, numbers: list[str]) -> dict[str, int]:
    """序号 … 页码 in the 证据目录 table (pages 2… that carry its header row)."""
    values = {}
    for p in range(2, pages + 1):
        text = _text(path, p)
        if not re.search(r"序号\s+证据名称\s+证据种类\s+证据来源\s+证明目的\s+页码", text):
            break
        for line in text.splitlines():
            m = re.match(r"\s*(\d+-\d+)\s+(.*)$", line)
            if m and m.group(1) in numbers:
                page = re.search(r"\s(\d{1,4})\s+(无原件|原件|复印件|证人)", line)
                assert page, f"no 页码 on the catalog row: {line!r}"
                values[m.group(1)] = int(page.group(1))
    return values


def test_catalog_page_numbers_are_where_sections_start(rendered):
    data, path, pages = rendered
    numbers = [item["number"] for g in data["groups"] for item in g["items"]]
    starts = _section_pages(path, pages, numbers)
    assert set(starts) == set(numbers)
    listed = _catalog_page_column(path, pages, numbers)
    assert listed == starts
    assert min(starts.values()) > 2  # after the cover and the catalog


def test_long_catalog_repeats_header_and_numbers_pages(tmp_path):
    """A catalog over several pages: header row on each, 页码 still right (two-pass layout)."""
    data = build_data(timeline_rows=10, images=False)
    data["groups"][0]["items"] = [
        _call(f"1-{i + 1}", i, f"2026-11-{1 + i % 22:02d} 23:30", None if i % 3 else "[00:00] 喂") for i in range(70)
    ]
    path = tmp_path / "long.pdf"
    pages = _render(data, path)
    numbers = [item["number"] for g in data["groups"] for item in g["items"]]
    listed = _catalog_page_column(path, pages, numbers)
    assert set(listed) == set(numbers)
    catalog_pages = [p for p in range(2, pages + 1) if "序号" in _text(path, p)]
    assert len(catalog_pages) >= 3 and catalog_pages == list(range(2, 2 + len(catalog_pages)))
    assert listed == _section_pages(path, pages, numbers)
    assert sorted(listed.values()) == list(listed.values())  # items in page order


def test_minimal_data(tmp_path):
    """Nothing but a title: still a valid PDF (cover, empty catalog, empty timeline)."""
    path = tmp_path / "empty.pdf"
    pages = _render({"title": "证据目录"}, path)
    text = _text(path)
    assert pages >= 3
    assert "证据目录" in text and "（无记录）" in text


def test_cjk_font_embedded(rendered):
    _, path, _ = rendered
    out = subprocess.run(["pdffonts", str(path)], check=True, capture_output=True, text=True).stdout
    rows = out.splitlines()[2:]
    assert rows, out
    assert any("CJK" in row or "CID" in row for row in rows), out
    for row in rows:
        assert " yes yes yes " in row, f"font not embedded as a subset: {row}"


def test_page_images(rendered):
    _, path, pages = rendered
    if not shutil.which("pdftoppm"):
        pytest.skip("pdftoppm not installed")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for old in ARTIFACTS.glob("page-*.png"):
        old.unlink()
    shutil.copy(path, ARTIFACTS / "catalog.pdf")
    last = min(pages, 8)
    subprocess.run(["pdftoppm", "-r", "60", "-png", "-f", "1", "-l", str(last), str(path), str(ARTIFACTS / "page")],
                   check=True)
    made = sorted(ARTIFACTS.glob("page-*.png"))
    assert len(made) == last
    with Image.open(made[0]) as img:
        assert img.size[1] > img.size[0]  # A4 portrait


def test_images_printed_and_small(rendered):
    _, path, _ = rendered
    out = subprocess.run(["pdfimages", "-list", str(path)], check=True, capture_output=True, text=True).stdout
    rows = [r.split() for r in out.splitlines()[2:]]
    # The phone screenshot (780 × 1688) is printed at the full content width, continued over
    # two pages in slices; the photo below its facts; the video prints no image.
    shots = [r for r in rows if int(r[3]) == 780]
    photos = [r for r in rows if int(r[3]) != 780]
    assert len(shots) == 2 and len(photos) == 1, out
    assert sum(int(r[4]) for r in shots) == 1688
    assert len({r[0] for r in shots}) == 2  # two pages
    full_width_ppi = 780 / (CONTENT_W / 25.4)
    for r in shots:
        assert abs(int(r[13]) - full_width_ppi) <= 1, r  # x-ppi: the page width, not a side column
    for row in rows:
        width, height = int(row[3]), int(row[4])
        assert width <= images.MAX_IMAGE_PX and height <= images.MAX_TALL_PX
    assert path.stat().st_size < 3_000_000


def test_image_loaded_once_and_lazily(tmp_path):
    data = build_data(timeline_rows=5)
    calls = []

    def shot():
        calls.append(1)
        return _screenshot()

    data["groups"][1]["items"][0]["files"][0]["image"] = shot
    _render(data, tmp_path / "c.pdf")
    assert calls == [1]


def test_broken_image_emoji_and_control_characters(tmp_path):
    data = build_data(timeline_rows=20)
    item = data["groups"][1]["items"][0]
    item["files"][0]["image"] = lambda: b"\x89PNG\r\n\x1a\nnot really a png"
    item["name"] = "催收短信😡👨‍👩‍👧 含\x00控制\x07字符\u202e反转"
    item["facts"].append(["内容", "你等着🔪🔪，\t明天上门\r\n" + "https://example.com/" + "a" * 300 + " \ufffe\U000f0000 end"])
    data["timeline"].append(["2026-11-22 01:00", "短信", "1" * 200, "💣" * 50])
    data["case"]["notes"] = "\x1b[31mred\x1b[0m 👍🏽 \udc80 lone surrogate"
    huge = "".join(f"第{i}句：催收员反复辱骂并威胁。" for i in range(600))  # taller than a page
    data["groups"][0]["items"][0]["facts"].append(["补充", huge])
    data["title"] = "证据目录\x00"
    path = tmp_path / "c.pdf"
    with _no_missing_glyph_warnings():
        pages = _render(data, path)
    text = _text(path)
    assert "图片无法显示" in text
    assert "[表情]" in text
    flat = _squash(text)
    assert "催收短信[表情]含控制字符反转" in flat
    assert "a" * 60 in flat  # the long URL wrapped, not lost
    assert "end" in flat
    assert "lonesurrogate" in flat
    assert "第599句：催收员反复辱骂并威胁。" in flat  # a row taller than a page is split, not cut
    assert f"第 1 页 共 {pages} 页" in text


class _no_missing_glyph_warnings:
    """fpdf2 warns about glyphs missing from the font: that would be tofu."""

    def __enter__(self):
        import warnings

        self._ctx = warnings.catch_warnings(record=True)
        self._seen = self._ctx.__enter__()
        warnings.simplefilter("always")
        return self

    def __exit__(self, *exc):
        self._ctx.__exit__(*exc)
        missing = [w for w in self._seen if "missing" in str(w.message).lower()]
        assert not missing, [str(w.message) for w in missing]
        return False


def test_clean_text():
    renderable = {ord(c) for c in "abc你好 ?[]表情"}
    assert clean_text("a\x00b\u200bc", renderable) == "abc"
    assert clean_text("你好😀😀!", renderable) == "你好[表情]?"
    assert clean_text("a\r\nb\tc", renderable) == "a\nb    c"
    assert clean_text(None, renderable) == ""


def test_missing_font_raises(tmp_path, settings, monkeypatch):
    settings.LIUZHENG_CJK_FONT = str(tmp_path / "no-such-font.ttc")
    assert find_cjk_font([str(tmp_path)]) is None
    monkeypatch.setattr(fonts, "FONT_DIRS", [str(tmp_path)])
    with pytest.raises(CatalogFontMissing):
        render_catalog(build_data(timeline_rows=1), io.BytesIO())


def test_configured_font_wins(tmp_path, settings):
    path, index = find_cjk_font()
    settings.LIUZHENG_CJK_FONT = f"{path}:{index}"
    assert find_cjk_font([str(tmp_path)]) == (path, index)
    settings.LIUZHENG_CJK_FONT = ""
    if path.endswith("NotoSansCJK-Regular.ttc"):
        assert find_cjk_font() == (path, 2)  # the Simplified Chinese face


def test_not_a_cjk_font_is_skipped(tmp_path, settings):
    latin = next(iter(Path("/usr/share/fonts").rglob("DejaVuSans.ttf")), None)
    if not latin:
        pytest.skip("DejaVu not installed")
    settings.LIUZHENG_CJK_FONT = str(latin)
    assert find_cjk_font([str(tmp_path)]) is None


def test_2000_timeline_rows_fast(tmp_path):
    data = build_data(timeline_rows=2000, images=False)
    start = time.perf_counter()
    pages = _render(data, tmp_path / "big.pdf")
    elapsed = time.perf_counter() - start
    print(f"\n2,000-row catalog: {pages} pages in {elapsed:.1f} s")
    assert elapsed < 20
    text = _text(tmp_path / "big.pdf", pages)
    assert f"第 {pages} 页 共 {pages} 页" in text
