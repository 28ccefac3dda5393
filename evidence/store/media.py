"""What an uploaded file really is, judged by its bytes, and what we derive from it.

Originals are never re-encoded (courts want the original carrier, 民事证据规定
art 15); thumbnails and durations are derived and stored separately.
"""
from __future__ import annotations

import io
import logging
import os
import struct
from dataclasses import dataclass, field
from datetime import datetime

import filetype
import mutagen
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageOps, UnidentifiedImageError

log = logging.getLogger("liuzheng.media")

IMAGE, AUDIO, VIDEO, DOCUMENT = "image", "audio", "video", "document"

# Sniffed media type -> kind. Anything else is refused.
ALLOWED = {
    "image/jpeg": IMAGE,
    "image/png": IMAGE,
    "image/gif": IMAGE,
    "image/webp": IMAGE,
    "image/heic": IMAGE,
    "image/avif": IMAGE,
    "image/bmp": IMAGE,
    "audio/mp4": AUDIO,
    "audio/mpeg": AUDIO,
    "audio/amr": AUDIO,
    "audio/x-wav": AUDIO,
    "audio/ogg": AUDIO,
    "audio/aac": AUDIO,
    "audio/x-flac": AUDIO,
    "audio/webm": AUDIO,  # an in-page recording (MediaRecorder: Opus in WebM on Chrome/Android)
    "video/mp4": VIDEO,
    "video/x-m4v": VIDEO,
    "video/quicktime": VIDEO,
    "video/3gpp": VIDEO,
    "video/webm": VIDEO,
    "video/x-matroska": VIDEO,
    "application/pdf": DOCUMENT,
}

EXTENSIONS = {
    IMAGE: {"jpg", "jpeg", "png", "gif", "webp", "heic", "heif", "avif", "bmp"},
    AUDIO: {"m4a", "mp3", "amr", "wav", "ogg", "oga", "opus", "aac", "flac", "weba"},
    VIDEO: {"mp4", "m4v", "mov", "3gp", "webm", "mkv"},
    DOCUMENT: {"pdf"},
}
# Containers shared by audio and video: a .m4a recording is an MP4 file.
_AUDIO_IN_VIDEO_CONTAINER = {"video/mp4": "audio/mp4", "video/3gpp": "audio/3gpp", "video/x-m4v": "audio/mp4",
                             "video/webm": "audio/webm"}

# Recordings no browser plays as they are: the worker makes a playable copy (store.transcode).
BROWSER_CANNOT_PLAY = frozenset({"audio/amr", "audio/3gpp", "video/3gpp"})
ACCEPT_ATTR = "image/*,audio/*,video/*,application/pdf,.amr,.m4a"
HEAD_BYTES = 64 * 1024
# Decoded in memory (never on disk) to make a thumbnail or read a duration; the
# limits keep a worker under ~150 MB whatever is uploaded (bench/crypto_store.py).
MAX_INSPECT_BYTES = 32 * 1024 * 1024
# Formats Pillow cannot decode at a reduced scale (PNG, WebP…) are only fully
# decoded up to this many pixels; bigger ones are checked and kept, without a thumbnail.
THUMBNAIL_PIXEL_BUDGET = 16_000_000


class BufferReader(io.RawIOBase):
    """A seekable file over a bytearray without copying it (io.BytesIO would)."""

    def __init__(self, buf):
        self._view = memoryview(buf)
        self._pos = 0

    def readable(self):
        return True

    def seekable(self):
        return True

    def readinto(self, b):
        n = max(0, min(len(b), len(self._view) - self._pos))
        b[:n] = self._view[self._pos:self._pos + n]
        self._pos += n
        return n

    def seek(self, offset, whence=io.SEEK_SET):
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._pos, io.SEEK_END: len(self._view)}[whence]
        self._pos = max(0, base + offset)
        return self._pos

    def tell(self):
        return self._pos


def _reader(data):
    return io.BufferedReader(BufferReader(data))


@dataclass
class MediaInfo:
    media_type: str
    kind: str
    width: int | None = None
    height: int | None = None
    duration_seconds: float | None = None
    captured_at_local: datetime | None = None  # naive, device clock
    thumbnail: bytes | None = None
    notes: list = field(default_factory=list)


def extension_kind(name: str) -> str | None:
    ext = os.path.splitext(name or "")[1].lower().lstrip(".")
    for kind, exts in EXTENSIONS.items():
        if ext in exts:
            return kind
    return None


def sniff(head: bytes, name: str) -> tuple[str, str]:
    """(media_type, kind) from the content; ValidationError if refused."""
    guess = filetype.guess(head) if head else None
    media_type = guess.mime if guess else None
    if media_type is None and head[:3] == b"ID3":
        media_type = "audio/mpeg"
    claimed = extension_kind(name)
    if claimed == AUDIO and media_type in _AUDIO_IN_VIDEO_CONTAINER:
        media_type = _AUDIO_IN_VIDEO_CONTAINER[media_type]
    kind = ALLOWED.get(media_type) or (AUDIO if media_type == "audio/3gpp" else None)
    if kind is None:
        raise ValidationError(
            _("“%(name)s” is not a supported file. Upload images, audio or video recordings, or PDF."),
            code="type",
            params={"name": name},
        )
    if claimed is not None and claimed != kind:
        raise ValidationError(
            _("“%(name)s” does not contain what its name says (its content is %(actual)s)."),
            code="mismatch",
            params={"name": name, "actual": media_type},
        )
    return media_type, kind


def _exif_capture_time(img: Image.Image) -> datetime | None:
    try:
        exif = img.getexif()
        value = exif.get_ifd(0x8769).get(36867) or exif.get(306)  # DateTimeOriginal, DateTime
        if value:
            return datetime.strptime(str(value).strip("\x00 "), "%Y:%m:%d %H:%M:%S")
    except (ValueError, KeyError, TypeError, struct.error):
        return None
    return None


def inspect_image(data: bytes, name: str) -> MediaInfo:
    try:
        with Image.open(_reader(data)) as probe:
            width, height = probe.size
            fmt = probe.format
            # Refuse decompression bombs before decoding a single pixel.
            if width * height > settings.LIUZHENG_MAX_IMAGE_PIXELS:
                raise ValidationError(
                    _("“%(name)s” is too large an image (%(w)s×%(h)s pixels)."),
                    code="pixels",
                    params={"name": name, "w": width, "h": height},
                )
            probe.verify()
        with Image.open(_reader(data)) as img:
            captured = _exif_capture_time(img)
            if img.format != "JPEG" and width * height > THUMBNAIL_PIXEL_BUDGET:
                return MediaInfo("", IMAGE, width=width, height=height, captured_at_local=captured)
            img.draft("RGB", (1280, 1280))  # JPEG decodes at 1/2, 1/4, 1/8 scale: a 48 MP photo stays small
            img.load()
            img.thumbnail((640, 640))
            thumb = ImageOps.exif_transpose(img)
            if thumb.mode not in ("RGB", "L"):
                thumb = thumb.convert("RGB")
            out = io.BytesIO()
            thumb.save(out, "JPEG", quality=80)
    except ValidationError:
        raise
    except Image.DecompressionBombError as exc:
        # Pillow's own guard (over twice its pixel limit) fires at open, before ours: the
        # file is readable, just far too large, and the user is told that.
        raise ValidationError(
            _("“%(name)s” is too large an image."), code="pixels", params={"name": name}
        ) from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise ValidationError(
            _("“%(name)s” could not be read as an image; it may be damaged."),
            code="broken",
            params={"name": name},
        ) from exc
    log.debug("image %s %sx%s", fmt, width, height)
    return MediaInfo("", IMAGE, width=width, height=height, captured_at_local=captured, thumbnail=out.getvalue())


_AMR_NB_FRAME = [13, 14, 16, 18, 20, 21, 27, 32, 6, 1, 1, 1, 1, 1, 1, 1]


def amr_duration(data: bytes) -> float | None:
    """AMR-NB (WeChat and old Android recorders): 20 ms per frame."""
    if not data.startswith(b"#!AMR\n"):
        return None
    pos, frames = 6, 0
    while pos < len(data):
        size = _AMR_NB_FRAME[(data[pos] >> 3) & 0x0F]
        pos += size
        frames += 1
    return frames * 0.02


def inspect_audio(data: bytes, name: str) -> MediaInfo:
    duration = amr_duration(data)
    if duration is None:
        try:
            audio = mutagen.File(_reader(data))
            if audio is not None and audio.info is not None:
                duration = float(audio.info.length)
        except Exception as exc:  # mutagen raises many kinds; a duration is a nicety
            log.info("No duration for %s: %s", name, exc)
    return MediaInfo("", AUDIO, duration_seconds=duration)


def inspect(head: bytes, name: str, size: int, read_all) -> MediaInfo:
    """Check a finished upload. `read_all()` returns the decrypted bytes (in memory)."""
    if size == 0:
        raise ValidationError(_("“%(name)s” is empty."), code="empty", params={"name": name})
    media_type, kind = sniff(head, name)
    info = MediaInfo(media_type, kind)
    if kind == IMAGE and media_type not in ("image/heic", "image/avif"):
        if size > MAX_INSPECT_BYTES:
            raise ValidationError(
                _("“%(name)s” is too large an image."), code="pixels", params={"name": name}
            )
        info = inspect_image(read_all(), name)
    elif kind == AUDIO and size <= MAX_INSPECT_BYTES:
        info = inspect_audio(read_all(), name)
    info.media_type, info.kind = media_type, kind
    return info


# The extension a download gets for each type we accept (the first is used when the name's
# own extension does not fit the content).
_TYPE_EXTENSIONS = {
    "image/jpeg": ("jpg", "jpeg"), "image/png": ("png",), "image/gif": ("gif",), "image/webp": ("webp",),
    "image/heic": ("heic", "heif"), "image/avif": ("avif",), "image/bmp": ("bmp",),
    "audio/mp4": ("m4a", "mp4"), "audio/mpeg": ("mp3",), "audio/amr": ("amr",), "audio/x-wav": ("wav",),
    "audio/ogg": ("ogg", "oga", "opus"), "audio/aac": ("aac",), "audio/x-flac": ("flac",), "audio/3gpp": ("3gp", "amr"),
    "video/mp4": ("mp4",), "video/x-m4v": ("m4v", "mp4"), "video/quicktime": ("mov",), "video/3gpp": ("3gp",),
    "video/webm": ("webm",), "video/x-matroska": ("mkv",), "application/pdf": ("pdf",),
}
# Characters that reorder or hide text: "证据\u202egnp.exe" shows as "证据exe.png".
_INVISIBLE = {0x061C, 0x200B, 0x200C, 0x200D, 0x200E, 0x200F, 0x2060, 0xFEFF,
              *range(0x202A, 0x202F), *range(0x2066, 0x206A)}


def download_name(name: str, media_type: str) -> str:
    """The name a file is offered under: the user's name, without direction overrides or
    control characters, with the extension of what the bytes are (a JPEG named 证据.html
    downloads as 证据.jpg), so no browser or phone opens it as something else."""
    clean = "".join(c for c in (name or "") if ord(c) >= 32 and ord(c) != 127 and ord(c) not in _INVISIBLE)
    clean = clean.replace("/", "_").replace("\\", "_").strip().strip(".") or "file"
    stem, ext = os.path.splitext(clean)
    allowed = _TYPE_EXTENSIONS.get(media_type)
    if not allowed:
        return clean
    if ext.lower().lstrip(".") in allowed:
        return clean
    return f"{stem or 'file'}.{allowed[0]}" if ext else f"{clean}.{allowed[0]}"
