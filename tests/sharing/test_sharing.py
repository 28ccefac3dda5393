"""Lawyers: invitations, read-only access, export by level, revocation, expiry,
two-factor authentication, private notes; abuse is refused and logged."""
import logging
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import TOTP

from evidence.models import CaseAccess, CustodyEvent, Entry, Invitation, LawyerNote
from evidence.sharing.services import case_share, invitation_accept

from tests.conftest import _client_for, grant, verified_client

SECURITY = "liuzheng.security"


def security_records(caplog):
    return [r for r in caplog.records if r.name == SECURITY]


@pytest.fixture
def view_client(shared_case, lawyer_view):
    return verified_client(lawyer_view)


@pytest.fixture
def export_client(shared_case, lawyer_export):
    return verified_client(lawyer_export)


# --------------------------------------------------------------------------- invitations


def test_it_shows_the_invitation_link_once_and_keeps_only_its_hash(case, borrower_client):
    response = borrower_client.post(reverse("case_sharing", args=[case.pk]), {"level": "export", "label": "王律师"})
    assert response.status_code == 200
    token = response.context["new_link"]["token"]
    invitation = Invitation.objects.get()
    assert token not in str(Invitation.objects.values().get())
    assert invitation.token_hash != token and len(token) == 43
    assert token not in borrower_client.get(reverse("case_sharing", args=[case.pk])).content.decode()
    assert CustodyEvent.objects.filter(case=case, action="case.share").count() == 1


def test_it_lets_a_lawyer_accept_an_invitation(case, lawyer):
    invitation, token = case_share(case=case, actor=case.owner, level="export")
    client = verified_client(lawyer)
    assert client.get(reverse("invitation_accept", args=[token])).status_code == 200
    response = client.post(reverse("invitation_accept", args=[token]))
    assert response.status_code == 302 and response["Location"] == case.get_absolute_url()
    access = CaseAccess.objects.get(lawyer=lawyer)
    assert access.level == "export" and access.is_active(timezone.now())
    assert CustodyEvent.objects.filter(case=case, action="invitation.accept", actor=lawyer).exists()


def test_it_accepts_the_code_pasted_as_a_whole_link(case, lawyer):
    _, token = case_share(case=case, actor=case.owner, level="view")
    client = verified_client(lawyer)
    response = client.post(reverse("invitation_enter"), {"code": f" https://example.org/invite/{token}/ "})
    assert response["Location"] == reverse("invitation_accept", args=[token])


def test_it_refuses_a_reused_invitation_and_logs_it(case, lawyer, other_borrower, caplog):
    from accounts.services import user_create

    _, token = case_share(case=case, actor=case.owner, level="view")
    verified_client(lawyer).post(reverse("invitation_accept", args=[token]))
    second = user_create(username="second_lawyer", password="Correct-horse-42", role="lawyer")
    with caplog.at_level(logging.WARNING, logger=SECURITY):
        response = verified_client(second).post(reverse("invitation_accept", args=[token]))
    assert response.status_code == 410
    assert "此邀请已被使用过" in response.content.decode()  # zh-hans, the default language
    assert not CaseAccess.objects.filter(lawyer=second).exists()
    assert any("used" in r.getMessage() for r in security_records(caplog))


def test_it_refuses_an_expired_invitation(case, lawyer):
    invitation, token = case_share(case=case, actor=case.owner, level="view")
    Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    response = verified_client(lawyer).post(reverse("invitation_accept", args=[token]))
    assert response.status_code == 410
    assert not CaseAccess.objects.exists()


def test_it_refuses_a_withdrawn_invitation(case, borrower_client, lawyer):
    invitation, token = case_share(case=case, actor=case.owner, level="view")
    borrower_client.post(reverse("invitation_revoke", args=[invitation.pk]))
    assert verified_client(lawyer).post(reverse("invitation_accept", args=[token])).status_code == 410
    assert CustodyEvent.objects.filter(case=case, action="case.unshare").exists()


def test_it_refuses_a_borrower_accepting_an_invitation(case, other_client):
    _, token = case_share(case=case, actor=case.owner, level="view")
    assert other_client.post(reverse("invitation_accept", args=[token])).status_code == 403
    assert not CaseAccess.objects.exists()


def test_it_refuses_a_forged_invitation_token_and_logs_it(case, lawyer, caplog):
    _, token = case_share(case=case, actor=case.owner, level="view")
    forged = token[:12] + ("A" if token[12] != "A" else "B") + token[13:]  # right lookup, wrong secret
    with caplog.at_level(logging.WARNING, logger=SECURITY):
        response = verified_client(lawyer).post(reverse("invitation_accept", args=[forged]))
    assert response.status_code == 404
    assert not CaseAccess.objects.exists()
    assert any("Unknown invitation token" in r.getMessage() for r in security_records(caplog))


def test_it_rate_limits_invitation_guessing(case, lawyer, settings, caplog):
    settings.LIUZHENG_TOKEN_TRIES_PER_HOUR = 3
    client = verified_client(lawyer)
    statuses = [client.get(reverse("invitation_accept", args=["x" * 43])).status_code for _ in range(5)]
    assert statuses == [404, 404, 404, 429, 429]


def test_it_sends_an_anonymous_invitee_to_log_in_and_back(case, anonymous_client):
    _, token = case_share(case=case, actor=case.owner, level="view")
    response = anonymous_client.get(reverse("invitation_accept", args=[token]))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


# --------------------------------------------------------------------------- reading, not writing


def test_it_shows_a_lawyer_the_case_read_only(shared_case, entry, view_client):
    html = view_client.get(shared_case.get_absolute_url()).content.decode()
    assert "不还钱就找你家人" in html
    assert reverse("case_edit", args=[shared_case.pk]) not in html
    assert reverse("entry_create", args=[shared_case.pk]) not in html
    assert 'id="read-only-banner"' in html
    entry_html = view_client.get(entry.get_absolute_url()).content.decode()
    assert reverse("entry_edit", args=[entry.pk]) not in entry_html
    assert reverse("entry_trash", args=[entry.pk]) not in entry_html


def test_it_refuses_a_lawyer_trying_to_edit_and_logs_it(shared_case, entry, export_client, caplog):
    with caplog.at_level(logging.WARNING, logger=SECURITY):
        responses = [
            export_client.post(reverse("entry_edit", args=[entry.pk]), {"kind": "call", "occurred_at": "2026-11-20T10:00",
                                                                        "content": "改了"}),
            export_client.post(reverse("entry_trash", args=[entry.pk]), {"reason": "删掉"}),
            export_client.post(reverse("case_edit", args=[shared_case.pk]), {"lender": "别的"}),
            export_client.post(reverse("entry_create", args=[shared_case.pk]), {"kind": "call"}),
        ]
    assert [r.status_code for r in responses] == [404, 404, 404, 404]
    entry.refresh_from_db()
    assert entry.content == "不还钱就找你家人" and not entry.is_trashed and Entry.objects.count() == 1
    assert len([r for r in security_records(caplog) if "Refused write" in r.getMessage()]) == 4


def test_it_records_a_lawyers_view_at_most_once_an_hour(shared_case, view_client, lawyer_view, monkeypatch):
    from evidence.custody import services

    view_client.get(shared_case.get_absolute_url())
    view_client.get(shared_case.get_absolute_url())
    views = CustodyEvent.objects.filter(case=shared_case, action="case.view", actor=lawyer_view)
    assert views.count() == 1
    monkeypatch.setattr(services, "VIEW_EVENT_EVERY_SECONDS", 0)  # the hour has passed
    view_client.get(shared_case.get_absolute_url())
    assert views.count() == 2


@pytest.mark.parametrize("page", ["entry_detail", "entry_history", "case_trash", "case_statistics", "case_findings",
                                  "complaint_list"])
def test_it_records_a_lawyers_view_of_any_page_of_the_case(page, shared_case, view_client, lawyer_view, borrower):
    """A lawyer may open an entry from a bookmark without passing by the case page."""
    from evidence.cases.services import entry_create

    entry, _ = entry_create(case=shared_case, actor=borrower, kind="sms", occurred_at=timezone.now(), content="还钱")
    arg = entry.pk if page.startswith("entry_") else shared_case.pk
    assert view_client.get(reverse(page, args=[arg])).status_code == 200
    assert CustodyEvent.objects.filter(case=shared_case, action="case.view", actor=lawyer_view).count() == 1


def test_it_does_not_record_the_owners_own_views(case, borrower_client):
    borrower_client.get(case.get_absolute_url())
    assert not CustodyEvent.objects.filter(action="case.view").exists()


def test_it_shows_the_owner_who_has_access_and_what_they_did(shared_case, view_client, borrower_client):
    view_client.get(shared_case.get_absolute_url())
    html = borrower_client.get(reverse("case_sharing", args=[shared_case.pk])).content.decode()
    assert "lawyer_view" in html and "lawyer_export" in html
    assert "律师 lawyer_view</span> 打开了案件" in html  # in words (issue 14), not "case.view"


def test_it_lets_only_an_export_level_lawyer_export(shared_case, entry, view_client, export_client):
    assert view_client.post(reverse("bundle_create", args=[shared_case.pk])).status_code == 404
    assert "bundle-form" not in view_client.get(shared_case.get_absolute_url()).content.decode()
    assert export_client.post(reverse("bundle_create", args=[shared_case.pk])).status_code == 302
    assert "bundle-form" in export_client.get(shared_case.get_absolute_url()).content.decode()


def test_it_ends_access_on_the_next_request_after_revocation(shared_case, lawyer_view, view_client, borrower_client,
                                                             caplog):
    assert view_client.get(shared_case.get_absolute_url()).status_code == 200  # the open tab
    access = CaseAccess.objects.get(lawyer=lawyer_view, revoked_at__isnull=True)
    borrower_client.post(reverse("access_revoke", args=[access.pk]))
    with caplog.at_level(logging.WARNING, logger=SECURITY):
        assert view_client.get(shared_case.get_absolute_url()).status_code == 404
    assert security_records(caplog)
    assert CustodyEvent.objects.filter(case=shared_case, action="case.unshare").exists()


def test_it_ends_access_at_its_expiry(shared_case, lawyer_view, view_client):
    CaseAccess.objects.filter(lawyer=lawyer_view).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert view_client.get(shared_case.get_absolute_url()).status_code == 404


def test_it_lists_shared_cases_on_the_lawyers_dashboard(shared_case, entry, view_client, expired_lawyer):
    html = view_client.get(reverse("case_list")).content.decode()
    assert "借呗" in html and "borrower" in html
    assert "借呗" not in verified_client(expired_lawyer).get(reverse("case_list")).content.decode()


def test_it_keeps_lawyer_notes_private_and_encrypted(shared_case, view_client, lawyer_view, borrower_client):
    url = reverse("lawyer_notes", args=[shared_case.pk])
    assert view_client.post(url, {"text": "证据链完整，可起诉"}).status_code == 302
    assert "证据链完整" in view_client.get(url).content.decode()
    raw = LawyerNote.objects.values_list("text", flat=True).get().token
    assert "证据链" not in raw
    assert borrower_client.get(url).status_code == 404
    assert "证据链完整" not in borrower_client.get(shared_case.get_absolute_url()).content.decode()


# --------------------------------------------------------------------------- two-factor


def test_it_sends_a_lawyer_without_two_factor_to_set_it_up(shared_case, lawyer_view):
    client = _client_for(lawyer_view)
    response = client.get(shared_case.get_absolute_url())
    assert response.status_code == 302 and response["Location"].startswith(reverse("otp_setup"))
    assert "借呗" not in client.get(reverse("case_list")).content.decode()


def test_it_sets_up_totp_with_recovery_codes(shared_case, lawyer_view):
    import base64

    client = _client_for(lawyer_view)
    page = client.get(reverse("otp_setup"))
    secret = base64.b32decode(page.context["secret"])
    assert "<svg" in page.content.decode()
    response = client.post(reverse("otp_setup"), {"token": str(TOTP(secret).token()).zfill(6)})
    assert response.status_code == 200 and len(response.context["codes"]) == 10
    assert client.get(shared_case.get_absolute_url()).status_code == 200


def test_it_asks_for_the_code_after_the_password(case, borrower):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.create(user=borrower, name="authenticator", confirmed=True)
    client = _client_for(borrower)  # password step done
    response = client.get(case.get_absolute_url())
    assert response.status_code == 302 and response["Location"].startswith(reverse("otp_verify"))
    response = client.post(reverse("otp_verify"), {"token": str(TOTP(device.bin_key).token()).zfill(6),
                                                   "next": case.get_absolute_url()})
    assert response["Location"] == case.get_absolute_url()
    assert client.get(case.get_absolute_url()).status_code == 200


def test_it_accepts_a_recovery_code_once(case, borrower):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from accounts.services import recovery_codes_create

    TOTPDevice.objects.create(user=borrower, name="authenticator", confirmed=True)
    code = recovery_codes_create(user=borrower)[0]
    first = _client_for(borrower)
    assert first.post(reverse("otp_verify"), {"token": code})["Location"] == reverse("case_list")
    second = _client_for(borrower)
    assert second.post(reverse("otp_verify"), {"token": code}).status_code == 200


def test_it_rate_limits_code_guessing_and_logs_it(case, borrower, settings, caplog):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    settings.LIUZHENG_OTP_TRIES_PER_15MIN = 3
    device = TOTPDevice.objects.create(user=borrower, name="authenticator", confirmed=True)
    client = _client_for(borrower)
    with caplog.at_level(logging.WARNING, logger=SECURITY):
        for _ in range(3):
            client.post(reverse("otp_verify"), {"token": "000000"})
        right = str(TOTP(device.bin_key).token()).zfill(6)
        response = client.post(reverse("otp_verify"), {"token": right})
    assert response.status_code == 200 and "15" in response.content.decode()
    assert any("over the limit" in r.getMessage() for r in security_records(caplog))


def test_a_borrower_can_switch_two_factor_off_with_a_current_code(borrower):
    from django_otp import user_has_device

    from accounts.services import recovery_codes_create

    client = verified_client(borrower)
    recovery_codes_create(user=borrower)
    client.post(reverse("otp_disable"), {"token": "000000"})
    assert user_has_device(borrower)  # a wrong code changes nothing
    device = borrower.totpdevice_set.get()
    device.throttle_reset()  # django-otp slows the next try after a failure; let that time pass
    client.post(reverse("otp_disable"), {"token": str(TOTP(device.bin_key).token()).zfill(6)})
    assert not user_has_device(borrower, confirmed=None)  # authenticator and recovery codes gone


def test_a_lawyer_cannot_switch_two_factor_off_and_it_is_logged(lawyer, caplog):
    from django_otp import user_has_device

    client = verified_client(lawyer)
    device = lawyer.totpdevice_set.get()
    with caplog.at_level(logging.WARNING, logger=SECURITY):
        response = client.post(reverse("otp_disable"), {"token": str(TOTP(device.bin_key).token()).zfill(6)})
    assert response["Location"] == reverse("profile") and user_has_device(lawyer)
    assert any("tried to switch two-factor off" in r.getMessage() for r in security_records(caplog))


def test_a_borrower_does_not_need_two_factor(case, borrower_client):
    assert borrower_client.get(case.get_absolute_url()).status_code == 200


def test_it_replaces_an_earlier_grant_when_a_lawyer_accepts_again(case, lawyer):
    grant(case, lawyer, "view")
    invitation, _ = case_share(case=case, actor=case.owner, level="export")
    invitation_accept(invitation=invitation, lawyer=lawyer)
    live = CaseAccess.objects.filter(lawyer=lawyer, revoked_at__isnull=True)
    assert live.count() == 1 and live.get().level == "export"


def test_it_ends_access_at_the_end_of_the_chosen_day(case, borrower_client, lawyer):
    day = timezone.localdate() + timedelta(days=3)
    response = borrower_client.post(reverse("case_sharing", args=[case.pk]),
                                    {"level": "view", "access_until": day.isoformat()})
    verified_client(lawyer).post(reverse("invitation_accept", args=[response.context["new_link"]["token"]]))
    import zoneinfo

    access = CaseAccess.objects.get(lawyer=lawyer)
    ends = timezone.localtime(access.expires_at, zoneinfo.ZoneInfo(case.owner.time_zone))  # the borrower's midnight
    assert (ends.date(), ends.hour, ends.minute) == (day + timedelta(days=1), 0, 0)


def test_it_refuses_an_access_end_in_the_past(case, borrower_client):
    response = borrower_client.post(reverse("case_sharing", args=[case.pk]),
                                    {"level": "view", "access_until": "2020-01-01"})
    assert response.context["form"].errors["access_until"] and not Invitation.objects.exists()


def test_it_offers_a_lawyer_account_to_someone_invited(anonymous_client):
    response = anonymous_client.get(reverse("signup") + "?next=/invite/abc/")
    assert response.context["form"]["role"].value() == "lawyer"
    assert 'value="/invite/abc/"' in response.content.decode()


def test_the_access_log_reads_as_a_sentence_in_local_time(shared_case, lawyer_export, borrower_client):
    """Issue 14: "律师 lawyer_export 下载了证据包 · 12月1日 20:19", not "user:3:… · bundle.download"."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from evidence.custody.actions import Action
    from evidence.models import CustodyEvent
    from evidence.sharing.selectors import access_log_rows
    from tests.conftest import DoorGuard

    event = CustodyEvent(case=shared_case, seq=0, created_at=datetime(2026, 12, 1, 12, 19, tzinfo=ZoneInfo("UTC")),
                         actor=lawyer_export, actor_label=f"user:{lawyer_export.pk}:lawyer_export",
                         action=Action.BUNDLE_DOWNLOAD, object_type="bundle", object_id="x", prev_hash="", hash="t")
    with DoorGuard():  # a row set up by the test, as tamper tests do
        last = CustodyEvent.objects.filter(case=shared_case).order_by("-seq").first()
        event.seq, event.prev_hash = last.seq + 1, last.hash
        event.save()
    [row] = [r for r in access_log_rows(shared_case) if r["event"].pk == event.pk]
    assert row["who"] == "律师 lawyer_export" and str(row["did"]) == "下载了证据包"
    html = borrower_client.get(reverse("case_sharing", args=[shared_case.pk])).content.decode()
    assert "律师 lawyer_export</span> 下载了证据包 · <time" in html and "12月1日 20:19" in html
    assert "bundle.download" not in html and "user:" not in html


def test_the_short_code_opens_the_invitation_however_it_is_typed(case, borrower, lawyer):
    """Issue 14: a 10-character code in two groups beside the 43-character link."""
    import re

    from evidence.custody.actors import Actor
    from evidence.lib.tokens import normalize_short_code

    invitation, token = case_share(case=case, actor=Actor.of(borrower), level="view")
    code = invitation.short_code
    assert re.fullmatch(r"[0-9A-HJKMNP-TV-Z]{5}-[0-9A-HJKMNP-TV-Z]{5}", code) and code.replace("-", "") not in token
    client = verified_client(lawyer)
    typed = " ".join(code.lower().split("-"))  # "k7qm2 xwp9r"
    response = client.post(reverse("invitation_enter"), {"code": typed})
    assert response.status_code == 302 and response.url == reverse("invitation_accept", args=[code])
    assert client.post(response.url).status_code == 302
    assert CaseAccess.objects.filter(case=case, lawyer=lawyer).exists()
    assert client.get(reverse("invitation_accept", args=["ZZZZZ-ZZZZZ"])).status_code == 404
    assert normalize_short_code("O0IL1-uuuuu") == "00111VVVVV"


def test_a_lawyer_opening_an_invitation_logged_out_sees_it_is_one(case, borrower, anonymous_client):
    from evidence.custody.actors import Actor

    _invitation, token = case_share(case=case, actor=Actor.of(borrower), level="view")
    response = anonymous_client.get(reverse("invitation_accept", args=[token]), follow=True)
    assert 'id="invited-notice"' in response.content.decode()


def test_the_sharing_page_shows_the_short_code_with_copy_and_share(case, borrower_client):
    html = borrower_client.post(reverse("case_sharing", args=[case.pk]), {"level": "view", "label": "陈律师"}).content.decode()
    assert 'id="invitation-code"' in html and "data-copy=\"#invitation-url\"" in html and "data-share-url" in html
    assert "onclick" not in html
