from django.urls import path

from . import views, views_bundles, views_rules

urlpatterns = [
    path("", views.case_list, name="case_list"),
    path("cases/new/", views.case_create, name="case_create"),
    path("cases/<uuid:case_id>/", views.case_detail, name="case_detail"),
    path("cases/<uuid:case_id>/edit/", views.case_edit, name="case_edit"),
    path("cases/<uuid:case_id>/trash/", views.case_trash, name="case_trash"),
    path("cases/<uuid:case_id>/statistics/", views_rules.case_statistics, name="case_statistics"),
    path("cases/<uuid:case_id>/findings/", views_rules.case_findings, name="case_findings"),
    path("cases/<uuid:case_id>/signals/", views_rules.text_signals, name="text_signals"),
    path("cases/<uuid:case_id>/complaints/", views_rules.complaint_list, name="complaint_list"),
    path("cases/<uuid:case_id>/complaints/<slug:channel>/", views_rules.complaint_edit, name="complaint_edit"),
    path("cases/<uuid:case_id>/complaints/<slug:channel>.<str:fmt>", views_rules.complaint_download,
         name="complaint_download"),
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
    path("verify/", views_bundles.bundle_verify, name="bundle_verify"),
    path(".well-known/liuzheng-signing-key.pem", views_bundles.signing_key, name="signing_key"),
]
