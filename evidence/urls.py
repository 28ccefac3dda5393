"""Every URL of the evidence app; each view lives in its domain's views module."""
from django.urls import path

from evidence.bundle import views as bundles
from evidence.cases import views as cases
from evidence.complaints import views as complaints
from evidence.imports import views as imports
from evidence.rules import views as rules
from evidence.sharing import views as sharing
from evidence.witness import views as witness

urlpatterns = [
    path("", cases.case_list, name="case_list"),
    path("cases/new/", cases.case_create, name="case_create"),
    path("share/", cases.share_landing, name="share_landing"),
    path("cases/<uuid:case_id>/", cases.case_detail, name="case_detail"),
    path("cases/<uuid:case_id>/edit/", cases.case_edit, name="case_edit"),
    path("cases/<uuid:case_id>/trash/", cases.case_trash, name="case_trash"),
    path("cases/<uuid:case_id>/chain-check/", cases.case_chain_check, name="case_chain_check"),
    path("cases/<uuid:case_id>/statistics/", rules.case_statistics, name="case_statistics"),
    path("cases/<uuid:case_id>/findings/", rules.case_findings, name="case_findings"),
    path("cases/<uuid:case_id>/signals/", rules.text_signals, name="text_signals"),
    path("cases/<uuid:case_id>/complaints/", complaints.complaint_list, name="complaint_list"),
    path("cases/<uuid:case_id>/complaints/<slug:channel>/", complaints.complaint_edit, name="complaint_edit"),
    path("cases/<uuid:case_id>/complaints/<slug:channel>.<str:fmt>", complaints.complaint_download,
         name="complaint_download"),
    path("cases/<uuid:case_id>/entries/new/", cases.entry_create, name="entry_create"),
    path("entries/<uuid:entry_id>/", cases.entry_detail, name="entry_detail"),
    path("entries/<uuid:entry_id>/edit/", cases.entry_edit, name="entry_edit"),
    path("entries/<uuid:entry_id>/history/", cases.entry_history, name="entry_history"),
    path("entries/<uuid:entry_id>/trash/", cases.entry_trash, name="entry_trash"),
    path("entries/<uuid:entry_id>/restore/", cases.entry_restore, name="entry_restore"),
    path("files/<uuid:attachment_id>/", cases.attachment_file, name="attachment_file"),
    path("files/<uuid:attachment_id>/thumbnail/", cases.attachment_file, {"variant": "thumbnail"},
         name="attachment_thumbnail"),
    path("files/<uuid:attachment_id>/playable/", cases.attachment_file, {"variant": "playable"},
         name="attachment_playable"),
    path("files/<uuid:attachment_id>/redacted/", cases.attachment_file, {"variant": "redacted"},
         name="attachment_redacted"),
    path("files/<uuid:attachment_id>/redact/", cases.attachment_redact, name="attachment_redact"),
    path("files/<uuid:attachment_id>/redact/upright.jpg", cases.attachment_redact_preview,
         name="attachment_redact_preview"),
    path("files/<uuid:attachment_id>/transcript/", cases.transcript_edit, name="transcript_edit"),
    path("cases/<uuid:case_id>/bundles/", bundles.bundle_create, name="bundle_create"),
    path("bundles/<uuid:bundle_id>/status/", bundles.bundle_status, name="bundle_status"),
    path("bundles/<uuid:bundle_id>/download/", bundles.bundle_download, name="bundle_download"),
    # Backups from the phone (docs/import.md)
    path("cases/<uuid:case_id>/import/", imports.backup_upload, name="backup_upload"),
    path("imports/<uuid:import_id>/", imports.backup_preview, name="backup_preview"),
    # Sharing with lawyers
    path("cases/<uuid:case_id>/sharing/", sharing.case_sharing, name="case_sharing"),
    path("invitations/<uuid:invitation_id>/revoke/", sharing.invitation_revoke, name="invitation_revoke"),
    path("access/<uuid:access_id>/revoke/", sharing.access_revoke, name="access_revoke"),
    path("invite/", sharing.invitation_enter, name="invitation_enter"),
    path("invite/<str:token>/", sharing.invitation_accept, name="invitation_accept"),
    path("cases/<uuid:case_id>/notes/", sharing.lawyer_notes, name="lawyer_notes"),
    # Witnesses
    path("cases/<uuid:case_id>/witnesses/", witness.witness_links, name="witness_links"),
    path("witness-links/<uuid:link_id>/", witness.witness_link_detail, name="witness_link_detail"),
    path("witness-links/<uuid:link_id>/qr.svg", witness.witness_link_qr, name="witness_link_qr"),
    path("witness-links/<uuid:link_id>/revoke/", witness.witness_link_revoke, name="witness_link_revoke"),
    path("cases/<uuid:case_id>/inbox/", witness.witness_inbox, name="witness_inbox"),
    path("submissions/<uuid:submission_id>/accept/", witness.submission_accept, name="submission_accept"),
    path("submissions/<uuid:submission_id>/reject/", witness.submission_reject, name="submission_reject"),
    path("w/<str:token>/", witness.witness_submit, name="witness_submit"),
    path("verify/", bundles.bundle_verify, name="bundle_verify"),
    path(".well-known/liuzheng-signing-key.pem", bundles.signing_key, name="signing_key"),
]
