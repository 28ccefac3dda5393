"""Users only ever see their own cases: every other id is a 404."""
import pytest
from django.urls import reverse

from evidence.cases.services import attachment_add

from .conftest import make_upload
from .media_samples import png_bytes


@pytest.fixture
def attachment(entry, borrower):
    return attachment_add(entry=entry, actor=borrower, upload=make_upload(borrower, "a.png", png_bytes()))


def urls_for(case, entry, attachment):
    return [
        ("get", reverse("case_detail", args=[case.pk])),
        ("get", reverse("case_edit", args=[case.pk])),
        ("get", reverse("case_trash", args=[case.pk])),
        ("get", reverse("entry_create", args=[case.pk])),
        ("get", reverse("entry_detail", args=[entry.pk])),
        ("get", reverse("entry_edit", args=[entry.pk])),
        ("get", reverse("entry_history", args=[entry.pk])),
        ("post", reverse("entry_trash", args=[entry.pk])),
        ("post", reverse("entry_restore", args=[entry.pk])),
        ("get", reverse("attachment_file", args=[attachment.pk])),
        ("get", reverse("attachment_thumbnail", args=[attachment.pk])),
    ]


def test_it_lets_the_owner_open_every_page(case, entry, attachment, borrower_client):
    for method, url in urls_for(case, entry, attachment):
        if method == "get":
            assert borrower_client.get(url).status_code == 200, url


def test_it_hides_everything_from_another_borrower(case, entry, attachment, other_client):
    for method, url in urls_for(case, entry, attachment):
        response = getattr(other_client, method)(url, {"reason": "mine now"} if method == "post" else None)
        assert response.status_code == 404, url


def test_it_sends_anonymous_users_to_login(case, entry, attachment, anonymous_client):
    for method, url in urls_for(case, entry, attachment):
        response = getattr(anonymous_client, method)(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"], url


def test_it_gives_a_lawyer_without_access_nothing(case, entry, attachment, lawyer):
    from .conftest import _client_for

    client = _client_for(lawyer)
    for method, url in urls_for(case, entry, attachment):
        assert getattr(client, method)(url).status_code == 404, url


def test_it_lists_only_my_cases(case, other_client, borrower_client):
    assert "借呗" in borrower_client.get("/").content.decode()
    assert "借呗" not in other_client.get("/").content.decode()


def test_it_404s_on_ids_that_do_not_exist(borrower_client):
    assert borrower_client.get("/cases/00000000-0000-0000-0000-000000000000/").status_code == 404
    assert borrower_client.get("/files/00000000-0000-0000-0000-000000000000/").status_code == 404


def test_it_refuses_another_borrowers_upload_without_storing_it(case, other_client, data_dir):
    import io

    f = io.BytesIO(png_bytes())
    f.name = "x.png"
    response = other_client.post(reverse("entry_create", args=[case.pk]),
                                 {"kind": "call", "occurred_at": "2026-11-20T10:00", "attachments": f})
    assert response.status_code == 404
    assert not list((data_dir / "blobs").rglob("*.orig"))
    assert not list((data_dir / "blobs").rglob("*.part"))


def test_it_rejects_get_on_state_changes(entry, borrower_client):
    assert borrower_client.get(reverse("entry_trash", args=[entry.pk])).status_code == 405
    assert borrower_client.get(reverse("entry_restore", args=[entry.pk])).status_code == 405
