"""Real files made on the fly for tests (no binary fixtures in the repo)."""
import io
import struct
import wave

from PIL import Image


def png_bytes(width=390, height=844, color="white", exif_time=None):
    img = Image.new("RGB", (width, height), color)
    out = io.BytesIO()
    if exif_time:
        exif = Image.Exif()
        exif[306] = exif_time
        exif.get_ifd(0x8769)[36867] = exif_time
        img.save(out, "JPEG", exif=exif.tobytes())
    else:
        img.save(out, "PNG")
    return out.getvalue()


def wav_bytes(seconds=2.0, rate=8000):
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(struct.pack("<h", 1000) * int(seconds * rate))
    return out.getvalue()


def amr_bytes(frames=150):
    # AMR-NB 12.2 kbit/s frames (mode 7): 1 header byte + 31 bytes, 20 ms each.
    return b"#!AMR\n" + (bytes([0x3C]) + bytes(31)) * frames


def pdf_bytes():
    img = Image.new("RGB", (200, 200), "white")
    out = io.BytesIO()
    img.save(out, "PDF")
    return out.getvalue()
