"""Bearer tokens of invitations and witness links.

A token is 43 URL-safe characters (256 random bits): guessing one is hopeless,
and the views limit tries per address besides. Its first characters (the
lookup) find the row; the stored SHA-256 of the whole token is compared in
constant time, so response times do not reveal how much of a guess was right.
"""
import hashlib
import hmac
import re
import secrets

LOOKUP_CHARS = 12
_SHAPE = re.compile(r"^[A-Za-z0-9_-]{43}$")


def new_token() -> tuple[str, str, str]:
    """(token, lookup, token_hash)."""
    token = secrets.token_urlsafe(32)
    return token, token[:LOOKUP_CHARS], token_hash(token)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("ascii")).hexdigest()


def find_by_token(queryset, token):
    """The row of `queryset` (with `lookup` and `token_hash` columns) this token opens, or None."""
    if not isinstance(token, str) or not _SHAPE.match(token):
        return None
    row = queryset.filter(lookup=token[:LOOKUP_CHARS]).first()
    if row is None or not hmac.compare_digest(row.token_hash, token_hash(token)):
        return None
    return row
