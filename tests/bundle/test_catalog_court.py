"""The 证据目录 a court accepts as is (issue 12, item 6), read from a real seed_demo bundle with pdftotext."""
import re
import shutil
import subprocess
import zipfile

import pytest
from django.urls import reverse

from evidence.bundle.catalog import CatalogRenderer
from evidence.bundle.writer import BundleWriter
from evidence.custody.snapshots import case_snapshot
from evidence.models import CustodyEvent

from .test_bundle import demo_case, exported  # noqa: F401 - fixtures

pytestmark = pytest.mark.skipif(not shutil.which("pdftotext"), reason="pdftotext (poppler-utils) is not installed")


def _text(pdf) -> str:
    return subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True,
                          text=True).stdout


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def test_the_demo_catalog_reads_as_a_court_expects(demo_case, exported, tmp_path):
    demo = demo_case
    path, writer = exported
    with zipfile.ZipFile(path) as zf:
        names = zf.namelist()
        (tmp_path / "catalog.pdf").write_bytes(zf.read("catalog.pdf"))
    # seed_demo saved one draft per channel: the bundle shows complaints/.
    assert {n for n in names if n.startswith("complaints/")} >= {
        f"complaints/{c}.{x}" for c in ("court", "nfra_12378", "nifa", "police", "report_12321") for x in ("docx", "pdf")}
    text = _text(tmp_path / "catalog.pdf")
    flat = _squash(text)
    cover = _squash(text.split("\f")[0])

    # Cover: court fields, parties by legal name (never the username), 提交日期.
    for label, value in [("受理法院", "长沙市天心区人民法院"), ("案由", "隐私权、个人信息保护纠纷"), ("原告（投诉人）", "钟伟"),
                         ("案号", "（立案后填写）")]:
        assert label + value in cover, label
    assert "被告（被投诉人）1.出借方：重庆演示小额贷款有限公司（虚构）" in cover
    assert "2.催收机构：长沙恒信达信息咨询有限公司" in cover and "3.催收机构：“华诚律师事务所”" in cover
    assert "提交日期" in cover and "（投诉人）demo" not in cover

    # The 证据目录 table: its columns, a 证据种类 per item, 签名（捺印）.
    assert re.search(r"序号\s+证据名称\s+证据种类\s+证据来源\s+证明目的\s+页码\s+原件/", text)
    for kind in ("当事人陈述", "视听资料", "电子数据"):
        assert kind in flat
    for source in ("本人记录", "本人录音", "本人手机截图"):
        assert source in flat
    assert "提交人签名（捺印）" in flat

    # Calls without a file: one item per day, each with its own table; counts add up.
    entries = writer.entries
    plain_calls = [i for i in entries if i.entry.kind == "call" and not i.files and i.entry.source != "witness"]
    data = writer.catalog_data()
    grouped = [it for g in data["groups"] for it in g["items"] if it.get("table")]
    assert sum(len(it["table"]["rows"]) for it in grouped) == len(plain_calls) > len(grouped)
    assert len({it["name"].split("（")[0] for it in grouped}) == len(grouped)  # one per day
    assert len(re.findall(r"证据1-\d+催收电话记录\d{4}-\d{2}-\d{2}（共\d+次）", flat)) == len(grouped)  # its section
    assert flat.count("对方自称/内容记录时间时间线编号") >= len(grouped)
    items = [it for g in data["groups"] for it in g["items"]]
    assert len(items) < len(entries)
    # 原件/复印件 per item, true to what it is (no more "记录" for everything without a file).
    for it in items:
        has_files = bool(it["files"])
        assert it["original"].startswith("原件（电子数据") == has_files, it
        assert has_files or it["original"].startswith(("无原件", "证人")), it
    # 证明目的 without repetition: no phrase twice, 夜间 and the night tag never both.
    for it in items:
        assert "（夜间）" not in it["purpose"] or "内容涉及夜间" not in it["purpose"], it["purpose"]
        parts = re.split(r"[、，；：（）]", it["purpose"])
        named = [p for p in parts if len(p) >= 2 and not re.search(r"\d", p)]
        assert len(named) == len(set(named)), it["purpose"]

    # Each item: when it happened and when it was logged (its custody time).
    assert flat.count("记录时间") >= len(items)
    assert re.search(r"记录时间\d{4}-\d{2}-\d{2}\d{2}:\d{2}:\d{2}（保管链第\d+号事件）（发生后", flat)

    # SHA-256 of every file on one line.
    for item in entries:
        for f in item.files:
            assert re.search(rf"(?m)^.*{f.attachment.sha256}.*$", text), f.path

    # Timestamp appendix: TSA, serial, genTime to the second, policy, imprint, Merkle paths.
    appendix = flat[flat.index("附录一"):]
    assert "LiuzhengTestTSA" in appendix and "序列号serial0x" in appendix
    assert re.search(r"genTime\d{4}-\d{2}-\d{2}\d{2}:\d{2}:\d{2}UTC", appendix)
    assert "策略policy1.2.3.4.1" in appendix and "imprint（sha256）" in appendix
    assert re.search(r"Merkle路径1\.[LR][0-9a-f]{64}", appendix)
    assert "manifest.json.tsr" in appendix
    # Custody summary: events, head hash, chain-head token.
    last = CustodyEvent.objects.filter(case=demo).order_by("-seq").first()
    custody = flat[flat.index("附录二"):]
    assert f"事件数{len(writer.events)}" in custody and f"链头哈希{writer.events[-1].hash}" in custody
    assert "链头时间戳第" in custody and last.seq >= writer.events[-1].seq

    # Layout: no heading left alone at a page foot.
    renderer = CatalogRenderer(data)
    renderer.render()
    assert renderer.orphans == []

    # The other grouping: one item per number.
    by_number = BundleWriter(demo, actor_label="t", selection={"grouping": "number"}).catalog_data()
    grouped = [it for g in by_number["groups"] for it in g["items"] if it.get("table")]
    assert by_number["grouping"] == "number"
    numbers = [it["name"].split(" ")[1].split("（")[0] for it in grouped]
    assert len(numbers) == len(set(numbers)) and sum(len(it["table"]["rows"]) for it in grouped) == len(plain_calls)


def test_export_form_offers_the_grouping(borrower_client, case):
    page = borrower_client.get(case.get_absolute_url()).content.decode()
    assert 'name="grouping"' in page and 'value="day" selected' in page
    borrower_client.post(reverse("bundle_create", args=[case.pk]), {"grouping": "number"})
    assert case.bundles.get().selection["grouping"] == "number"


def test_court_fields_go_through_the_case_edit_service(borrower_client, case, borrower):
    before = case_snapshot(case)
    assert not {"court", "cause", "lender_entity", "court_case_number"} & set(before)  # old hashes unchanged
    events = CustodyEvent.objects.filter(case=case).count()
    url = reverse("case_edit", args=[case.pk])
    page = borrower_client.get(url).content.decode()
    assert 'id="cause-suggestions"' in page and "隐私权、个人信息保护纠纷" in page
    response = borrower_client.post(url, {"lender": "借呗", "lender_entity": "重庆蚂蚁消费金融有限公司",
                                          "court": "杭州互联网法院", "court_case_number": "",
                                          "cause": "隐私权、个人信息保护纠纷", "rule_set": "cn"})
    assert response.status_code == 302
    case.refresh_from_db()
    assert (case.court, case.cause, case.lender_entity) == ("杭州互联网法院", "隐私权、个人信息保护纠纷",
                                                           "重庆蚂蚁消费金融有限公司")
    assert CustodyEvent.objects.filter(case=case).count() == events + 1
    assert CustodyEvent.objects.filter(case=case).order_by("-seq").first().action == "case.update"
    assert case_snapshot(case)["court"] == "杭州互联网法院"


def test_legal_name_on_the_profile(borrower_client, borrower):
    response = borrower_client.post(reverse("profile"), {"legal_name": " 张三 ", "email": "", "language": "zh-hans",
                                                         "time_zone": "Asia/Shanghai"})
    assert response.status_code == 302
    borrower.refresh_from_db()
    assert borrower.legal_name == "张三"
