"""Text signals: suggest tags for an SMS, a call's notes or a transcript.

Curated phrase lists (phrases/*.txt, one per script) say which words point to
which tag. They are suggestions only: the borrower confirms each tag, and the
rules read confirmed tags, never these signals. Both Chinese scripts and English
are always matched, whatever the interface language: a borrower in Hong Kong gets
messages in simplified characters, and the reverse.

    suggest_tags("不还钱就爆你通讯录，找你领导")
    → [Signal(tag="threat", phrase="爆你通讯录", start=4, end=9, lang="zh-hans"),
       Signal(tag="mentioned_employer", phrase="你领导", start=11, end=14, lang="zh-hans")]

All phrases are compiled into one regular expression shaped as a trie (shared
prefixes are matched once), so a long transcript is one scan whatever the number
of phrases. Where matches overlap, the longest wins (then the earliest).
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path

PHRASE_DIR = Path(__file__).parent / "phrases"
PHRASE_FILES = {"zh-hans": "zh_hans.txt", "zh-hant": "zh_hant.txt", "en": "en.txt"}

# The Entry.Tag values a phrase can point to (the others, "repeated" and "night",
# are facts about calls, not words).
SIGNAL_TAGS = (
    "threat", "insult", "obscene", "claimed_police", "claimed_court", "claimed_lawyer",
    "fake_legal_document", "disclosed_debt", "mentioned_family", "mentioned_employer",
)


@dataclass(frozen=True)
class Signal:
    tag: str
    phrase: str  # as written in the phrase list
    start: int  # the match is text[start:end]
    end: int
    lang: str  # the list the phrase comes from


class PhraseFileError(ValueError):
    pass


def parse_phrases(text: str, *, name: str = "phrases") -> dict[str, list[str]]:
    """`[tag]` headings, one phrase per line, `#` comments → {tag: [phrase, …]}."""
    phrases: dict[str, list[str]] = {}
    tag = None
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("[") and line.endswith("]"):
            tag = line[1:-1].strip()
            if tag not in SIGNAL_TAGS:
                raise PhraseFileError(f"{name}:{number}: unknown tag [{tag}] (known: {', '.join(SIGNAL_TAGS)})")
            phrases.setdefault(tag, [])
            continue
        if tag is None:
            raise PhraseFileError(f"{name}:{number}: phrase {line!r} before any [tag] heading")
        phrase = " ".join(line.split())
        if phrase in phrases[tag]:
            raise PhraseFileError(f"{name}:{number}: {phrase!r} is already listed under [{tag}]")
        phrases[tag].append(phrase)
    return phrases


def load_phrases(directory: Path = PHRASE_DIR) -> dict[str, dict[str, list[str]]]:
    """{lang: {tag: [phrase, …]}} from the phrase files."""
    return {lang: parse_phrases((Path(directory) / file).read_text(encoding="utf-8"), name=file)
            for lang, file in PHRASE_FILES.items()}


# --------------------------------------------------------------------------- matching

_ASCII_WORD = re.compile(r"[A-Za-z0-9]")
_END = ""  # trie key marking the end of a phrase (no token is empty)


def _is_acronym(phrase: str) -> bool:
    return len(phrase) >= 2 and phrase.isascii() and phrase.isalpha() and phrase.isupper()


def _key(matched: str) -> str:
    return " ".join(matched.split()).lower()


def _tokens(phrase: str) -> list[str]:
    """A phrase as regex pieces. Word edges are ASCII-only: Python's \\b counts Chinese
    characters as word characters, so "警察police" would hide "police"."""
    acronym = _is_acronym(phrase)
    tokens = [r"(?<![A-Za-z0-9])"] if _ASCII_WORD.match(phrase[0]) else []
    for i, word in enumerate(phrase.split(" ")):
        if i:
            tokens.append(r"\s+")
        for ch in word:
            tokens.append(f"(?-i:{re.escape(ch)})" if acronym else re.escape(ch.lower()))
    if _ASCII_WORD.match(phrase[-1]):
        tokens.append(r"(?![A-Za-z0-9])")
    return tokens


def _trie_regex(node: dict) -> str:
    # What consumes text is tried first, then the word edge or the end of a phrase:
    # so the longest phrase at a position wins.
    tokens = sorted((t for t in node if t != _END), key=lambda t: t.startswith("(?!"))
    branches = [token + _trie_regex(node[token]) for token in tokens]
    if not branches:
        return ""
    body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
    return f"(?:{body})?" if _END in node else body


@dataclass(frozen=True)
class Phrasebook:
    pattern: re.Pattern
    lookup: dict  # normalised matched text -> ((tag, phrase, lang), …)

    @classmethod
    def build(cls, phrases: dict[str, dict[str, list[str]]]) -> Phrasebook:
        trie: dict = {}
        lookup: dict[str, list] = {}
        for lang, by_tag in phrases.items():
            for tag, listed in by_tag.items():
                for phrase in listed:
                    node = trie
                    for token in _tokens(phrase):
                        node = node.setdefault(token, {})
                    node[_END] = True
                    meanings = lookup.setdefault(_key(phrase), [])
                    if all(t != tag for t, _, _ in meanings):  # the same word in both scripts: once
                        meanings.append((tag, phrase, lang))
        pattern = re.compile(f"(?=({_trie_regex(trie)}))", re.IGNORECASE)
        return cls(pattern, {k: tuple(v) for k, v in lookup.items()})

    def match(self, text: str) -> list[Signal]:
        candidates = [(m.start(1), m.end(1)) for m in self.pattern.finditer(text) if m.end(1) > m.start(1)]
        # Longest first, then earliest; a candidate overlapping a kept one is dropped.
        candidates.sort(key=lambda span: (span[0] - span[1], span[0]))
        taken = bytearray(len(text))
        kept = []
        for start, end in candidates:
            if not any(taken[start:end]):
                taken[start:end] = b"\x01" * (end - start)
                kept.append((start, end))
        kept.sort()
        return [Signal(tag, phrase, start, end, lang)
                for start, end in kept
                for tag, phrase, lang in self.lookup[_key(text[start:end])]]


@functools.lru_cache(maxsize=1)
def phrasebook() -> Phrasebook:
    """The shipped phrase lists, compiled once per process."""
    return Phrasebook.build(load_phrases())


def suggest_tags(text: str, *, book: Phrasebook | None = None) -> list[Signal]:
    """The phrases found in `text`, in order, each with the tag it suggests."""
    if not text:
        return []
    return (book or phrasebook()).match(text)


def suggested_tags(signals: list[Signal]) -> list[str]:
    """The distinct tags of some signals, in SIGNAL_TAGS order."""
    found = {s.tag for s in signals}
    return [t for t in SIGNAL_TAGS if t in found]
