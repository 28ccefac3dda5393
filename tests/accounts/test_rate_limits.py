"""Rate limits share one count across processes, and password-reset mail has one."""
from django.conf import settings
from django.core import mail
from django.core.cache import cache
from django.urls import reverse

from tests.conftest import _user


def test_the_limits_count_in_a_shared_cache():
    # Not each process's memory: the database cache (or Redis), which every worker sees.
    assert settings.CACHES["default"]["BACKEND"] in ("django.core.cache.backends.db.DatabaseCache",
                                                     "django.core.cache.backends.redis.RedisCache")


def test_password_reset_mail_is_limited(db, client):
    _user("forgetful").__class__.objects.filter(username="forgetful").update(email="f@example.com")
    codes = [client.post(reverse("password_reset"), {"email": "f@example.com"}).status_code for _ in range(30)]
    allowed = settings.LIUZHENG_PASSWORD_RESETS_PER_HOUR
    assert codes[:allowed] == [302] * allowed and set(codes[allowed:]) == {429}
    assert len(mail.outbox) == allowed  # 30 in a row were accepted before
    html = client.post(reverse("password_reset"), {"email": "f@example.com"}, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert "请求重置密码的次数过多" in html.content.decode()


def test_an_unknown_address_is_limited_the_same(db, client):
    # The answer must not tell whether an account exists.
    codes = [client.post(reverse("password_reset"), {"email": "nobody@example.com"}).status_code for _ in range(8)]
    allowed = settings.LIUZHENG_PASSWORD_RESETS_PER_HOUR
    assert codes == [302] * allowed + [429] * (8 - allowed) and mail.outbox == []
    cache.clear()
    assert client.post(reverse("password_reset"), {"email": "nobody@example.com"}).status_code == 302
