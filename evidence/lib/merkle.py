"""A Merkle tree so one RFC 3161 request can timestamp many hashes.

Leaf = SHA-256(0x00 || hash), node = SHA-256(0x01 || left || right), as in
RFC 6962 (the prefixes stop a leaf being passed off as a node). An odd node
at the end of a level moves up unchanged. A path is a list of (side, sibling):
anyone can recompute the root from a file's SHA-256 with sha256sum alone
(docs/integrity.md shows the shell loop).
"""
import hashlib


def leaf(digest: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + digest).digest()


def node(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def build(digests: list[bytes]) -> tuple[bytes, list[list[tuple[str, str]]]]:
    """(root, paths): paths[i] proves digests[i]. A single digest is its own root."""
    if len(digests) == 1:
        return digests[0], [[]]
    level = [leaf(d) for d in digests]
    positions = list(range(len(digests)))  # where each leaf's ancestor sits in the level
    paths = [[] for _ in digests]
    while len(level) > 1:
        parents = []
        for i in range(0, len(level), 2):
            if i + 1 < len(level):
                parents.append(node(level[i], level[i + 1]))
            else:
                parents.append(level[i])
        for n, pos in enumerate(positions):
            sibling = pos ^ 1
            if sibling < len(level):
                # side = where the sibling goes when hashing: L = sibling || ours
                paths[n].append(("L" if sibling < pos else "R", level[sibling].hex()))
            positions[n] = pos // 2
        level = parents
    return level[0], paths


def root_from_path(digest: bytes, path: list) -> bytes:
    if not path:
        return digest
    current = leaf(digest)
    for side, sibling_hex in path:
        sibling = bytes.fromhex(sibling_hex)
        current = node(sibling, current) if side == "L" else node(current, sibling)
    return current
