"""The fixed cost of one PDF: a one-page document (a heading, a paragraph, a small table,
the footer) made N times in one process, each with the CJK face loaded as fpdf2's own
add_font() does (parsed for every PDF) and with the face shared per process
(evidence/pdf/faces.py). Prints wall and process CPU time per PDF for the Renderer
(font set-up) and for output (the font subset), the ratio, and the load average.

    .venv/bin/python bench/pdf_fonts.py [--pdfs 8]

An export writes catalog.pdf and up to three complaint PDFs; the test suite hundreds.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

import django

from common import report_cpu_busy  # noqa: E402

TEXT = "证据目录：催收电话录音，第 3 组共 12 项；原告（投诉人）张三，SHA-256 0f3e9a…"


def one(shared: bool) -> tuple[float, float, float, float]:
    from evidence.pdf.layout import Renderer

    w0, c0 = time.perf_counter(), time.process_time()
    r = Renderer(title="基准", shared_font=shared)
    w1, c1 = time.perf_counter(), time.process_time()
    r.pdf.add_page()
    r.heading(r.t(TEXT))
    r.para(r.t(TEXT * 3))
    r.kv_table([("名称", r.t(TEXT)), ("哈希", "ab" * 32, "m")])
    r.footers("bench", "右")
    w2, c2 = time.perf_counter(), time.process_time()
    r.pdf.output()
    w3, c3 = time.perf_counter(), time.process_time()
    return w1 - w0, c1 - c0, w3 - w2, c3 - c2


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--pdfs", type=int, default=8)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()  # settings only (LIUZHENG_CJK_FONT): no database
    load = os.getloadavg()
    print(f"PDF fixed cost, {args.pdfs} one-page PDFs per way; load average {load[0]:.2f} {load[1]:.2f} "
          f"{load[2]:.2f} (2 shared cores)")
    report_cpu_busy()
    one(True)  # the shared face's one parse (and Django's imports) outside the figures
    rows = {}
    for shared in (False, True):
        runs = [one(shared) for _ in range(args.pdfs)]
        med = [statistics.median(r[i] for r in runs) for i in range(4)]
        rows[shared] = med
        name = "face shared per process" if shared else "add_font() per PDF (before)"
        print(f"  {name:<28} Renderer {med[0] * 1000:6.0f} ms (CPU {med[1] * 1000:5.0f} ms), "
              f"output {med[2] * 1000:6.0f} ms (CPU {med[3] * 1000:5.0f} ms), "
              f"per PDF CPU {(med[1] + med[3]) * 1000:5.0f} ms")
    before, after = rows[False][1] + rows[False][3], rows[True][1] + rows[True][3]
    print(f"CPU per PDF: {after / before:.2f}× of before ({before - after:.2f} s saved per PDF); "
          f"load average after {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    sys.exit(main())
