"""Witness links: a witness with no account sends what the collector sent them;
the owner accepts (onto the timeline, with provenance) or rejects (into the trash)."""
import io
import logging
import os
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from evidence.models import Attachment, CustodyEvent, Entry, WitnessLink, WitnessSubmission
from evidence.witness.services import witness_link_revoke

from tests.conftest import verified_client
from tests.media_samples import pdf_bytes, png_bytes

SECURITY = "liuzheng.security"


def _file(data, name):
    f = io.BytesIO(data)
    f.name = name
    return f


def submit(client, link, *files, **extra):
    data = {"name": "李阿姨", "relation": "母亲", "phone": "13900001111", "contacted_at": "2026-11-20T21:30",
            "collector_number": "17100002222", "told": "你儿子欠钱不还，让他马上还钱", "consent": "on",
            "attachments": list(files)}
    data.update(extra)
    data = {k: v for k, v in data.items() if v is not None}
    return client.post(reverse("witness_submit", args=[link.token]), data, HTTP_USER_AGENT="TestPhone/1.0")


def assert_nothing_kept(data_dir):
    assert WitnessSubmission.objects.count() == 0 and Entry.objects.count() == 0
    blobs = data_dir / "blobs"
    assert not (blobs.exists() and [p for p in blobs.rglob("*") if p.is_file()])


@pytest.fixture
def submission(witness_link, anonymous_client):
    submit(anonymous_client, witness_link, _file(png_bytes(color="#ffe0e0"), "截图.png"))
    return WitnessSubmission.objects.get()


def test_it_shows_a_witness_nothing_of_the_case(case, witness_link, anonymous_client):
    response = anonymous_client.get(reverse("witness_submit", args=[witness_link.token]))
    html = response.content.decode()
    assert response.status_code == 200
    for secret in ("借呗", "12000", "95188", "妈妈", "案件备注", str(case.pk), 'value="borrower"'):
        assert secret not in html
    assert "同意" in html or "agree" in html  # the consent checkbox


def test_it_takes_a_submission_into_the_inbox_not_the_timeline(case, witness_link, anonymous_client, borrower_client):
    response = submit(anonymous_client, witness_link, _file(png_bytes(), "截图.png"))
    assert response.status_code == 200 and 'id="witness-thanks"' in response.content.decode()
    submission = WitnessSubmission.objects.get()
    assert submission.entry.witness_pending and submission.entry.attachments.count() == 1
    assert submission.name == "李阿姨" and submission.ip == "127.0.0.1" and submission.user_agent == "TestPhone/1.0"
    assert "李阿姨" not in str(WitnessSubmission.objects.values_list("name", flat=True).get().token)
    assert "李阿姨" not in borrower_client.get(case.get_absolute_url()).content.decode()
    assert "李阿姨" in borrower_client.get(reverse("witness_inbox", args=[case.pk])).content.decode()
    actions = list(CustodyEvent.objects.filter(case=case).values_list("action", flat=True))
    assert "witness.submit" in actions and "attachment.add" in actions
    witness_link.refresh_from_db()
    assert witness_link.submissions_count == 1


def test_it_encrypts_witness_files_with_the_owners_key(case, submission, borrower_client):
    att = Attachment.objects.get()
    assert borrower_client.get(reverse("attachment_file", args=[att.pk])).getvalue() == png_bytes(color="#ffe0e0")


def test_it_puts_an_accepted_submission_on_the_timeline_with_provenance(case, submission, borrower_client):
    response = borrower_client.post(reverse("submission_accept", args=[submission.pk]))
    assert response.status_code == 302
    html = borrower_client.get(case.get_absolute_url()).content.decode()
    assert "你儿子欠钱不还" in html and "李阿姨" in html and "TestPhone/1.0" in html and "127.0.0.1" in html
    entry = Entry.objects.get()
    assert entry.kind == "third_party" and not entry.witness_pending and entry.number == "17100002222"
    assert CustodyEvent.objects.filter(case=case, action="witness.accept").exists()


def test_it_keeps_a_rejected_submission_in_the_trash(case, submission, borrower_client):
    borrower_client.post(reverse("submission_reject", args=[submission.pk]), {"reason": "不相关"})
    entry = Entry.objects.get()
    assert entry.is_trashed and entry.trash_reason == "不相关" and not entry.witness_pending
    assert "李阿姨" in borrower_client.get(reverse("case_trash", args=[case.pk])).content.decode()
    assert Attachment.objects.count() == 1
    assert CustodyEvent.objects.filter(case=case, action="witness.reject").exists()


def test_it_hides_pending_submissions_from_lawyers(shared_case, submission, lawyer_export):
    client = verified_client(lawyer_export)
    assert client.get(reverse("entry_detail", args=[submission.entry_id])).status_code == 404
    assert client.get(reverse("attachment_file", args=[Attachment.objects.get().pk])).status_code == 404
    assert client.get(reverse("witness_inbox", args=[shared_case.pk])).status_code == 404


def test_it_requires_consent(witness_link, anonymous_client, data_dir):
    response = submit(anonymous_client, witness_link, _file(png_bytes(), "截图.png"), consent=None)
    assert response.status_code == 200 and "witness-thanks" not in response.content.decode()
    assert response.context["form"].errors["consent"]
    assert WitnessSubmission.objects.count() == 0


def test_it_refuses_an_oversized_witness_upload_and_logs_it(witness_link, anonymous_client, settings, data_dir,
                                                            caplog):
    settings.LIUZHENG_MAX_UPLOAD_BYTES = 100_000
    with caplog.at_level(logging.WARNING, logger=SECURITY):
        response = submit(anonymous_client, witness_link, _file(os.urandom(150_000), "big.png"))
    assert "big.png" in response.content.decode() and "你儿子欠钱不还" in response.content.decode()
    assert_nothing_kept(data_dir)
    assert any("files refused" in r.getMessage() for r in caplog.records if r.name == SECURITY)


def test_it_refuses_a_wrong_type_through_a_witness_link(witness_link, anonymous_client, data_dir, caplog):
    with caplog.at_level(logging.WARNING, logger=SECURITY):
        response = submit(anonymous_client, witness_link, _file(b"MZ\x90\x00" + os.urandom(2000), "setup.exe"))
        response2 = submit(anonymous_client, witness_link, _file(pdf_bytes(), "photo.jpg"))
    assert "setup.exe" in response.content.decode() and "photo.jpg" in response2.content.decode()
    assert_nothing_kept(data_dir)
    assert any("files refused" in r.getMessage() for r in caplog.records if r.name == SECURITY)


def test_it_refuses_a_broken_image_through_a_witness_link(witness_link, anonymous_client, data_dir):
    response = submit(anonymous_client, witness_link, _file(png_bytes()[:200] + os.urandom(500), "broken.png"))
    assert "broken.png" in response.content.decode()
    assert_nothing_kept(data_dir)


def test_it_says_politely_that_an_expired_link_expired_and_logs_it(witness_link, anonymous_client, data_dir, caplog):
    WitnessLink.objects.filter(pk=witness_link.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    with caplog.at_level(logging.WARNING, logger=SECURITY):
        response = submit(anonymous_client, witness_link, _file(png_bytes(), "截图.png"))
    assert response.status_code == 410 and 'id="witness-gone"' in response.content.decode()
    assert "抱歉，此链接已过期。" in response.content.decode()  # zh-hans, the default language
    assert_nothing_kept(data_dir)  # the upload handler refused the file before it was stored
    assert any("expired" in r.getMessage() for r in caplog.records if r.name == SECURITY)


def test_it_closes_a_revoked_link(case, witness_link, anonymous_client, borrower_client):
    borrower_client.post(reverse("witness_link_revoke", args=[witness_link.pk]))
    assert anonymous_client.get(reverse("witness_submit", args=[witness_link.token])).status_code == 410
    assert CustodyEvent.objects.filter(case=case, action="witness_link.revoke").exists()


def test_it_closes_a_link_after_its_maximum_submissions(witness_link, anonymous_client):
    WitnessLink.objects.filter(pk=witness_link.pk).update(max_submissions=1)
    assert "witness-thanks" in submit(anonymous_client, witness_link).content.decode()
    assert submit(anonymous_client, witness_link).status_code == 410
    assert WitnessSubmission.objects.count() == 1


def test_it_refuses_a_forged_witness_token_and_logs_it(witness_link, anonymous_client, caplog):
    token = witness_link.token
    forged = token[:12] + ("A" if token[12] != "A" else "B") + token[13:]
    with caplog.at_level(logging.WARNING, logger=SECURITY):
        response = anonymous_client.get(reverse("witness_submit", args=[forged]))
    assert response.status_code == 404 and 'id="witness-gone"' in response.content.decode()
    assert any("Unknown witness token" in r.getMessage() for r in caplog.records if r.name == SECURITY)


def test_it_rate_limits_witness_token_guessing(anonymous_client, db, settings):
    settings.LIUZHENG_TOKEN_TRIES_PER_HOUR = 3
    statuses = [anonymous_client.get(reverse("witness_submit", args=["y" * 43])).status_code for _ in range(5)]
    assert statuses == [404, 404, 404, 429, 429]


def test_it_draws_the_qr_code_as_svg_for_the_owner_only(witness_link, borrower_client, other_client):
    response = borrower_client.get(reverse("witness_link_qr", args=[witness_link.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "image/svg+xml"
    assert b"<svg" in response.content
    assert other_client.get(reverse("witness_link_qr", args=[witness_link.pk])).status_code == 404


def test_it_creates_a_link_from_the_form(case, borrower_client):
    response = borrower_client.post(reverse("witness_links", args=[case.pk]),
                                    {"name": "王经理", "days": 7, "max_submissions": 2})
    link = WitnessLink.objects.get()
    assert response["Location"] == reverse("witness_link_detail", args=[link.pk])
    assert link.name == "王经理" and link.max_submissions == 2
    html = borrower_client.get(response["Location"]).content.decode()
    assert link.token in html
    assert "王经理" not in str(WitnessLink.objects.values_list("name", flat=True).get().token)


def test_it_revoke_keeps_the_submissions(witness_link, submission):
    witness_link_revoke(link=witness_link, actor=witness_link.case.owner)
    assert WitnessSubmission.objects.count() == 1


def test_it_names_the_witness_as_the_source_in_the_evidence_catalog(case, submission, borrower):
    from evidence.bundle.writer import BundleWriter
    from evidence.witness.services import witness_submission_accept

    witness_submission_accept(submission=submission, actor=borrower)
    data = BundleWriter(case, actor_label="test").catalog_data()
    items = [i for group in data["groups"] for i in group["items"]]
    (item,) = [i for i in items if i["source"].startswith("证人提交")]
    facts = dict(item["facts"])
    assert facts["证人提交"] == "李阿姨 母亲 13900001111" and "TestPhone/1.0" in facts["提交来源"]


# --------------------------------------------------------------------------- issue 14: the contact time


def test_it_asks_for_the_contact_time_instead_of_taking_the_submission_time(witness_link, anonymous_client,
                                                                           data_dir):
    response = submit(anonymous_client, witness_link, contacted_at=None)
    assert response.status_code == 200
    assert "contacted_at" in response.context["form"].errors
    assert_nothing_kept(data_dir)


def test_a_witness_who_remembers_only_the_day(witness_link, anonymous_client, borrower):
    submit(anonymous_client, witness_link, contacted_at=None, time_unknown="on", contacted_on="2026-11-20")
    entry = Entry.objects.get()
    assert entry.time_precision == "day"
    assert timezone.localtime(entry.occurred_at, timezone.get_fixed_timezone(480)).date().isoformat() == "2026-11-20"


def test_a_witness_who_remembers_no_time_at_all(witness_link, anonymous_client):
    before = timezone.now()
    submit(anonymous_client, witness_link, contacted_at="", time_unknown="on")
    entry = Entry.objects.get()
    assert entry.time_precision == "unknown" and entry.occurred_at >= before  # kept for ordering only


def test_a_witness_who_forgot_the_consent_box_keeps_the_screenshot(case, witness_link, anonymous_client):
    """Issue 14: two witness submissions arrived without their screenshot after an error."""
    import hashlib

    from evidence.models import PendingUpload

    shot = png_bytes(color="#ffe0e0")
    response = submit(anonymous_client, witness_link, _file(shot, "截图.png"), consent=None,
                      form_token="6f1c2a5e-0d1b-4c1e-9a39-2f0b6f3f6c11")
    assert response.status_code == 200 and "consent" in response.context["form"].errors
    [pending] = PendingUpload.objects.all()
    assert pending.witness_link_id == witness_link.pk and Entry.objects.count() == 0
    html = response.content.decode()
    assert "截图.png" in html and f'value="{pending.pk}"' in html
    token = response.context["form"].cleaned_data["form_token"]
    response = submit(anonymous_client, witness_link, pending=[str(pending.pk)], form_token=str(token))
    assert "evidence/witness_thanks.html" in [t.name for t in response.templates]
    entry = Entry.objects.get()
    [att] = entry.attachments.all()
    assert att.sha256 == hashlib.sha256(shot).hexdigest() and not PendingUpload.objects.exists()


def test_the_inbox_plays_a_witness_amr_from_its_playable_copy(case, witness_link, anonymous_client, borrower_client):
    from evidence.cases.services import playable_copy_make
    from tests.media_samples import recording_bytes

    submit(anonymous_client, witness_link, _file(recording_bytes(2.0, "amr"), "录音.amr"))
    att = WitnessSubmission.objects.get().entry.attachments.get()
    inbox = reverse("witness_inbox", args=[case.pk])
    before = borrower_client.get(inbox).content.decode()
    assert "playable-note" in before and f'<audio controls preload="none" src="{reverse("attachment_file", args=[att.pk])}"' \
        not in before  # no player for a file the browser cannot play: a note, and the original to download
    copy = playable_copy_make(att.pk)  # what the worker's task runs
    page = borrower_client.get(inbox).content.decode()
    assert f'src="{reverse("attachment_playable", args=[att.pk])}"' in page
    served = borrower_client.get(reverse("attachment_playable", args=[att.pk]))
    assert served.status_code == 200 and served["Content-Type"] == copy.media_type == "audio/mp4"
