"""RFC 3161 timestamps from a local `openssl ts` TSA: obtained in the background,
validated on arrival, checkable with openssl, and never lost when the TSA fails."""
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from evidence.lib import merkle
from evidence.models import Timestamp, TimestampToken
from evidence.cases.services import attachment_add
from evidence.custody.timestamps import TimestampError, request_token, stamp_pending, validate_token

from tests.conftest import make_upload
from tests.media_samples import png_bytes
from tests.tsa import LocalTSA


def add_file(entry, borrower, color="white"):
    return attachment_add(entry=entry, actor=borrower, upload=make_upload(borrower, "a.png", png_bytes(color=color)))


def test_without_a_tsa_nothing_is_queued_and_the_page_says_so(entry, borrower, borrower_client):
    att = add_file(entry, borrower)
    assert not Timestamp.objects.exists()
    html = borrower_client.get(f"/entries/{entry.pk}/").content.decode()
    assert "server time only" in html.lower() or "服务器时间" in html
    assert att.pk


def test_it_queues_the_file_and_the_chain_head(tsa, entry, borrower):
    att = add_file(entry, borrower)
    subjects = sorted(Timestamp.objects.values_list("subject", flat=True))
    assert subjects == ["chain", "file"]
    assert Timestamp.objects.get(subject="file").digest == att.sha256
    assert tsa.requests == 0, "nothing may block the upload on the TSA"


def test_it_stamps_everything_in_one_request_and_openssl_agrees(tsa, entry, borrower):
    atts = [add_file(entry, borrower, color=c) for c in ("white", "red", "blue")]
    result = stamp_pending()
    assert result == {"requests": 1, "stamped": 4, "failed": 0}  # three files + the chain head
    assert tsa.requests == 1
    token = TimestampToken.objects.get()
    assert token.tsa_name == "Liuzheng Test TSA"
    assert abs(token.gen_time - timezone.now()) < timedelta(minutes=1)
    for att in atts:
        stamp = Timestamp.objects.get(attachment=att)
        root = merkle.root_from_path(bytes.fromhex(att.sha256), stamp.merkle_path)
        assert root.hex() == token.digest
        check = tsa.openssl_verify(bytes(token.der), root.hex())
        assert check.returncode == 0 and "Verification: OK" in check.stdout, check.stderr
    head = Timestamp.objects.get(subject="chain")
    assert head.event.hash == head.digest and head.event.seq == entry.case.custody_events.count()


def test_a_single_file_is_stamped_directly(tsa, entry, borrower, settings):
    stamp_pending()  # the chain head from creating the entry
    settings.LIUZHENG_TSA_URLS = []  # no chain-head request for this upload
    att = add_file(entry, borrower)
    settings.LIUZHENG_TSA_URLS = [tsa.url]
    from evidence.custody.timestamps import file_timestamp_request

    file_timestamp_request(att)
    stamp_pending()
    stamp = Timestamp.objects.get(attachment=att)
    assert stamp.merkle_path == [] and stamp.token.digest == att.sha256
    assert tsa.openssl_verify(bytes(stamp.token.der), att.sha256).returncode == 0


def test_openssl_rejects_the_token_for_another_file(tsa, entry, borrower):
    add_file(entry, borrower)
    stamp_pending()
    token = TimestampToken.objects.get()
    assert tsa.openssl_verify(bytes(token.der), "ab" * 32).returncode != 0


@pytest.mark.parametrize("mode", ["error", "garbage", "wrong-hash", "slow", "refuse"])
def test_a_failing_tsa_loses_nothing_and_is_retried(tsa, entry, borrower, mode):
    tsa.mode = mode
    tsa.slow_seconds = 2
    add_file(entry, borrower)
    result = stamp_pending()
    assert result["stamped"] == 0 and result["failed"] == 2
    pending = list(Timestamp.objects.all())
    assert all(s.token_id is None and s.attempts == 1 and s.last_error for s in pending)
    assert all(s.next_try_at > timezone.now() for s in pending)
    assert stamp_pending()["requests"] == 0, "backoff: not retried at once"
    tsa.mode = "ok"
    Timestamp.objects.update(next_try_at=timezone.now())
    assert stamp_pending()["stamped"] == 2
    assert not TimestampToken.objects.filter(stamps__isnull=True).exists()


def test_an_unreachable_tsa_falls_back_to_the_next_one(tsa, entry, borrower, settings):
    settings.LIUZHENG_TSA_URLS = ["http://127.0.0.1:9/nothing-here", tsa.url]
    add_file(entry, borrower)
    assert stamp_pending()["stamped"] == 2
    assert TimestampToken.objects.get().tsa_url == tsa.url


def test_it_refuses_a_token_for_another_hash(tsa):
    tsa.mode = "wrong-hash"
    with pytest.raises(TimestampError, match="another hash"):
        request_token(b"\x01" * 32)


def test_it_refuses_a_token_dated_far_from_now(tsa):
    from asn1crypto import tsp

    der, _, _, _ = request_token(b"\x02" * 32)
    token = tsp.TimeStampResp.load(der)["time_stamp_token"]
    with pytest.raises(TimestampError, match="away from now"):
        validate_token(token, b"\x02" * 32, now=timezone.now() + timedelta(days=2))


def test_it_refuses_a_token_from_an_unknown_ca(tsa, settings, tmp_path):
    other = LocalTSA()
    try:
        settings.LIUZHENG_TSA_URLS = [other.url]  # a TSA whose CA we did not configure
        with pytest.raises(TimestampError):
            request_token(b"\x03" * 32)
    finally:
        other.close()


def test_a_thousand_hashes_take_one_request(tsa, entry, case):
    stamp_pending()
    now = timezone.now()
    Timestamp.objects.bulk_create([
        Timestamp(case=case, subject="file", digest=f"{i:064x}", next_try_at=now) for i in range(1000)])
    tsa.requests = 0
    assert stamp_pending()["stamped"] == 1000
    assert tsa.requests == 1


@pytest.mark.django_db(transaction=True)
def test_the_database_worker_does_the_stamping(tsa, settings):
    from accounts.services import user_create
    from evidence.cases.services import case_create

    owner = user_create(username="w", password="Correct-horse-42")
    case_create(owner=owner, lender="借呗")  # commits: the task is enqueued on commit
    assert Timestamp.objects.filter(token__isnull=True).count() == 1
    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)
    assert Timestamp.objects.filter(token__isnull=False).count() == 1


def test_the_page_shows_the_timestamp(tsa, entry, borrower, borrower_client):
    add_file(entry, borrower)
    stamp_pending()
    html = borrower_client.get(f"/entries/{entry.pk}/").content.decode()
    assert "Liuzheng Test TSA" in html
