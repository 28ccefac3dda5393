"""Canonical JSON: the one byte form that custody hashes, bundle manifests and saved
complaint drafts are computed over. Changing it would change every recorded hash."""
import hashlib
import json
import zoneinfo

_UTC = zoneinfo.ZoneInfo("UTC")


def canonical_json(value) -> bytes:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str).encode("utf-8")


def sha256_json(value) -> str:
    return hashlib.sha256(canonical_json(value)).hexdigest()


def json_value(v):
    """A field value as it enters a snapshot: aware datetimes in UTC, dates ISO, the rest as is."""
    if hasattr(v, "isoformat"):
        if getattr(v, "tzinfo", None) is not None:
            return v.astimezone(_UTC).isoformat()
        return v.isoformat()
    return v
