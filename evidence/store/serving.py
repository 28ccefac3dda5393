"""Stream a decrypted blob to an authorised user, with HTTP Range support.

iPhones (Safari) refuse to play audio from a server that ignores Range. The
blob is decrypted segment by segment as it is sent; nothing is written to disk.
"""
import re
from urllib.parse import quote

from django.http import HttpResponse, StreamingHttpResponse

from . import blobstore

_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


def parse_range(header: str, size: int):
    """(start, end_inclusive) or None for a whole-file answer; 'invalid' if unsatisfiable."""
    m = _RANGE.match(header.strip()) if header else None
    if not m:
        return None
    first, last = m.groups()
    if first == "" and last == "":
        return None
    if first == "":
        length = int(last)
        if length == 0:
            return "invalid"
        return max(size - length, 0), size - 1
    start = int(first)
    end = int(last) if last else size - 1
    if start >= size or end < start:
        return "invalid"
    return start, min(end, size - 1)


def blob_response(request, *, owner_id, object_id, role, key, size, media_type, filename=None, download=False):
    rng = parse_range(request.headers.get("Range", ""), size)
    if rng == "invalid":
        response = HttpResponse(status=416)
        response["Content-Range"] = f"bytes */{size}"
        return response
    start, end = rng if rng else (0, size - 1)
    length = max(end - start + 1, 0)
    chunks = blobstore.iter_plain(owner_id, object_id, role, key, start, length)
    # Decrypt the first chunk before answering, so a damaged blob gets the
    # friendly error page instead of a half-sent file.
    first = next(chunks, b"")

    def body():
        yield first
        yield from chunks

    response = StreamingHttpResponse(body(), status=206 if rng else 200, content_type=media_type)
    response["Content-Length"] = str(length)
    response["Accept-Ranges"] = "bytes"
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    if rng:
        response["Content-Range"] = f"bytes {start}-{end}/{size}"
    response.range_start = start  # where this answer starts: a resumed download is not a new one
    if filename:
        disposition = "attachment" if download else "inline"
        response["Content-Disposition"] = f"{disposition}; filename*=UTF-8''{quote(filename)}"
    return response
