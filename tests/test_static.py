"""Static files as `make run` serves them: collectstatic with the real storage writes
hashed names with .gz and .br copies; whitenoise serves them compressed and immutable."""
import json

import pytest
from django.core.management import call_command
from django.test import Client, override_settings
from django.templatetags.static import static

REAL = {"default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "config.staticfiles.StaticStorage"}}


@pytest.fixture(scope="module")
def collected_once(tmp_path_factory):
    root = tmp_path_factory.mktemp("collected") / "static"
    with override_settings(STATIC_ROOT=root, STORAGES=REAL):  # compressing takes a while: once
        call_command("collectstatic", interactive=False, verbosity=0)
    return root


@pytest.fixture
def collected(collected_once, settings):
    settings.STATIC_ROOT = collected_once
    settings.STORAGES = REAL
    return collected_once


def test_collectstatic_writes_hashed_names_with_gzip_and_brotli(collected):
    manifest = json.loads((collected / "staticfiles.json").read_text())["paths"]
    css = manifest["vendor/bootstrap/bootstrap.min.css"]
    assert css != "vendor/bootstrap/bootstrap.min.css" and len(css.split(".")[-2]) == 12
    for name in (css, manifest["js/timeline.js"], manifest["js/app.js"]):
        plain = (collected / name).stat().st_size
        assert 0 < (collected / f"{name}.br").stat().st_size < plain
        assert 0 < (collected / f"{name}.gz").stat().st_size < plain
    assert static("js/timeline.js") == "/static/" + manifest["js/timeline.js"]


@pytest.mark.django_db
def test_whitenoise_serves_them_compressed_and_immutable(collected):
    name = json.loads((collected / "staticfiles.json").read_text())["paths"]["vendor/bootstrap/bootstrap.min.css"]
    with override_settings(WHITENOISE_USE_FINDERS=False):
        client = Client()  # a new handler: whitenoise reads STATIC_ROOT as it starts
        br = client.get(f"/static/{name}", HTTP_ACCEPT_ENCODING="gzip, deflate, br")
        gz = client.get(f"/static/{name}", HTTP_ACCEPT_ENCODING="gzip")
        plain = client.get(f"/static/{name}")
    assert br.status_code == gz.status_code == plain.status_code == 200
    assert br["Content-Encoding"] == "br" and gz["Content-Encoding"] == "gzip" and "Content-Encoding" not in plain
    assert "immutable" in br["Cache-Control"] and "max-age=315360000" in br["Cache-Control"]
    size = lambda r: len(b"".join(r.streaming_content))  # noqa: E731
    assert size(br) < size(gz) < size(plain) / 4


def test_without_collectstatic_pages_use_the_plain_names(settings, tmp_path):
    settings.STATIC_ROOT = tmp_path / "never-collected"
    settings.STORAGES = REAL
    assert static("js/timeline.js") == "/static/js/timeline.js"
