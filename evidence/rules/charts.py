"""Server-rendered SVG charts: no JavaScript, no CDN; the page and catalog.pdf draw the same SVG.

Each chart has a fixed viewBox and scales to the width it is given (a 390 px
phone shows it whole); text is at least 11 units in a 360-unit-wide box. Colours
print in greyscale as distinct shades, and every number is also in a table next
to the chart, so nothing depends on colour alone.
"""
from __future__ import annotations

from xml.sax.saxutils import escape

CALL_COLOUR = "#b02a37"
SMS_COLOUR = "#e9a23b"
BAND_COLOUR = "#198754"
GRID = "#cccccc"
INK = "#212529"
# 5 shades of red from light to dark: distinct in greyscale print too.
HEAT_SHADES = ("#f8d7da", "#f1aeb5", "#e35d6a", "#b02a37", "#58151c")
WEB_FONT = "system-ui, -apple-system, 'Noto Sans CJK SC', 'PingFang SC', sans-serif"


def _svg(width: int, height: int, body: list[str], title: str, font: str) -> str:
    """The chart's SVG: a white background, then `body`."""
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" '
            f'height="{height}" role="img" aria-label="{escape(title, {chr(34): "&quot;"})}" '
            f'font-family="{escape(font, {chr(34): "&quot;"})}" class="chart">'
            f'<title>{escape(title)}</title><rect x="0" y="0" width="{width}" height="{height}" fill="#ffffff"/>'
            f'{"".join(body)}</svg>')


def _text(x, y, s, size=11, anchor="start", fill=INK, weight="normal"):
    return (f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}" fill="{fill}"'
            f'{" font-weight=" + chr(34) + weight + chr(34) if weight != "normal" else ""}>{escape(str(s))}</text>')


def _nice_max(n: int) -> int:
    for step in (1, 2, 3, 5, 10, 15, 20, 25, 50, 100, 150, 200, 250, 500, 1000, 2000, 5000, 10000):
        if n <= step * 4:
            return step * 4 if n > 4 else max(n, 1)
    return n


def bar_chart(buckets, *, title: str, calls_label: str, messages_label: str, per_week: bool,
              font: str = WEB_FONT) -> str:
    """Calls and messages per day (or week), stacked bars; day labels at the ends and every ~week."""
    width, height = 360, 200
    left, right, top, bottom = 30, 8, 26, 34
    plot_w, plot_h = width - left - right, height - top - bottom
    n = max(len(buckets), 1)
    most = max((b.calls + b.messages for b in buckets), default=0)
    ymax = _nice_max(most)
    body = []
    # Legend
    body.append(f'<rect x="{left}" y="6" width="10" height="10" fill="{CALL_COLOUR}"/>')
    body.append(_text(left + 14, 15, calls_label))
    lx = left + 24 + 7 * len(calls_label) + 10
    body.append(f'<rect x="{lx}" y="6" width="10" height="10" fill="{SMS_COLOUR}"/>')
    body.append(_text(lx + 14, 15, messages_label))
    # Grid and y labels
    for i in range(5):
        value = ymax * i // 4
        y = top + plot_h - plot_h * i / 4
        body.append(f'<line x1="{left}" y1="{y:.1f}" x2="{width - right}" y2="{y:.1f}" stroke="{GRID}" '
                    f'stroke-width="0.5"/>')
        body.append(_text(left - 3, y + 4, value, size=10, anchor="end"))
    slot = plot_w / n
    bar_w = max(slot * 0.8, 0.6)
    for i, b in enumerate(buckets):
        x = left + i * slot + (slot - bar_w) / 2
        h_calls = plot_h * b.calls / ymax if ymax else 0
        h_msgs = plot_h * b.messages / ymax if ymax else 0
        base = top + plot_h
        if b.calls:
            body.append(f'<rect x="{x:.2f}" y="{base - h_calls:.2f}" width="{bar_w:.2f}" height="{h_calls:.2f}" '
                        f'fill="{CALL_COLOUR}"/>')
        if b.messages:
            body.append(f'<rect x="{x:.2f}" y="{base - h_calls - h_msgs:.2f}" width="{bar_w:.2f}" '
                        f'height="{h_msgs:.2f}" fill="{SMS_COLOUR}"/>')
    body.append(f'<line x1="{left}" y1="{top + plot_h}" x2="{width - right}" y2="{top + plot_h}" stroke="{INK}" '
                f'stroke-width="0.8"/>')
    # x labels: first, last, and a few between (never overlapping: at most 4)
    if buckets:
        picks = sorted({0, n - 1, *(round(n * k / 4) for k in (1, 2, 3))} - {n}) if n > 4 else list(range(n))
        for i in picks:
            x = left + i * slot + slot / 2
            label = buckets[i].start.strftime("%m-%d")
            body.append(_text(x, top + plot_h + 14, label, size=10, anchor="middle"))
        year = buckets[0].start.strftime("%Y")
        body.append(_text(width - right, height - 4, "▲ " + year if per_week else year, size=10, anchor="end"))
    return _svg(width, height, body, title, font)


def heat_map(heat, *, title: str, weekdays: list[str], permitted: tuple[int, int], band_label: str,
             font: str = WEB_FONT) -> str:
    """Hour of day (columns) × weekday (rows); the permitted hours framed in green."""
    width, height = 360, 196
    left, top = 44, 24  # room for 星期一 at 11 units
    cell_w, cell_h = (width - left - 6) / 24, 18
    most = max((c for row in heat for c in row), default=0)
    body = []
    for h in range(0, 24, 3):
        body.append(_text(left + h * cell_w + cell_w / 2, top - 6, f"{h:02d}", size=10, anchor="middle"))
    for d, row in enumerate(heat):
        y = top + d * cell_h
        body.append(_text(left - 4, y + cell_h / 2 + 4, weekdays[d], size=11, anchor="end"))
        for h, count in enumerate(row):
            x = left + h * cell_w
            colour = HEAT_SHADES[min(4, (count * 5 - 1) // most)] if count else "#f8f9fa"
            body.append(f'<rect x="{x:.2f}" y="{y:.2f}" width="{cell_w - 1:.2f}" height="{cell_h - 1:.2f}" '
                        f'fill="{colour}"><title>{escape(weekdays[d])} {h:02d}:00 · {count}</title></rect>')
    start, end = permitted
    bx = left + start * cell_w - 1
    bw = (end - start) * cell_w + 0.5
    body.append(f'<rect x="{bx:.2f}" y="{top - 1}" width="{bw:.2f}" height="{7 * cell_h + 0.5:.2f}" fill="none" '
                f'stroke="{BAND_COLOUR}" stroke-width="2"/>')
    ly = top + 7 * cell_h + 16
    body.append(f'<line x1="{left}" y1="{ly - 4}" x2="{left + 16}" y2="{ly - 4}" stroke="{BAND_COLOUR}" '
                f'stroke-width="2"/>')
    body.append(_text(left + 20, ly, band_label, size=11))
    # Scale
    sy = ly + 16
    body.append(_text(left, sy, "0", size=10))
    for i, colour in enumerate(HEAT_SHADES):
        body.append(f'<rect x="{left + 12 + i * 14}" y="{sy - 9}" width="12" height="10" fill="{colour}"/>')
    body.append(_text(left + 12 + 5 * 14 + 4, sy, str(most), size=10))
    return _svg(width, height, body, title, font)


def hbar_chart(rows: list[tuple[str, int]], *, title: str, font: str = WEB_FONT) -> str:
    """Labelled horizontal bars (findings by rule, top numbers)."""
    width = 360
    row_h = 22
    height = max(len(rows), 1) * row_h + 8
    most = max((n for _, n in rows), default=0) or 1
    body = []
    label_w = 190
    for i, (label, n) in enumerate(rows):
        y = 4 + i * row_h
        body.append(_text(0, y + 14, label if len(label) <= 24 else label[:23] + "…", size=11))
        w = (width - label_w - 34) * n / most
        body.append(f'<rect x="{label_w}" y="{y + 3}" width="{max(w, 1):.1f}" height="{row_h - 8}" '
                    f'fill="{CALL_COLOUR}"/>')
        body.append(_text(label_w + w + 4, y + 14, n, size=11))
    return _svg(width, height, body, title, font)


# catalog.pdf: Chinese labels whatever the interface language, drawn in the PDF's embedded font.
PDF_FONT = "cjk"
WEEKDAYS_ZH = ["周一", "周二", "周三", "周四", "周五", "周六", "周日"]


def catalog_charts(stats) -> list[tuple[str, str]]:
    """(caption, SVG) of the statistics charts for catalog.pdf."""
    start, end = stats.permitted
    out = []
    if stats.buckets:
        title = "每周来电与短信" if stats.per_week else "每日来电与短信"
        out.append((title, bar_chart(stats.buckets, title=title, calls_label="来电", messages_label="短信",
                                     per_week=stats.per_week, font=PDF_FONT)))
    if stats.entries:
        title = "催收联系时间分布（星期 × 小时）"
        out.append((title, heat_map(stats.heat, title=title, weekdays=WEEKDAYS_ZH, permitted=stats.permitted,
                                    band_label=f"允许联系的时段 {start:02d}:00–{end:02d}:00", font=PDF_FONT)))
    return out
