from django.contrib import admin
from django.urls import include, path

from config import pwa
from config.healthz import healthz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("manifest.webmanifest", pwa.manifest, name="manifest"),
    path("sw.js", pwa.service_worker, name="service_worker"),
    path("offline/", pwa.offline, name="offline"),
    path("accounts/", include("accounts.urls")),
    path("admin/", admin.site.urls),
    path("", include("evidence.urls")),
]

handler500 = "evidence.middleware.server_error"
