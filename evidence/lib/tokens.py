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


# A short invitation code (issue 14): 10 characters a person can read out or type on a phone,
# "K7QM2-XWP9R" (50 bits, Crockford's alphabet: no I, L, O, U). Single-use, valid for days and
# tried at most LIUZHENG_TOKEN_TRIES_PER_HOUR times per address: guessing one stays hopeless.
SHORT_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
SHORT_LENGTH = 10
_SHORT_SHAPE = re.compile(f"^[{SHORT_ALPHABET}]{{{SHORT_LENGTH}}}$")
_SHORT_ALIASES = str.maketrans({"O": "0", "I": "1", "L": "1", "U": "V"})


def new_short_code() -> tuple[str, str]:
    """(code as shown, hash to store)."""
    code = "".join(secrets.choice(SHORT_ALPHABET) for _ in range(SHORT_LENGTH))
    return format_short_code(code), short_code_hash(code)


def format_short_code(code: str) -> str:
    return f"{code[:5]}-{code[5:]}"


def normalize_short_code(text) -> str | None:
    """What a person typed ("k7qm2 xwp9r", "K7QM2-XWP9R") as the 10 characters, or None."""
    if not isinstance(text, str):
        return None
    code = re.sub(r"[\s-]", "", text).upper().translate(_SHORT_ALIASES)
    return code if _SHORT_SHAPE.match(code) else None


def short_code_hash(code: str) -> str:
    return hashlib.sha256(("short:" + code).encode("ascii")).hexdigest()
