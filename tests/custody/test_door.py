"""One door per state change: every @service appends exactly its one custody action.

The table below has a row per service; a service added without a row fails
`test_every_service_has_a_row`, so the next door cannot forget its event.
(The `writes_go_through_doors` fixture in conftest.py catches the opposite leak:
a table of these domains written outside any service.)
"""
import importlib
import pkgutil
from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

import evidence
from evidence.bundle import services as bundles
from evidence.cases import services as cases
from evidence.store import transcode
from evidence.complaints import services as complaints
from evidence.custody import services as custody
from evidence.imports import services as imports
from evidence.custody.actions import Action
from evidence.custody.actors import Actor
from evidence.custody.chain import custody_append
from evidence.models import Bundle, CustodyEvent, Entry, WitnessSubmission
from evidence.sharing import services as sharing
from evidence.store import blobstore
from evidence.witness import services as witness
from tests.conftest import _user, make_upload
from tests.imports import samples
from tests.media_samples import png_bytes, recording_bytes, wav_bytes


def _all_services():
    found = {}
    for info in pkgutil.walk_packages(evidence.__path__, "evidence."):
        if ".migrations" in info.name or ".management" in info.name:
            continue
        module = importlib.import_module(info.name)
        for name, obj in vars(module).items():
            if getattr(obj, "is_service", False) and obj.__module__ == module.__name__:
                found[f"{module.__name__}.{name}"] = obj
    return found


def _call(world, name):
    """Set up what the service needs (through other doors), then call it; returns the
    actions it must append, in order (nested doors append their own first)."""
    c, owner, lawyer = world["case"], world["owner"], world["lawyer"]
    now = timezone.now()

    def entry():
        return cases.entry_create(case=c, actor=owner, kind="call", occurred_at=now, number="95188")[0]

    def link():
        return witness.witness_link_create(case=c, actor=owner, name="妈妈", expires_at=now + timedelta(days=1),
                                           max_submissions=3)

    def submission():
        return witness.witness_submission_create(link=link(), ip="127.0.0.1", user_agent="t", name="李阿姨",
                                                 consent=True)

    def bundle():
        return bundles.bundle_request(case=c, actor=owner, selection={})

    def staged():
        data = samples.sms_backup([samples.sms(samples.COLLECTOR, samples.T0, "还钱"),
                                   samples.sms(samples.FRIEND, samples.T0 + 1000, "你好")])
        return imports.stage(case=c, actor=owner, upload=make_upload(owner, "sms.xml", data))

    def imported_entry():
        entry = Entry(case=c, created_by=owner, kind="sms", occurred_at=now, number="95188", content="x")
        return imports.imported_entries_record(case=c, actor=Actor.of(owner), entries=[entry], items=[])

    def invitation():
        return sharing.case_share(case=c, actor=owner, level="view")[0]

    rows = {
        "evidence.cases.services.case_create": lambda: (
            cases.case_create(owner=owner, lender="花呗"), None),
        "evidence.cases.services.case_update": lambda: (
            cases.case_update(case=c, actor=owner, product="借呗"), ["case.update"]),
        "evidence.cases.services.entry_create": lambda: (entry(), ["entry.create"]),
        "evidence.cases.services.entry_update": lambda: (
            cases.entry_update(entry=world["entry"], actor=owner, content="新内容"), ["entry.update"]),
        "evidence.cases.services.entry_trash": lambda: (
            cases.entry_trash(entry=world["entry"], actor=owner, reason="错了"), ["entry.trash"]),
        "evidence.cases.services.entry_restore": lambda: (
            cases.entry_restore(entry=cases.entry_trash(entry=world["entry"], actor=owner, reason="x"),
                                actor=owner), ["entry.trash", "entry.restore"]),
        "evidence.cases.services.attachment_add": lambda: (
            cases.attachment_add(entry=world["entry"], actor=owner, upload=make_upload(owner, "a.png", png_bytes())),
            ["attachment.add"]),
        "evidence.cases.services.attachment_serve_record": lambda: (
            cases.attachment_serve_record(attachment=world["image"], actor=owner, download=True),
            ["attachment.download"]),
        "evidence.cases.services.transcript_save": lambda: (
            cases.transcript_save(attachment=world["audio"], actor=owner, text="[00:01] 还钱"), ["transcript.save"]),
        "evidence.cases.services.playable_copy_save": lambda: (
            cases.playable_copy_save(attachment=world["audio"],
                                     playable=transcode.Playable(b"m4a", "audio/mp4", 1.0)), []),
        "evidence.cases.services.attachment_duration_record": lambda: (
            cases.attachment_duration_record(
                attachment=world["audio_no_duration"], actor=Actor.system("playable copy"),
                copy=cases.playable_copy_save(attachment=world["audio_no_duration"],
                                              playable=transcode.Playable(b"m4a", "audio/mp4", 3.5))),
            ["attachment.duration"]),
        "evidence.cases.services.redacted_copy_save": lambda: (
            cases.redacted_copy_create(attachment=world["image"], actor=owner, boxes=[]), ["attachment.redact"]),
        "evidence.cases.services.machine_text_save": lambda: (
            cases.machine_text_save(attachment=world["image"], lines=[]), []),
        "evidence.cases.services.entries_from_images": lambda: (
            cases.entries_from_images(case=c, actor=owner, kind="sms", occurred_at=timezone.now(), direction="incoming",
                                      uploads=[make_upload(owner, "a.png", png_bytes()),
                                               make_upload(owner, "b.png", png_bytes(color="red"))]),
            ["entry.create", "attachment.add", "entry.create", "attachment.add"]),
        "evidence.custody.services.case_view_record": lambda: (
            custody.case_view_record(case=c, actor=lawyer), ["case.view"]),
        "evidence.custody.services.user_erase": lambda: (
            custody.user_erase(user=_user("leaving")), []),
        "evidence.sharing.services.case_share": lambda: (invitation(), ["case.share"]),
        "evidence.sharing.services.invitation_accept": lambda: (
            sharing.invitation_accept(invitation=invitation(), lawyer=lawyer), ["case.share", "invitation.accept"]),
        "evidence.sharing.services.invitation_revoke": lambda: (
            sharing.invitation_revoke(invitation=invitation(), actor=owner), ["case.share", "case.unshare"]),
        "evidence.sharing.services.access_revoke": lambda: (
            sharing.access_revoke(access=sharing.invitation_accept(invitation=invitation(), lawyer=lawyer),
                                  actor=owner), ["case.share", "invitation.accept", "case.unshare"]),
        "evidence.sharing.services.lawyer_note_save": lambda: (
            sharing.lawyer_note_save(case=c, author=lawyer, text="要点"), []),
        "evidence.witness.services.witness_link_create": lambda: (link(), ["witness_link.create"]),
        "evidence.witness.services.witness_link_revoke": lambda: (
            witness.witness_link_revoke(link=link(), actor=owner), ["witness_link.create", "witness_link.revoke"]),
        "evidence.witness.services.witness_submission_create": lambda: (
            submission(), ["witness_link.create", "entry.create", "witness.submit"]),
        "evidence.witness.services.witness_submission_accept": lambda: (
            witness.witness_submission_accept(submission=submission(), actor=owner),
            ["witness_link.create", "entry.create", "witness.submit", "witness.accept"]),
        "evidence.witness.services.witness_submission_reject": lambda: (
            witness.witness_submission_reject(submission=submission(), actor=owner, reason="不是"),
            ["witness_link.create", "entry.create", "witness.submit", "entry.trash", "witness.reject"]),
        "evidence.bundle.services.bundle_request": lambda: (bundle(), ["bundle.request"]),
        "evidence.bundle.services.bundle_progress": lambda: (
            bundles.bundle_progress(bundle=bundle(), percent=40), ["bundle.request"]),
        "evidence.bundle.services.bundle_finish": lambda: (_finish(bundle()), ["bundle.request", "bundle.export"]),
        "evidence.bundle.services.bundle_fail": lambda: (
            bundles.bundle_fail(bundle=bundle(), error="disk full"), ["bundle.request", "bundle.fail"]),
        "evidence.bundle.services.bundle_download_record": lambda: (
            bundles.bundle_download_record(bundle=_finish(bundle()), actor=owner),
            ["bundle.request", "bundle.export", "bundle.download"]),
        "evidence.bundle.services.bundle_expire_one": lambda: (
            bundles.bundle_expire_one(bundle=_finish(bundle())), ["bundle.request", "bundle.export", "bundle.expire"]),
        "evidence.bundle.services.bundle_export_file_record": lambda: (
            bundles.bundle_export_file_record(case=c, file_name="x.zip", sha256="0" * 64,
                                              actor=Actor.system("export_bundle")), ["bundle.export"]),
        "evidence.imports.services.backup_stage": lambda: (staged(), []),
        "evidence.imports.services.backup_import": lambda: (
            imports.backup_import(backup=staged(), actor=owner), ["entry.create", "entry.create", "import.create"]),
        "evidence.imports.services.imported_entries_record": lambda: (imported_entry(), ["entry.create"]),
        "evidence.complaints.services.complaint_save": lambda: (
            complaints.complaint_save(case=c, channel="police", body={"title": "报案材料", "sections": []},
                                      actor=owner), ["complaint.save"]),
    }
    return rows.get(name)


def _finish(bundle):
    blob = blobstore.PendingBlob(bundle.case.owner_id, bundle.pk, "bundle")
    blob.write(b"PK\x05\x06" + b"\0" * 18)
    blob.finish()
    return bundles.bundle_finish(bundle=bundle, blob=blob, file_name="b.zip", manifest_sha256="0" * 64)


@pytest.fixture
def world(db):
    owner, lawyer = _user("owner"), _user("lawyer", role="lawyer")
    case = cases.case_create(owner=owner, lender="借呗")
    entry, _ = cases.entry_create(case=case, actor=owner, kind="call", occurred_at=timezone.now(),
                                  uploads=[make_upload(owner, "a.png", png_bytes()),
                                           make_upload(owner, "b.wav", wav_bytes())])
    recording, _ = cases.entry_create(case=case, actor=owner, kind="call", occurred_at=timezone.now(),
                                      uploads=[make_upload(owner, "c.3gp", recording_bytes(1.0, "3gp"))])
    no_duration = recording.attachments.get()
    assert no_duration.duration_seconds is None  # a 3GP's duration is read only by the decoder
    return {"owner": owner, "lawyer": lawyer, "case": case, "entry": entry,
            "image": entry.attachments.get(kind="image"), "audio": entry.attachments.get(kind="audio"),
            "audio_no_duration": no_duration}


SERVICES = _all_services()
# The services whose first call creates its own case (the chain starts with it).
OWN_CASE = {"evidence.cases.services.case_create"}


def test_every_service_has_a_row(world):
    rows = {name for name in SERVICES if _call(world, name)}
    assert rows == set(SERVICES)
    assert len(SERVICES) >= 29  # the doors of docs/architecture.md


@pytest.mark.parametrize("name", sorted(SERVICES))
def test_each_service_appends_its_one_action(world, name):
    service = SERVICES[name]
    before = set(CustodyEvent.objects.values_list("pk", flat=True))
    result, expected = _call(world, name)()
    new = list(CustodyEvent.objects.exclude(pk__in=before).order_by("pk").values_list("action", flat=True))
    if name in OWN_CASE:
        expected = ["case.create"]
        assert result.custody_events.count() == 1
    assert new == expected
    if service.no_event:
        # A door that appends nothing says why, in words a reviewer can check.
        assert len(service.no_event) > 20
    else:
        assert all(Action(a) for a in new)  # every action is one of the enum's


def test_an_event_outside_a_service_is_refused(world):
    with pytest.raises(RuntimeError, match="outside a service"):
        custody_append(case=world["case"], actor=Actor.of(world["owner"]), action=Action.CASE_UPDATE,
                       object_type="case", object_id=world["case"].pk)
    assert not CustodyEvent.objects.filter(action="case.update").exists()


def test_a_service_cannot_append_two_events(world):
    from evidence.custody.door import service

    @service
    def twice(case, actor):
        custody_append(case=case, actor=actor, action=Action.CASE_UPDATE, object_type="case", object_id=case.pk)
        custody_append(case=case, actor=actor, action=Action.CASE_UPDATE, object_type="case", object_id=case.pk)

    with pytest.raises(RuntimeError, match="second custody event"):
        twice(world["case"], Actor.of(world["owner"]))
    assert not CustodyEvent.objects.filter(action="case.update").exists()  # the whole door rolled back


def test_an_unknown_action_or_a_bare_string_actor_is_refused(world):
    from evidence.custody.door import service

    @service
    def bogus_action(case, actor):
        custody_append(case=case, actor=actor, action="case.delete", object_type="case", object_id=case.pk)

    @service
    def string_actor(case):
        custody_append(case=case, actor="witness:1", action=Action.CASE_UPDATE, object_type="case",
                       object_id=case.pk)

    with pytest.raises(ValueError):
        bogus_action(world["case"], Actor.of(world["owner"]))
    with pytest.raises(TypeError):
        string_actor(world["case"])
    with pytest.raises(TypeError):
        cases.case_update(case=world["case"], actor="system", product="x")


def test_an_outermost_door_refuses_to_be_nested(world):
    # STYLE.md habit 9: a caller that wraps a durable door in its own transaction is a bug.
    with pytest.raises(RuntimeError, match="durable"):
        with transaction.atomic():
            sharing.case_share(case=world["case"], actor=world["owner"], level="view")


def test_actor_labels_keep_the_format_old_chains_were_hashed_with(world):
    owner = world["owner"]
    link = witness.witness_link_create(case=world["case"], actor=owner, name="妈妈",
                                       expires_at=timezone.now() + timedelta(days=1), max_submissions=1)
    assert Actor.of(owner).label == f"user:{owner.pk}:{owner.username}"
    assert Actor.witness(link).label == f"witness:{link.pk}"
    assert Actor.system().label == "system" and Actor.system("export_bundle").label == "system:export_bundle"
    submission = witness.witness_submission_create(link=link, ip="127.0.0.1", user_agent="t", name="李", consent=True)
    event = CustodyEvent.objects.get(action="witness.submit", object_id=str(submission.pk))
    assert event.actor_label == f"witness:{link.pk}" and event.actor_id is None
    assert Entry.objects.get(pk=submission.entry_id).created_by is None
    assert WitnessSubmission.objects.count() == 1 and Bundle.objects.count() == 0


def test_the_suite_catches_app_code_writing_outside_a_door(world, monkeypatch):
    """conftest.DoorGuard, which every test runs under, flags a write from app code that
    no service wraps; the same write from inside a service, or from a test, passes."""
    from evidence.custody.door import service
    from tests.conftest import DoorGuard

    app_file = str(__import__("pathlib").Path(evidence.__file__).parent / "cases" / "not_a_door.py")
    sneaky = compile("Entry.objects.filter(pk=pk).update(direction='missed')", app_file, "exec")
    pk = world["entry"].pk
    with DoorGuard() as guard:
        exec(sneaky, {"Entry": Entry, "pk": pk})
    assert guard.leaks == [f"UPDATE evidence_entry outside a service, from {app_file}:1"]
    with DoorGuard() as guard:
        service(lambda: exec(sneaky, {"Entry": Entry, "pk": pk}))()
        Entry.objects.filter(pk=pk).update(direction="incoming")  # a test tampering on purpose
    assert guard.leaks == []


def test_a_door_with_nothing_to_record_opens_no_transaction(world, client):
    """On SQLite every transaction takes the write lock: the audio player's ranged requests
    of the owner, and a lawyer's pages already recorded this hour, must not queue behind an
    upload for a door that records nothing."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from evidence.access import case_get_for_user

    client.force_login(world["owner"], backend="django.contrib.auth.backends.ModelBackend")
    url = reverse("attachment_file", args=[world["audio"].pk])
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, HTTP_RANGE="bytes=100-199")
    assert response.status_code == 206
    assert not [q for q in queries if "SAVEPOINT" in q["sql"].upper()]
    lawyer = world["lawyer"]
    custody.case_view_record(case=world["case"], actor=lawyer)  # recorded once this hour
    with CaptureQueriesContext(connection) as queries:
        assert custody.case_view_record(case=world["case"], actor=lawyer) is None
    assert not [q for q in queries if "SAVEPOINT" in q["sql"].upper()]
    assert CustodyEvent.objects.filter(action="case.view").count() == 1
    assert case_get_for_user(world["owner"], world["case"].pk) == world["case"]
