"""Accounts: sign-up, roles, preferences, password reset, login rate limiting."""
import re

from django.contrib.auth import get_user_model
from django.core import mail
from django.urls import reverse

from evidence.models import UserKey

from tests.conftest import PASSWORD


def test_it_signs_up_a_borrower_with_a_data_key(anonymous_client):
    response = anonymous_client.post(reverse("signup"), {
        "username": "xiaoming", "email": "", "role": "borrower",
        "password1": PASSWORD, "password2": PASSWORD})
    assert response.status_code == 302 and response["Location"] == reverse("case_create")
    user = get_user_model().objects.get(username="xiaoming")
    assert user.role == "borrower" and user.language == "zh-hans" and user.time_zone == "Asia/Shanghai"
    assert UserKey.objects.filter(user=user).exists()
    assert user.password.startswith("argon2")


def test_it_marks_a_lawyer_account(anonymous_client):
    anonymous_client.post(reverse("signup"), {
        "username": "lvshi", "email": "l@example.org", "role": "lawyer",
        "password1": PASSWORD, "password2": PASSWORD})
    assert get_user_model().objects.get(username="lvshi").is_lawyer


def test_it_logs_in_and_out(borrower, anonymous_client):
    response = anonymous_client.post(reverse("login"), {"username": "borrower", "password": PASSWORD})
    assert response.status_code == 302
    assert anonymous_client.get(reverse("case_list")).status_code == 200
    anonymous_client.post(reverse("logout"))
    assert anonymous_client.get(reverse("case_list")).status_code == 302


def test_it_locks_out_after_repeated_failures(borrower, anonymous_client, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        anonymous_client.post(reverse("login"), {"username": "borrower", "password": "wrong"})
    response = anonymous_client.post(reverse("login"), {"username": "borrower", "password": PASSWORD})
    assert response.status_code == 429
    assert "accounts/locked_out.html" in [t.name for t in response.templates]


def test_it_saves_language_and_time_zone(borrower, borrower_client):
    response = borrower_client.post(reverse("profile"), {
        "email": "", "language": "en", "time_zone": "America/New_York"})
    assert response.status_code == 302
    borrower.refresh_from_db()
    assert (borrower.language, borrower.time_zone) == ("en", "America/New_York")


def test_it_refuses_an_unknown_time_zone(borrower, borrower_client):
    response = borrower_client.post(reverse("profile"), {"email": "", "language": "en", "time_zone": "Mars/Base"})
    assert response.status_code == 200
    borrower.refresh_from_db()
    assert borrower.time_zone == "Asia/Shanghai"


def test_it_resets_a_forgotten_password_by_mail(borrower, anonymous_client):
    borrower.email = "b@example.org"
    borrower.save()
    anonymous_client.post(reverse("password_reset"), {"email": "b@example.org"})
    assert len(mail.outbox) == 1
    link = re.search(r"(/accounts/password/reset/[^/\s]+/[^/\s]+/)", mail.outbox[0].body).group(1)
    page = anonymous_client.get(link, follow=True)
    new = "Another-horse-77"
    anonymous_client.post(page.redirect_chain[-1][0], {"new_password1": new, "new_password2": new})
    borrower.refresh_from_db()
    assert borrower.check_password(new)


def test_it_changes_the_password(borrower, borrower_client):
    new = "Another-horse-77"
    response = borrower_client.post(reverse("password_change"), {
        "old_password": PASSWORD, "new_password1": new, "new_password2": new})
    assert response.status_code == 302
    borrower.refresh_from_db()
    assert borrower.check_password(new)
