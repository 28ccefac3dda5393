"""The import pages: upload, preview grouped by number (collectors ticked), pick, import."""
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from evidence.cases import services as cases
from evidence.models import BackupImport, Entry
from tests.conftest import _client_for, _user

from . import samples


@pytest.fixture
def owner(db):
    return _user("owner")


@pytest.fixture
def case(owner):
    return cases.case_create(owner=owner, lender="借呗", collector_numbers="13800138000")


def upload(client, case, name, data):
    return client.post(reverse("backup_upload", args=[case.pk]),
                       {"backup": SimpleUploadedFile(name, data)})


def test_upload_preview_and_import_of_the_ticked_numbers(owner, case):
    client = _client_for(owner)
    assert b"import-link" in client.get(case.get_absolute_url()).content
    response = upload(client, case, "sms-20260302.xml", samples.messages_backup())
    backup = BackupImport.objects.get(case=case)
    assert response.status_code == 302 and response["Location"] == reverse("backup_preview", args=[backup.pk])
    page = client.get(response["Location"]).content.decode()
    assert 'value="13800138000" id="n-1" checked' in page  # the collector, ticked
    assert 'value="13912345678" id="n-2">' in page          # the friend, not
    response = client.post(response["Location"], {"numbers": ["13800138000"], "import": "1"})
    assert response.status_code == 302 and response["Location"] == case.get_absolute_url()
    assert Entry.objects.filter(case=case).count() == 3
    entry = Entry.objects.filter(case=case, attachments__isnull=False).get()
    assert client.get(entry.get_absolute_url()).status_code == 200


def test_an_empty_choice_is_refused(owner, case):
    client = _client_for(owner)
    upload(client, case, "calls.xml", samples.calls_backup())
    backup = BackupImport.objects.get(case=case)
    response = client.post(reverse("backup_preview", args=[backup.pk]), {"import": "1"})
    assert response.status_code == 200 and "请至少选择一个号码" in response.content.decode()
    assert not Entry.objects.filter(case=case).exists()


def test_a_hostile_file_is_refused_on_the_page(owner, case):
    client = _client_for(owner)
    response = upload(client, case, "evil.xml", samples.BILLION_LAUGHS)
    assert response.status_code == 200 and "从不这样做" in response.content.decode()
    assert not BackupImport.objects.exists()


def test_csv_columns_are_guessed_and_can_be_changed(owner, case):
    client = _client_for(owner)
    response = upload(client, case, "通话详单.csv", samples.calls_csv("gb18030"))
    url = response["Location"]
    page = client.get(url).content.decode()
    assert "138 0013 8000" in page and "95188" in page
    # mapping the number to the wrong column finds no numbers the case knows
    page = client.get(url, {"number": "4", "time": "0"}).content.decode()
    assert "上海" in page
    response = client.post(url, {"numbers": ["13800138000", "95188"], "import": "1", "number": "3", "time": "0",
                                 "direction": "2", "duration": "1"})
    assert response.status_code == 302
    calls = list(Entry.objects.filter(case=case).order_by("occurred_at"))
    assert [(c.direction, c.duration_seconds, c.call_outcome) for c in calls] == [
        ("incoming", 65, "answered"), ("incoming", 0, "missed"), ("outgoing", 123, "answered")]


def test_someone_else_cannot_see_or_import(owner, case):
    stranger = _client_for(_user("stranger"))
    upload(_client_for(owner), case, "calls.xml", samples.calls_backup())
    backup = BackupImport.objects.get(case=case)
    assert stranger.get(reverse("backup_preview", args=[backup.pk])).status_code == 404
    assert stranger.post(reverse("backup_preview", args=[backup.pk]), {"numbers": ["13800138000"]}).status_code == 404
    assert upload(stranger, case, "calls.xml", samples.calls_backup()).status_code == 404
