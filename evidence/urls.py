from django.urls import path

from . import views, views_bundles, views_sharing, views_witness

urlpatterns = [
    path("", views.case_list, name="case_list"),
    path("cases/new/", views.case_create, name="case_create"),
    path("cases/<uuid:case_id>/", views.case_detail, name="case_detail"),
    path("cases/<uuid:case_id>/edit/", views.case_edit, name="case_edit"),
    path("cases/<uuid:case_id>/trash/", views.case_trash, name="case_trash"),
    path("cases/<uuid:case_id>/entries/new/", views.entry_create, name="entry_create"),
    path("entries/<uuid:entry_id>/", views.entry_detail, name="entry_detail"),
    path("entries/<uuid:entry_id>/edit/", views.entry_edit, name="entry_edit"),
    path("entries/<uuid:entry_id>/history/", views.entry_history, name="entry_history"),
    path("entries/<uuid:entry_id>/trash/", views.entry_trash, name="entry_trash"),
    path("entries/<uuid:entry_id>/restore/", views.entry_restore, name="entry_restore"),
    path("files/<uuid:attachment_id>/", views.attachment_file, name="attachment_file"),
    path("files/<uuid:attachment_id>/thumbnail/", views.attachment_file, {"variant": "thumbnail"},
         name="attachment_thumbnail"),
    path("files/<uuid:attachment_id>/transcript/", views_bundles.transcript_edit, name="transcript_edit"),
    path("cases/<uuid:case_id>/bundles/", views_bundles.bundle_create, name="bundle_create"),
    path("bundles/<uuid:bundle_id>/status/", views_bundles.bundle_status, name="bundle_status"),
    path("bundles/<uuid:bundle_id>/download/", views_bundles.bundle_download, name="bundle_download"),
    # Sharing with lawyers
    path("cases/<uuid:case_id>/sharing/", views_sharing.case_sharing, name="case_sharing"),
    path("invitations/<uuid:invitation_id>/revoke/", views_sharing.invitation_revoke, name="invitation_revoke"),
    path("access/<uuid:access_id>/revoke/", views_sharing.access_revoke, name="access_revoke"),
    path("invite/", views_sharing.invitation_enter, name="invitation_enter"),
    path("invite/<str:token>/", views_sharing.invitation_accept, name="invitation_accept"),
    path("cases/<uuid:case_id>/notes/", views_sharing.lawyer_notes, name="lawyer_notes"),
    # Witnesses
    path("cases/<uuid:case_id>/witnesses/", views_witness.witness_links, name="witness_links"),
    path("witness-links/<uuid:link_id>/", views_witness.witness_link_detail, name="witness_link_detail"),
    path("witness-links/<uuid:link_id>/qr.svg", views_witness.witness_link_qr, name="witness_link_qr"),
    path("witness-links/<uuid:link_id>/revoke/", views_witness.witness_link_revoke, name="witness_link_revoke"),
    path("cases/<uuid:case_id>/inbox/", views_witness.witness_inbox, name="witness_inbox"),
    path("submissions/<uuid:submission_id>/accept/", views_witness.submission_accept, name="submission_accept"),
    path("submissions/<uuid:submission_id>/reject/", views_witness.submission_reject, name="submission_reject"),
    path("w/<str:token>/", views_witness.witness_submit, name="witness_submit"),
    path("verify/", views_bundles.bundle_verify, name="bundle_verify"),
    path(".well-known/liuzheng-signing-key.pem", views_bundles.signing_key, name="signing_key"),
]
