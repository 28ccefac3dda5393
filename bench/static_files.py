"""First visit: the bytes a phone downloads for the log-in page and then a case page
(HTML + every stylesheet, script and icon they reference), as a browser asks for them
(Accept-Encoding: gzip, deflate, br), after `collectstatic` as `make run` does it; with
the Cache-Control each static file is served with. Prints its figures.

    .venv/bin/python bench/static_files.py [--check]

Target (issue 17): first visit < 120 KB compressed.
"""
import argparse
import os
import re
import time

from common import django_ready, in_temp_dir, report_cpu_busy  # noqa: E402  (bench/ is on sys.path)

TARGET_KB = 120
ASSET = re.compile(r'(?:href|src)="(/static/[^"]+)"')


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--check", action="store_true", help="exit 1 when the target is missed")
    in_temp_dir("lz-bench-static-", parser.parse_args(), run)


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def run(args, work) -> bool:
    report_cpu_busy()
    os.environ["LIUZHENG_STATIC_ROOT"] = str(work / "staticfiles")
    django_ready()
    from django.core.management import call_command
    from django.test import Client

    t0 = time.perf_counter()
    call_command("collectstatic", interactive=False, verbosity=0)
    collect_s = time.perf_counter() - t0
    from accounts.services import user_create
    from evidence.cases.services import case_create

    owner = user_create(username="bench", password="Bench-pass-2026")
    case = case_create(owner=owner, lender="借呗")
    client = Client(HTTP_ACCEPT_ENCODING="gzip, deflate, br")
    seen, total = set(), 0
    print(f"collectstatic (hash, gzip, brotli): {collect_s:.1f} s")
    for label, url, login in (("log-in page", "/accounts/login/", False), ("case page", case.get_absolute_url(), True)):
        if login:
            client.force_login(owner, backend="django.contrib.auth.backends.ModelBackend")
        page = client.get(url)
        html = body(page)
        total += len(html)
        print(f"{label}: HTML {len(html) / 1024:.1f} KB ({page.get('Content-Encoding', 'not compressed')})")
        for asset in ASSET.findall(html.decode()):
            if asset in seen:
                print(f"  {asset}: cached (already loaded)")
                continue
            seen.add(asset)
            r = client.get(asset)
            data = body(r)
            total += len(data)
            print(f"  {asset}: {r.status_code} {len(data) / 1024:.1f} KB {r.get('Content-Encoding', 'identity')} · "
                  f"Cache-Control: {r.get('Cache-Control', '-')}")
    met = total / 1024 < TARGET_KB
    print(f"first visit (log-in page, then a case page): {total / 1024:.1f} KB  target < {TARGET_KB} KB: "
          f"{'met' if met else 'MISSED'}")
    print(f"load average: {os.getloadavg()[0]:.2f}")
    return met


if __name__ == "__main__":
    main()
