"""Redacted copies in the bundle (issue 15): "redacted copies for regulators".

With the export option on (selection["redacted"]), each exported screenshot that has a
redacted copy (cases.services.redacted_copy_create) carries its newest copy as one more
member, `redacted/<the original's path without evidence/>.png`. The original stays in
`evidence/` byte-identical: the copy is what the user may hand to a regulator instead of it.
The copy is a member like any other: written before manifest.json, so manifest.json lists it
under `documents` (sha256, size), and its file entry under `files` says which copy it is:

    "redacted": {"path": …, "sha256": …, "size": …, "media_type": "image/png",
                 "original_sha256": <the SHA-256 of the original it was made from>,
                 "made_at": …, "custody_event_seqs": [<its attachment.redact event>]}

SHA256SUMS, its signature and its timestamp cover it as they cover every member; the
verifier checks it and that `original_sha256` is the original's. Without the option nothing
of a copy is exported, and catalog.pdf only says that one exists.
"""
from __future__ import annotations

import hashlib
import zoneinfo

from evidence.store import blobstore


class RedactedCopyIntegrityError(Exception):
    """A stored redacted copy no longer matches its recorded hash, or names another original."""


def wanted(writer) -> bool:
    return bool(writer.selection.get("redacted"))


def copy_of(planned):
    """The newest redacted copy of an exported file, made from the original as it is, or None."""
    att = planned.attachment
    copies = [d for d in att.derivatives.all() if d.purpose == "redacted" and d.source_sha256 == att.sha256]
    return copies[-1] if copies else None


def member_path(planned) -> str:
    return "redacted/" + planned.path.removeprefix("evidence/") + ".png"


def members(writer) -> list[tuple[str, object]]:
    """(path, copy) of every redacted member this bundle carries, in the order of the files."""
    if not wanted(writer):
        return []
    out = []
    for item in writer.entries:
        for planned in item.files:
            copy = copy_of(planned)
            if copy is not None:
                out.append((member_path(planned), copy))
    return out


def read(writer, copy) -> bytes:
    """The copy's bytes, checked against the SHA-256 recorded when it was made."""
    data = blobstore.read_bytes(writer.case.owner_id, copy.pk, "derivative", copy.blob_key)
    if hashlib.sha256(data).hexdigest() != copy.sha256 or len(data) != copy.size:
        raise RedactedCopyIntegrityError(f"redacted copy {copy.pk} no longer matches its recorded SHA-256")
    return data


def manifest_item(writer, planned, about: dict) -> dict | None:
    """The `redacted` entry of a file in manifest.json, or None."""
    if not wanted(writer):
        return None
    copy = copy_of(planned)
    if copy is None:
        return None
    return {"id": str(copy.pk), "boxes": list(copy.boxes or []), "path": member_path(planned), "sha256": copy.sha256, "size": copy.size, "media_type": copy.media_type,
            "original_sha256": copy.source_sha256, "made_at": _utc(copy.created_at),
            "custody_event_seqs": about.get(str(copy.pk), [])}


def catalog_fact(writer, planned) -> str | None:
    """What catalog.pdf says of a file's redacted copy (Chinese, like the catalog), or None."""
    copy = copy_of(planned)
    if copy is None:
        return None
    if wanted(writer):
        return (f"本证据包附脱敏副本 {member_path(planned)}（SHA-256 {copy.sha256}），"
                f"由本原件（SHA-256 {copy.source_sha256}）遮盖第三人号码、姓名制作；原件未作改动")
    return "已制作遮盖第三人信息的脱敏副本（本证据包未附）；原件未作改动"


def _utc(dt):
    return dt.astimezone(zoneinfo.ZoneInfo("UTC")).isoformat().replace("+00:00", "Z") if dt else None
