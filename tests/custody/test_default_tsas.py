"""Trusted timestamps by default (docs/integrity.md): with nothing configured the public
TSAs are used in order, with retries, validated against the system trust store; a setting
turns them off; the suite itself never calls them (the local TSA stands in)."""
import hashlib

import pytest
from django.conf import settings as django_settings

from evidence.custody import timestamps
from evidence.custody.timestamps import TimestampError, request_token, tsa_ca_pem, tsa_configured, tsa_urls


def test_the_suite_makes_no_outside_calls():
    assert django_settings.LIUZHENG_TSA_DEFAULTS is False
    assert tsa_urls() == [] and not tsa_configured()


def test_the_defaults_are_the_documented_public_services_in_order(settings):
    settings.LIUZHENG_TSA_URLS = []
    settings.LIUZHENG_TSA_DEFAULTS = True
    doc = (django_settings.BASE_DIR / "docs" / "integrity.md").read_text()
    urls = tsa_urls()
    assert urls == ["http://timestamp.digicert.com", "http://timestamp.sectigo.com", "https://freetsa.org/tsr"]
    positions = [doc.index(f"`{u}`") for u in urls]
    assert positions == sorted(positions), "in the order docs/integrity.md names them"
    assert timestamps._ca_file() == settings.LIUZHENG_TSA_SYSTEM_CA_FILE  # the system trust store
    settings.LIUZHENG_TSA_DEFAULTS = False
    assert tsa_urls() == []
    settings.LIUZHENG_TSA_URLS = ["http://own.example/tsa"]
    settings.LIUZHENG_TSA_DEFAULTS = True
    assert tsa_urls() == ["http://own.example/tsa"], "a configured list replaces the defaults"


def test_the_default_path_stamps_in_order_and_validates_against_the_trust_store(settings, tsa):
    """The default machinery end to end, with the local TSA standing in for the public
    ones (the first unreachable) and its CA as the 'system trust store'."""
    settings.LIUZHENG_TSA_URLS = []
    settings.LIUZHENG_TSA_CA_FILE = ""
    settings.LIUZHENG_TSA_DEFAULTS = True
    settings.LIUZHENG_TSA_DEFAULT_URLS = ["http://127.0.0.1:9/down", tsa.url]
    settings.LIUZHENG_TSA_SYSTEM_CA_FILE = tsa.ca_file
    digest = hashlib.sha256(b"evidence").digest()
    der, url, gen_time, name = request_token(digest)
    assert url == tsa.url and name == "Liuzheng Test TSA"
    assert tsa_ca_pem() == open(tsa.ca_file, "rb").read()  # what a bundle ships as keys/tsa-chain.pem
    # A token from a CA outside the trust store is refused.
    from tests.tsa import LocalTSA

    other = LocalTSA()
    try:
        settings.LIUZHENG_TSA_DEFAULT_URLS = [other.url]
        with pytest.raises(TimestampError):
            request_token(digest)
    finally:
        other.close()


def test_each_request_goes_round_the_list_with_retries(settings, tsa):
    settings.LIUZHENG_TSA_ATTEMPTS = 3
    tsa.mode = "error"
    with pytest.raises(TimestampError):
        request_token(hashlib.sha256(b"x").digest())
    assert tsa.requests == 3
