"""Phone numbers as backups write them (+86 138 0013 8000, 0086…, 013800138000) made one
form before they are matched with the case's collector numbers and blind-indexed."""
from __future__ import annotations

import re

from evidence.store.crypto import normalise_number

_SPLIT = re.compile(r"[,，;；、/\n\r\t|]+")


def normalise(number: str) -> str:
    """The form numbers are grouped and matched by. An iMessage handle that is an e-mail
    address is kept as the address (lower case): its digits are not a number."""
    if "@" in (number or ""):
        return number.strip().lower()
    return normalise_number(number)


def case_numbers(text: str) -> set[str]:
    """The case's known collector numbers (free text, one or many a line) as normalised forms."""
    found = set()
    for piece in _SPLIT.split(text or ""):
        norm = normalise(piece)
        if len(norm) >= 3:
            found.add(norm)
    return found
