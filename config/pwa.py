"""The installable web app (issue 14): the manifest, the service worker at the root scope,
the offline page. Project-wide, so they live with the project's wiring.

The worker's code is hand-written in static/js/sw.js; this view serves it from the root
(a worker controls only the paths under its own URL) with the list of files to keep for
offline use, named as the static storage names them (hashed names, when they are hashed).
Only static files and the offline page are cached: evidence pages never go into the
browser's cache storage, which is not encrypted.
"""
import json

from django.conf import settings
from django.contrib.staticfiles import finders
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

from evidence.middleware import WORKER_POLICY

THEME = "#7a1f1f"
BACKGROUND = "#f6f4f2"
# What the offline page and the capture form need to draw without the network.
PRECACHE_STATIC = ["vendor/bootstrap/bootstrap.min.css", "css/app.css", "js/app.js", "js/offline-queue.js", "js/theme.js",
                   "vendor/bootstrap/bootstrap.bundle.min.js", "img/icon.svg", "img/icon-192.png", "img/icons.svg"]
# What the share sheet may send (the entry form accepts the same).
SHARE_ACCEPT = ["image/*", "audio/*", "video/*", "application/pdf", ".amr", ".m4a"]
# Bumped when the worker's caching changes, so an old cache is dropped.
VERSION = "4"


@require_GET
@cache_control(max_age=3600)
def manifest(request):
    """The web app manifest: Chinese first (留证), icons, colours, standalone."""
    data = {
        "id": "/",
        "name": "留证",
        "short_name": "留证",
        "description": _("Keep evidence of debt-collection harassment, encrypted."),
        "lang": "zh-Hans",
        "dir": "ltr",
        "start_url": "/?source=app",
        "scope": "/",
        "display": "standalone",
        "orientation": "portrait",
        "theme_color": THEME,
        "background_color": BACKGROUND,
        "categories": ["productivity", "utilities"],
        # Web Share Target level 2: screenshots, recordings and PDFs from the phone's share
        # sheet. The service worker catches this POST (it carries no CSRF token) and keeps
        # the files on the phone; nothing reaches the server until the entry form is saved.
        "share_target": {
            "action": reverse("share_landing"),
            "method": "POST",
            "enctype": "multipart/form-data",
            "params": {"title": "title", "text": "text", "url": "url",
                       "files": [{"name": "files", "accept": SHARE_ACCEPT}]},
        },
        "icons": [
            {"src": static("img/icon-192.png"), "sizes": "192x192", "type": "image/png", "purpose": "any"},
            {"src": static("img/icon-512.png"), "sizes": "512x512", "type": "image/png", "purpose": "any"},
            {"src": static("img/icon-maskable-512.png"), "sizes": "512x512", "type": "image/png",
             "purpose": "maskable"},
        ],
    }
    return JsonResponse(data, content_type="application/manifest+json",
                        json_dumps_params={"ensure_ascii": False, "indent": 1})


@require_GET
def service_worker(request):
    """static/js/sw.js at /sw.js (the root scope), after the list of files it keeps."""
    path = finders.find("js/sw.js")
    with open(path, encoding="utf-8") as f:
        code = f.read()
    # The worker's URL never changes with the language: a new URL installs a new worker,
    # and Chromium can lose a navigation that is in flight while the old worker is replaced
    # (a language switch at log-in did exactly that). So the offline page is kept in every
    # language, and the worker shows the one the pages last told it (sw.js, "liuzheng-lang").
    offline_pages = {code: f"{reverse('offline')}?lang={code}" for code, _name in settings.LANGUAGES}
    config = {"version": VERSION, "offline": offline_pages, "language": settings.LANGUAGE_CODE,
              "share": reverse("share_landing"), "queue": static("js/offline-queue.js"),
              "precache": list(offline_pages.values()) + [static(p) for p in PRECACHE_STATIC]}
    body = f"self.LIUZHENG = {json.dumps(config)};\n{code}"
    response = HttpResponse(body, content_type="text/javascript; charset=utf-8")
    # A worker must be re-checked often: browsers cap its cache at a day anyway.
    response["Cache-Control"] = "no-cache"
    response["Service-Worker-Allowed"] = "/"
    response["Content-Security-Policy"] = WORKER_POLICY
    return response


@require_GET
def offline(request):
    """What a page shows when there is no connection: it says what still works."""
    lang = request.GET.get("lang", "")
    if lang in dict(settings.LANGUAGES):
        translation.activate(lang)
    return render(request, "offline.html")
