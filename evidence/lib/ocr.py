"""Reading the text of a screenshot, offline: RapidOCR (PP-OCRv4 models, Chinese and English)
on onnxruntime. The models ship inside the `rapidocr-onnxruntime` wheel: nothing is downloaded
at run time. The image is given as bytes in memory; nothing is written to disk.

What comes out is machine-read: a suggestion the user checks. `proposals()` picks from it the
phone numbers and the date/time the screenshot shows, to prefill an entry only once the user
confirms; it never invents a value the text does not show.
"""
from __future__ import annotations

import functools
import io
import os
import re
import threading
from dataclasses import dataclass
from datetime import datetime

from PIL import Image

from . import orientation

ENGINE_NAME = "RapidOCR PP-OCRv4"
MAX_PIXELS = 40_000_000
_lock = threading.Lock()


@dataclass(frozen=True)
class Line:
    x0: int
    y0: int
    x1: int
    y1: int
    text: str
    score: float

    def as_list(self):
        return [self.x0, self.y0, self.x1, self.y1, self.text, round(self.score, 3)]


# The text detector's input: the longer side at most this many pixels. RapidOCR's default
# keeps a 1080×2400 screenshot at 900×2000 for detection (1.8 million pixels of activations:
# most of the ~630 MB peak and of the time); 1280 is 576×1280 for such a screenshot, where
# 34 px text is still ~18 px. The lines found are cut for recognition from the image at its
# usual size (at most 2000 px), so recognition sees the same pixels as before.
DET_MAX_SIDE = 1280


def _session_options():
    import onnxruntime as ort  # noqa: PLC0415

    opts = ort.SessionOptions()
    opts.log_severity_level = 4
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    # No arena and no memory pattern: each image's buffers are freed when its run ends, instead
    # of the largest image's staying with the worker (the shapes change with every image).
    opts.enable_cpu_mem_arena = False
    opts.enable_mem_pattern = False
    # One thread per core; waiting threads sleep instead of spinning, which on a busy (shared)
    # machine burned as much CPU as the work itself.
    opts.intra_op_num_threads = max(1, min(2, os.cpu_count() or 1))
    opts.inter_op_num_threads = 1
    opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
    return opts


@functools.lru_cache(maxsize=1)
def _engine():
    """The engine, made once per worker process (the models load in ~1 s)."""
    import onnxruntime as ort  # noqa: PLC0415  (heavy: loaded by the worker, once, when first used)
    from rapidocr_onnxruntime import RapidOCR  # noqa: PLC0415
    from rapidocr_onnxruntime.ch_ppocr_det.utils import DetPreProcess  # noqa: PLC0415

    engine = RapidOCR()
    # RapidOCR fixes its session options; the same models are opened again with ours (the
    # sessions it made are dropped here).
    for holder, attr in ((engine.text_det, "infer"), (engine.text_rec, "session")):
        infer = getattr(holder, attr)
        path = getattr(infer.session, "_model_path", None)
        if path is None:  # another onnxruntime: keep RapidOCR's options (tests/lib/test_ocr.py notices)
            continue
        infer.session = ort.InferenceSession(path, sess_options=_session_options(),
                                             providers=["CPUExecutionProvider"])
    det = engine.text_det
    det.get_preprocess = lambda max_wh: DetPreProcess(DET_MAX_SIDE, "max", det.mean, det.std)
    return engine


def read(image: bytes) -> list[Line]:
    """The lines of text in an image, top to bottom, each with its box, in the picture as it is
    shown: a photo stored turned (EXIF orientation) is read upright (evidence.lib.orientation),
    so its boxes land on the page's picture and on its redacted copy."""
    return read_turned(image)[0]


def read_turned(image: bytes) -> tuple[list[Line], int]:
    """`read`, and the EXIF orientation it turned upright (1: none, or not known), from the
    one opening of the image."""
    with Image.open(io.BytesIO(image)) as img:
        turned = orientation.of(img) or 1
        if turned != 1:
            image = orientation.upright(img)  # RapidOCR takes the decoded picture as it takes bytes
    with _lock:  # one image at a time per process: onnxruntime already uses every core
        # No text-direction classifier: screenshots (and photos, turned above) are upright, and
        # it costs ~10 % more CPU.
        result, _ = _engine()(image, use_cls=False)
    lines = []
    for box, text, score in result or ():
        xs, ys = [p[0] for p in box], [p[1] for p in box]
        lines.append(Line(int(min(xs)), int(min(ys)), int(max(xs)), int(max(ys)), str(text), float(score)))
    lines.sort(key=lambda ln: (ln.y0, ln.x0))
    return lines, turned


def text_of(lines: list[Line]) -> str:
    return "\n".join(ln.text for ln in lines)


# --------------------------------------------------------------------------- proposals

# Mainland mobiles (optionally +86), 106… SMS gateways, 95/96/10 service numbers, landlines
# with an area code; spaces and dashes as phones print them.
_NUMBER = re.compile(r"(?<!\d)(?:(?:\+?86)[ -]?)?(106(?:[ -]?\d){5,17}|1[3-9]\d[ -]?\d{4}[ -]?\d{4}"
                     r"|9[56]\d{3,6}|10\d{3,4}|0\d{2,3}-?\d{7,8})(?!\d)")
_DATE_TIME = re.compile(
    r"(?:(?P<y>20\d{2})\s*[年/.-]\s*)?(?P<m>\d{1,2})\s*[月/.-]\s*(?P<d>\d{1,2})\s*日?"
    r"(?:\s*(?:星期.|周.)?\s*(?:(?P<ampm>上午|下午|晚上|凌晨|中午))?\s*(?P<H>\d{1,2})[:：](?P<M>\d{2}))?")


@dataclass(frozen=True)
class Proposals:
    numbers: list[str]
    occurred_at: datetime | None  # naive: in the case's zone, as the phone showed it


def proposals(text: str, *, year: int) -> Proposals:
    """Numbers and the first full date and time the text shows. `year` fills a date the
    screenshot shows without one (SMS lists show "11月20日"); a date with no time is not
    proposed as a time."""
    numbers = []
    for m in _NUMBER.finditer(text or ""):
        digits = m.group(1) if m.group(1).startswith("0") and "-" in m.group(1) else re.sub(r"[\s-]", "", m.group(1))
        if digits not in numbers:
            numbers.append(digits)
    when = None
    for m in _DATE_TIME.finditer(text or ""):
        if m.group("H") is None:
            continue
        hour = int(m.group("H"))
        if m.group("ampm") in ("下午", "晚上") and hour < 12:
            hour += 12
        try:
            when = datetime(int(m.group("y") or year), int(m.group("m")), int(m.group("d")), hour, int(m.group("M")))
        except ValueError:
            continue
        break
    return Proposals(numbers, when)
