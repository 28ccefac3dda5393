"""Read an RFC 3161 answer exactly as strictly as `openssl ts -verify` does.

The bundle's tokens are checked twice: by our verifier and, by hand or in verify.sh, by
openssl. A court's expert must never get two answers, so our reading of a token follows
OpenSSL 3's, part for part (crypto/ts, crypto/pkcs7, crypto/asn1 templates):

- The whole answer is decoded against OpenSSL's templates (TS_RESP, PKCS7 SignedData,
  X509, PKCS7_SIGNER_INFO): every TLV well formed, constructed values filled exactly by
  their children, fields in order with the tags the templates give, and the primitive
  contents OpenSSL checks (INTEGER non-empty and minimal, BOOLEAN one byte, NULL empty,
  OBJECT IDENTIFIER well formed, BIT STRING's unused bits ≤ 7, times long enough, BMP /
  Universal strings of whole characters, name strings of the types X509_NAME takes and
  UTF8String valid UTF-8).
- What OpenSSL decodes but never looks at is not looked at here either: an embedded
  certificate outside the signer's chain (the trust store supplies the CA) only has to
  decode, its extension values, public key and dates are opaque; the parameters of an
  AlgorithmIdentifier are any value; the SignerInfo's signatureAlgorithm is ignored (PKCS7
  verifies with the signer's key and digestAlgorithm, whatever that field names).

`check(der)` raises TokenFormError where OpenSSL's d2i would fail. tests/bundle/
test_token_strict.py flips every byte of a real token and compares with openssl itself.
"""
from __future__ import annotations

import threading


class TokenFormError(ValueError):
    pass


# Universal types OpenSSL never takes constructed; the others (strings, times) it collects
# from BER chunks of any tag.
_PRIMITIVE_ONLY = {1, 2, 5, 6, 10}
# X509_NAME_ENTRY values are ASN1_PRINTABLE: OpenSSL's tag2bit[] & B_ASN1_PRINTABLE
# (numeric, printable, T61, IA5, bit string, universal, BMP, UTF8, SEQUENCE, "unknown").
_NAME_VALUE_TAGS = {3, 7, 8, 9, 11, 12, 13, 14, 15, 16, 18, 19, 20, 22, 28, 29, 30, 31}

UNIVERSAL, CONTEXT = 0, 2


class Node:
    __slots__ = ("cls", "cons", "tag", "start", "end", "next", "first")

    def __init__(self, cls, cons, tag, start, end, nxt, first=0):
        self.cls, self.cons, self.tag, self.start, self.end, self.next = cls, cons, tag, start, end, nxt
        self.first = first  # where its header begins


def _header(buf: bytes, pos: int, end: int, depth: int) -> Node:
    if depth > 64:
        raise TokenFormError("nested too deeply")
    if pos >= end:
        raise TokenFormError("truncated")
    origin = pos
    first = buf[pos]
    pos += 1
    cls, cons, tag = first >> 6, bool(first & 0x20), first & 0x1F
    if tag == 0x1F:  # high tag number form
        tag = 0
        while True:
            if pos >= end:
                raise TokenFormError("truncated tag")
            b = buf[pos]
            pos += 1
            tag = (tag << 7) | (b & 0x7F)
            if tag > 1 << 31:
                raise TokenFormError("tag too large")
            if not b & 0x80:
                break
    if pos >= end:
        raise TokenFormError("truncated length")
    b = buf[pos]
    pos += 1
    if b == 0x80:  # indefinite length (BER): constructed only, ends at an end-of-contents
        if not cons:
            raise TokenFormError("indefinite length on a primitive value")
        start = p = pos
        while True:
            child = _header(buf, p, end, depth + 1)
            if child.cls == UNIVERSAL and child.tag == 0 and not child.cons:
                if child.end != child.start:
                    raise TokenFormError("bad end-of-contents")
                return Node(cls, cons, tag, start, p, child.next, origin)
            p = child.next
    if b & 0x80:
        n = b & 0x7F
        if n > 4 or pos + n > end:
            raise TokenFormError("bad length")
        length = int.from_bytes(buf[pos:pos + n], "big")
        pos += n
    else:
        length = b
    if pos + length > end:
        raise TokenFormError("value runs past its container")
    return Node(cls, cons, tag, pos, pos + length, pos + length, origin)


def _children(buf, node, depth) -> list[Node]:
    out, p = [], node.start
    while p < node.end:
        child = _header(buf, p, node.end, depth + 1)
        if child.cls == UNIVERSAL and child.tag == 0:
            raise TokenFormError("unexpected end-of-contents")
        out.append(child)
        p = child.next
    return out


def _collect(buf, node, depth) -> bytes:
    """A value's contents; a constructed one gathered from its chunks (any tag, no checks:
    OpenSSL's asn1_collect)."""
    if not node.cons:
        return buf[node.start:node.end]
    return b"".join(_collect(buf, c, depth + 1) for c in _children(buf, node, depth))


def _prim(buf, node, depth, tag) -> bytes:
    """A universal primitive type as OpenSSL's asn1_d2i_ex_primitive + c2i read it."""
    if node.cons and tag in _PRIMITIVE_ONLY:
        raise TokenFormError(f"universal tag {tag} constructed")
    data = _collect(buf, node, depth)
    n = len(data)
    if tag == 1 and n != 1:
        raise TokenFormError("BOOLEAN is not one byte")
    if tag in (2, 10):
        if n == 0:
            raise TokenFormError("empty INTEGER")
        if n > 1:
            # OpenSSL's c2i_ibuf: FF followed only by zeros is "one less minimal negative"
            pad = data[0] == 0 or (data[0] == 0xFF and any(data[1:]))
            if pad and bool(data[0] & 0x80) == bool(data[1] & 0x80):
                raise TokenFormError("INTEGER with padding")
    if tag == 5 and n:
        raise TokenFormError("NULL with contents")
    if tag == 6:
        if n == 0 or data[-1] & 0x80:
            raise TokenFormError("bad OBJECT IDENTIFIER")
        for i, b in enumerate(data):
            if b == 0x80 and (i == 0 or not data[i - 1] & 0x80):
                raise TokenFormError("OBJECT IDENTIFIER with a padded subidentifier")
    if tag == 3 and (n == 0 or data[0] > 7):
        raise TokenFormError("bad BIT STRING")
    if tag == 30 and n % 2:
        raise TokenFormError("BMPString of odd length")
    if tag == 28 and n % 4:
        raise TokenFormError("UniversalString not a multiple of 4")
    if tag == 23 and n < 13:
        raise TokenFormError("UTCTime too short")
    if tag == 24 and n < 15:
        raise TokenFormError("GeneralizedTime too short")
    return data


def _any(buf, node, depth) -> bytes:
    """An ANY value, re-encoded as OpenSSL re-encodes it: a SEQUENCE, a SET or a value of
    another class is kept as received, unread; a universal primitive type is read as such."""
    if node.cls != UNIVERSAL or node.tag in (16, 17):
        return buf[node.first:node.next]
    if node.tag == 0:
        raise TokenFormError("stray end-of-contents")
    data = _prim(buf, node, depth, node.tag)
    return _tlv(buf[node.first] & 0xDF if node.tag < 31 else None, data, raw_tag=buf[node.first:node.start])


def _length(n: int) -> bytes:
    if n < 0x80:
        return bytes([n])
    body = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(body)]) + body


def _tlv(tag_byte, data: bytes, raw_tag=b"") -> bytes:
    return (bytes([tag_byte]) if tag_byte is not None else raw_tag) + _length(len(data)) + data


# --------------------------------------------------------------------------- the templates
#
# A SEQUENCE (a structure) must be constructed; a SEQUENCE OF / SET OF, OpenSSL's stacks,
# need not (asn1_template_noexp_d2i reads their tag without the constructed bit); an
# EXPLICIT tag must be constructed.


class _Fields:
    """The children of a SEQUENCE, taken in order against a template."""

    def __init__(self, buf, node, depth, *, structure=True):
        if structure and not node.cons:
            raise TokenFormError("SEQUENCE not constructed")
        self.buf, self.items, self.i, self.depth = buf, _children(buf, node, depth), 0, depth

    def take(self, cls, tag, *, optional=False):
        if self.i < len(self.items):
            n = self.items[self.i]
            if n.cls == cls and n.tag == tag:
                self.i += 1
                return n
        if optional:
            return None
        raise TokenFormError(f"expected tag {tag} (class {cls})")

    def prim(self, tag, *, optional=False):
        node = self.take(UNIVERSAL, tag, optional=optional)
        if node is not None:
            _prim(self.buf, node, self.depth + 1, tag)
        return node

    def seq(self, *, optional=False):
        return self.take(UNIVERSAL, 16, optional=optional)

    def any(self, *, optional=False):
        if self.i < len(self.items):
            self.i += 1
            node = self.items[self.i - 1]
            _any(self.buf, node, self.depth + 1)
            return node
        if optional:
            return None
        raise TokenFormError("missing value")

    def explicit(self, tag, *, optional=False):
        """[tag] EXPLICIT: constructed, holding exactly one value (returned)."""
        node = self.take(CONTEXT, tag, optional=optional)
        if node is None:
            return None
        if not node.cons:
            raise TokenFormError("EXPLICIT tag not constructed")
        inner = _children(self.buf, node, self.depth + 1)
        if len(inner) != 1:
            raise TokenFormError("EXPLICIT tag holding other than one value")
        return inner[0]

    def done(self):
        if self.i != len(self.items):
            raise TokenFormError("unexpected extra field")


_seen = threading.local()  # per check(): where stacks are sent primitive, outside certificates


def _note_stack(node):
    if not node.cons and not getattr(_seen, "in_cert", 0) and getattr(_seen, "stacks", None) is not None:
        _seen.stacks.append(node.first)


def _stack(buf, node, depth, each, tag=16):
    """SEQUENCE OF / SET OF (or IMPLICIT-tagged): elements of `tag`, each read by `each`."""
    _note_stack(node)
    for child in _children(buf, node, depth):
        if child.cls != UNIVERSAL or child.tag != tag:
            raise TokenFormError("wrong element in a SEQUENCE OF / SET OF")
        each(buf, child, depth + 1)


def _algor(buf, node, depth):
    f = _Fields(buf, node, depth)
    f.prim(6)
    f.any(optional=True)  # parameters: ANY, never read
    f.done()


def _name(buf, node, depth):
    def entry(buf, node, depth):
        f = _Fields(buf, node, depth)
        f.prim(6)
        if f.i >= len(f.items):
            raise TokenFormError("name entry without a value")
        value = f.items[f.i]
        f.i += 1
        f.done()
        if value.cls != UNIVERSAL or value.tag not in _NAME_VALUE_TAGS:
            raise TokenFormError("a name holds a value X509_NAME does not take")
        if value.tag != 16:  # a SEQUENCE is kept as it is
            data = _prim(buf, value, depth + 1, value.tag)
            if value.tag == 12:  # the canonical name needs it as UTF-8
                try:
                    data.decode("utf-8")
                except UnicodeDecodeError as exc:
                    raise TokenFormError("name not valid UTF-8") from exc

    _stack(buf, node, depth, lambda buf, rdn, depth: _stack(buf, rdn, depth, entry), tag=17)


def _time(buf, node, depth):
    if node.cls != UNIVERSAL or node.tag not in (23, 24):
        raise TokenFormError("not a time")
    _prim(buf, node, depth, node.tag)


def _extension(buf, node, depth):
    x = _Fields(buf, node, depth)
    x.prim(6)
    x.prim(1, optional=True)
    x.prim(4)  # the value stays opaque until a certificate in the chain is used
    x.done()


def _certificate(buf, node, depth):
    _seen.in_cert = getattr(_seen, "in_cert", 0) + 1
    try:
        _certificate_fields(buf, node, depth)
    finally:
        _seen.in_cert -= 1


def _certificate_fields(buf, node, depth):
    f = _Fields(buf, node, depth)
    tbs = f.seq()
    _algor(buf, f.seq(), depth + 1)
    f.prim(3)
    f.done()
    t = _Fields(buf, tbs, depth + 1)
    version = t.explicit(0, optional=True)
    if version is not None:
        if version.cls != UNIVERSAL or version.tag != 2:
            raise TokenFormError("version not an INTEGER")
        _prim(buf, version, depth + 3, 2)
    t.prim(2)
    _algor(buf, t.seq(), depth + 2)
    _name(buf, t.seq(), depth + 2)
    validity = _Fields(buf, t.seq(), depth + 2)
    for _ in range(2):
        if validity.i >= len(validity.items):
            raise TokenFormError("validity incomplete")
        _time(buf, validity.items[validity.i], depth + 3)
        validity.i += 1
    validity.done()
    _name(buf, t.seq(), depth + 2)
    key = _Fields(buf, t.seq(), depth + 2)  # decoded or not, OpenSSL 3 keeps the certificate
    _algor(buf, key.seq(), depth + 3)
    key.prim(3)
    key.done()
    for tag in (1, 2):  # issuerUID, subjectUID: IMPLICIT BIT STRING
        uid = t.take(CONTEXT, tag, optional=True)
        if uid is not None:
            _prim(buf, uid, depth + 2, 3)
    ext = t.explicit(3, optional=True)
    if ext is not None:
        if ext.cls != UNIVERSAL or ext.tag != 16:
            raise TokenFormError("extensions not a SEQUENCE OF")
        _stack(buf, ext, depth + 3, _extension)
    t.done()


def _attribute(buf, node, depth) -> bytes:
    """One X509_ATTRIBUTE, re-encoded as OpenSSL re-encodes it (values a DER SET OF)."""
    f = _Fields(buf, node, depth)
    oid = f.take(UNIVERSAL, 6)
    oid_data = _prim(buf, oid, depth + 1, 6)
    values = f.take(UNIVERSAL, 17)
    _note_stack(values)
    f.done()
    encoded = sorted(_any(buf, v, depth + 2) for v in _children(buf, values, depth + 1))
    return _tlv(0x30, _tlv(0x06, oid_data) + _tlv(0x31, b"".join(encoded)))


def _attributes(buf, node, depth) -> bytes:
    _note_stack(node)
    out = []
    for child in _children(buf, node, depth):
        if child.cls != UNIVERSAL or child.tag != 16:
            raise TokenFormError("not an attribute")
        out.append(_attribute(buf, child, depth + 1))
    return b"".join(out)


def _signer_info(buf, node, depth, result):
    f = _Fields(buf, node, depth)
    f.prim(2)
    ias = _Fields(buf, f.seq(), depth + 1)  # PKCS7: issuerAndSerialNumber only
    _name(buf, ias.seq(), depth + 2)
    ias.prim(2)
    ias.done()
    _algor(buf, f.seq(), depth + 1)
    signed = f.take(CONTEXT, 0, optional=True)
    if signed is not None:
        result["signed_attrs"] = _attributes(buf, signed, depth + 1)
    _algor(buf, f.seq(), depth + 1)
    f.prim(4)
    unsigned = f.take(CONTEXT, 1, optional=True)
    if unsigned is not None:
        _attributes(buf, unsigned, depth + 1)
    f.done()


_SIGNED_DATA = bytes.fromhex("2a864886f70d010702")  # 1.2.840.113549.1.7.2


def _content_info(buf, node, depth, result, *, outer):
    """PKCS7: SEQUENCE { type OID, [0] EXPLICIT content OPTIONAL }."""
    f = _Fields(buf, node, depth)
    oid = f.take(UNIVERSAL, 6)
    kind = _prim(buf, oid, depth + 1, 6)
    value = f.explicit(0, optional=True)
    f.done()
    if value is None:
        return
    if outer and kind == _SIGNED_DATA:
        _signed_data(buf, value, depth + 2, result)
    else:
        _any(buf, value, depth + 2)


def _signed_data(buf, node, depth, result):
    f = _Fields(buf, node, depth)
    f.prim(2)
    _stack(buf, f.take(UNIVERSAL, 17), depth + 1, _algor)
    _content_info(buf, f.seq(), depth + 1, result, outer=False)
    certs = f.take(CONTEXT, 0, optional=True)
    if certs is not None:
        _stack(buf, certs, depth + 1, _certificate)
    crls = f.take(CONTEXT, 1, optional=True)
    if crls is not None:
        raise TokenFormError("a timestamp token with CRLs")  # none does; not read here
    signers = []
    _stack(buf, f.take(UNIVERSAL, 17), depth + 1, lambda b, n, d: signers.append(_signer_info(b, n, d, result)))
    f.done()


def check(der: bytes) -> tuple[bytes, bytes | None]:
    """Decode a TimeStampResp as OpenSSL's d2i_TS_RESP would. Returns the answer as OpenSSL
    holds it — trailing bytes cut (openssl ignores them), a SEQUENCE OF / SET OF sent with
    the constructed bit clear given it (OpenSSL never reads that bit there; asn1crypto needs
    it), except inside certificates, whose signed bytes stay as they are — and the signer's
    signed attributes as OpenSSL re-encodes them to check the signature (the SET's
    contents), or None. Raises TokenFormError."""
    _seen.stacks, _seen.in_cert = [], 0
    try:
        end, attrs = _check(der)
        fixed = bytearray(der[:end])
        for pos in _seen.stacks:
            fixed[pos] |= 0x20
        return bytes(fixed), attrs
    finally:
        _seen.stacks = None


def _check(der: bytes):
    top = _header(der, 0, len(der), 0)
    if top.cls != UNIVERSAL or top.tag != 16:
        raise TokenFormError("not a SEQUENCE")
    f = _Fields(der, top, 0)
    status = _Fields(der, f.seq(), 1)
    status.prim(2)
    text = status.take(UNIVERSAL, 16, optional=True)
    if text is not None:
        _stack(der, text, 2, lambda b, n, d: _prim(b, n, d, 12), tag=12)
    status.prim(3, optional=True)
    status.done()
    token = f.seq(optional=True)
    f.done()
    result: dict = {}
    if token is not None:
        _content_info(der, token, 1, result, outer=True)
    return top.next, result.get("signed_attrs")
