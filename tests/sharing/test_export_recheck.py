"""A lawyer whose second factor is older than LIUZHENG_EXPORT_REVERIFY_MINUTES enters a fresh
code before asking for or downloading a client's bundle; reading the case is not affected."""
from urllib.parse import parse_qs, urlparse

import pytest
from django.urls import reverse
from django_otp.oath import TOTP

from evidence.access import SECOND_FACTOR_AT
from evidence.bundle.services import bundle_build, bundle_request
from evidence.models import Bundle, CustodyEvent

from tests.conftest import _client_for, verified_client

TWENTY_MINUTES = 20 * 60


@pytest.fixture
def bundle(shared_case):
    b = bundle_request(case=shared_case, actor=shared_case.owner, selection={})
    bundle_build(bundle=b)
    b.refresh_from_db()
    assert b.is_available
    return b


def _code(user):
    return str(TOTP(user.totpdevice_set.get().bin_key).token()).zfill(6)


def _to_fresh_code(response):
    assert response.status_code == 302, response.status_code
    url = urlparse(response["Location"])
    assert url.path == reverse("otp_verify")
    query = parse_qs(url.query)
    assert query["fresh"] == ["1"]
    return query["next"][0]


def _downloads(bundle):
    return CustodyEvent.objects.filter(action="bundle.download", object_id=str(bundle.pk)).count()


def test_a_stale_second_factor_must_be_renewed_before_a_download(shared_case, lawyer_export, bundle, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0  # django-otp's back-off after a wrong code; not what is tested here
    client = verified_client(lawyer_export, verified_ago=TWENTY_MINUTES)
    download = reverse("bundle_download", args=[bundle.pk])
    response = client.get(download)
    assert _to_fresh_code(response) == download
    assert _downloads(bundle) == 0 and not response.has_header("Content-Disposition")

    page = client.get(response["Location"])
    assert page.status_code == 200
    assert "导出委托人的证据需要重新输入验证码" in page.content.decode()  # says why, in Chinese

    wrong = str((int(_code(lawyer_export)) + 1) % 1_000_000).zfill(6)
    again = client.post(response["Location"], {"token": wrong, "next": download, "fresh": "1"})
    assert again.status_code == 200 and "验证码不正确" in again.content.decode()
    assert client.get(download).status_code == 302  # still stale

    done = client.post(response["Location"], {"token": _code(lawyer_export), "next": download, "fresh": "1"})
    assert done.status_code == 302 and done["Location"] == download
    got = client.get(download)
    assert got.status_code == 200 and b"".join(got.streaming_content)[:2] == b"PK"
    assert _downloads(bundle) == 1


def test_a_stale_second_factor_must_be_renewed_before_an_export(shared_case, lawyer_export):
    client = verified_client(lawyer_export, verified_ago=TWENTY_MINUTES)
    create = reverse("bundle_create", args=[shared_case.pk])
    response = client.post(create, {})
    back = _to_fresh_code(response)
    assert back == f"{shared_case.get_absolute_url()}#bundles"  # a POST cannot be replayed by a redirect
    assert not Bundle.objects.exists()
    done = client.post(response["Location"], {"token": _code(lawyer_export), "next": back, "fresh": "1"})
    assert done["Location"] == back
    assert client.post(create, {}).status_code == 302
    assert Bundle.objects.filter(case=shared_case, requested_by=lawyer_export).count() == 1


def test_a_stale_lawyer_still_reads_and_sees_progress(shared_case, lawyer_export, bundle):
    client = verified_client(lawyer_export, verified_ago=TWENTY_MINUTES)
    assert client.get(shared_case.get_absolute_url()).status_code == 200
    status = client.get(reverse("bundle_status", args=[bundle.pk]))
    assert status.status_code == 200 and status.json()["available"]  # a poll cannot type a code


def test_a_recent_code_exports_straight_away(shared_case, lawyer_export, bundle):
    client = verified_client(lawyer_export, verified_ago=5 * 60)
    assert client.get(reverse("bundle_download", args=[bundle.pk])).status_code == 200
    # and the verify page, asked for a fresh code it already has, sends the lawyer straight on
    response = client.get(reverse("otp_verify") + "?fresh=1&next=/cases/")
    assert response.status_code == 302 and response["Location"] == "/cases/"


def test_a_session_verified_before_the_rule_is_asked_once(shared_case, lawyer_export, bundle):
    client = verified_client(lawyer_export)
    session = client.session
    del session[SECOND_FACTOR_AT]
    session.save()
    assert client.get(reverse("bundle_download", args=[bundle.pk])).status_code == 302


def test_entering_the_code_records_when(shared_case, lawyer_export):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    TOTPDevice.objects.create(user=lawyer_export, name="authenticator", confirmed=True)
    client = _client_for(lawyer_export)
    client.post(reverse("otp_verify"), {"token": _code(lawyer_export), "next": "/cases/"})
    import time

    assert abs(client.session[SECOND_FACTOR_AT] - time.time()) < 60


def test_the_owner_is_never_asked(case, borrower_client):
    b = bundle_request(case=case, actor=case.owner, selection={})
    bundle_build(bundle=b)
    assert borrower_client.get(reverse("bundle_download", args=[b.pk])).status_code == 200


def test_zero_minutes_switches_the_recheck_off(shared_case, lawyer_export, bundle, settings):
    settings.LIUZHENG_EXPORT_REVERIFY_MINUTES = 0
    client = verified_client(lawyer_export, verified_ago=10 * 3600)
    assert client.get(reverse("bundle_download", args=[bundle.pk])).status_code == 200


def test_the_window_is_the_setting(shared_case, lawyer_export, bundle, settings):
    settings.LIUZHENG_EXPORT_REVERIFY_MINUTES = 60
    assert verified_client(lawyer_export, verified_ago=TWENTY_MINUTES).get(
        reverse("bundle_download", args=[bundle.pk])).status_code == 200
