"""Random access into Tink's streaming ciphertext (crypto.decrypt_range_with).

Tink's Python binding decrypts from the start only; we read its AES-GCM-HKDF segment format
ourselves. Here Tink itself encrypts, and every range we decrypt is byte-equal to the slice
of what Tink decrypts, at and around every segment boundary; tampering is still refused."""
import io
import os

import pytest
import tink
from tink import streaming_aead

from evidence.store.crypto import DecryptionError, decrypt_range_with, segment_keys_of

streaming_aead.register()
AD = b"liuzheng:blob:v1:1:abc:original"
SMALL = streaming_aead.streaming_aead_key_templates.AES256_GCM_HKDF_4KB
REAL = streaming_aead.streaming_aead_key_templates.AES256_GCM_HKDF_1MB


def tink_encrypt(handle, data, ad=AD):
    out = io.BytesIO()
    out.close = lambda: None  # Tink closes its destination; keep the bytes readable
    with handle.primitive(streaming_aead.StreamingAead).new_encrypting_stream(out, ad) as stream:
        for pos in range(0, len(data), 10_000):
            stream.write(data[pos:pos + 10_000])
    return out.getvalue()


def tink_decrypt(handle, ct, ad=AD):
    with handle.primitive(streaming_aead.StreamingAead).new_decrypting_stream(io.BytesIO(ct), ad) as stream:
        return stream.read()


class Source:
    """The ciphertext, counting the bytes a reader asks for."""

    def __init__(self, ct):
        self.ct = ct
        self.read = 0
        self.opens = 0

    def open_at(self, offset, end):
        self.opens += 1
        piece = self.ct[offset:len(self.ct) if end is None else end]
        self.read += len(piece)
        return io.BytesIO(piece), len(self.ct)


def ours(handle, ct, start=0, length=None, ad=AD):
    return b"".join(decrypt_range_with(segment_keys_of(handle), ad, Source(ct).open_at, start, length))


@pytest.fixture(scope="module")
def small():
    return tink.new_keyset_handle(SMALL)


def boundaries(handle):
    key = segment_keys_of(handle)[0]
    header = 1 + key.derived_key_size + 7
    first = key.segment_size - header - 16
    step = key.segment_size - 16
    return [0, 1, first - 1, first, first + 1, first + step - 1, first + step, first + step + 1,
            first + 3 * step, first + 3 * step + 5]


def test_tink_keeps_to_the_documented_layout(small):
    key = segment_keys_of(small)[0]
    assert (key.segment_size, key.derived_key_size) == (4096, 32)
    ct = tink_encrypt(small, b"x" * 10_000)
    assert ct[0] == 1 + 32 + 7  # the header length byte
    first, step = 4096 - 40 - 16, 4096 - 16
    segments = 1 + -(-(10_000 - first) // step)
    assert len(ct) == 40 + 10_000 + 16 * segments


@pytest.mark.parametrize("size_index", range(10))
def test_every_size_at_a_segment_boundary_decrypts_like_tink(small, size_index):
    size = boundaries(small)[size_index]
    data = os.urandom(size)
    ct = tink_encrypt(small, data)
    assert tink_decrypt(small, ct) == data
    assert ours(small, ct) == data
    for start in sorted({0, 1, *boundaries(small)}):
        for length in (None, 1, 17, 4080, 4081, 9000):
            want = data[start:] if length is None else data[start:start + length]
            assert ours(small, ct, start, length) == want, (size, start, length)


def test_the_real_one_mebibyte_format_too():
    handle = tink.new_keyset_handle(REAL)
    data = os.urandom(3 * 1024 * 1024 + 12345)
    ct = tink_encrypt(handle, data)
    assert ours(handle, ct) == tink_decrypt(handle, ct) == data
    tail = len(data) - 1024 * 1024
    assert ours(handle, ct, tail) == data[tail:]
    assert ours(handle, ct, 1024 * 1024 - 40, 100) == data[1024 * 1024 - 40:1024 * 1024 + 60]


def test_the_last_mebibyte_reads_only_the_last_segments():
    handle = tink.new_keyset_handle(REAL)
    data = os.urandom(16 * 1024 * 1024)
    ct = tink_encrypt(handle, data)
    source = Source(ct)
    tail = len(data) - 1024 * 1024
    got = b"".join(decrypt_range_with(segment_keys_of(handle), AD, source.open_at, tail, None))
    assert got == data[tail:]
    # the header (40 bytes asked) and two 1 MiB segments, not 16 MiB
    assert source.read <= 2 * 1024 * 1024 + 64, source.read


def test_a_flipped_byte_fails_only_the_segment_it_is_in(small):
    data = os.urandom(20_000)
    ct = bytearray(tink_encrypt(small, data))
    ct[3 * 4096 + 100] ^= 1  # inside segment 3
    with pytest.raises(DecryptionError):
        ours(small, bytes(ct))
    with pytest.raises(DecryptionError):
        ours(small, bytes(ct), 3 * 4080, 10)
    assert ours(small, bytes(ct), 0, 4000) == data[:4000]


def test_cut_reordered_or_moved_ciphertext_is_refused(small):
    data = os.urandom(20_000)
    ct = tink_encrypt(small, data)
    with pytest.raises(DecryptionError):  # the last segment dropped: the new last is not sealed as last
        ours(small, ct[:4 * 4096], 4 * 4080 - 100)
    swapped = ct[:4096] + ct[2 * 4096:3 * 4096] + ct[4096:2 * 4096] + ct[3 * 4096:]
    with pytest.raises(DecryptionError):
        ours(small, swapped, 4080, 100)
    with pytest.raises(DecryptionError):  # bound to its owner and row by the associated data
        ours(small, ct, 10_000, 10, ad=b"liuzheng:blob:v1:2:abc:original")
    with pytest.raises(DecryptionError):
        ours(small, ct[:30])
    other = tink.new_keyset_handle(SMALL)
    with pytest.raises(DecryptionError):
        ours(other, ct, 10_000, 10)


def test_a_keyset_with_several_keys_finds_the_one_that_wrote(small):
    from tink.proto import tink_pb2

    from evidence.store.crypto import _keyset_proto

    newer = tink.new_keyset_handle(SMALL)
    merged = _keyset_proto(newer)
    merged.key.extend(_keyset_proto(small).key)  # newer is primary; small wrote the blob
    handle = tink.proto_keyset_format.parse(merged.SerializeToString(), tink.secret_key_access.TOKEN)
    assert isinstance(merged, tink_pb2.Keyset)
    data = os.urandom(9000)
    ct = tink_encrypt(small, data)
    assert ours(handle, ct, 5000) == tink_decrypt(handle, ct)[5000:] == data[5000:]


def test_reads_from_the_start_open_the_ciphertext_once(small):
    data = os.urandom(20_000)
    ct = tink_encrypt(small, data)
    for start, length, most in [(0, None, len(ct)), (0, 2, 4096), (100, 5000, 2 * 4096)]:
        source = Source(ct)
        got = b"".join(decrypt_range_with(segment_keys_of(small), AD, source.open_at, start, length))
        assert got == (data[start:] if length is None else data[start:start + length])
        assert source.opens == 1 and source.read <= most, (start, length, source.read)
