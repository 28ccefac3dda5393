"""Real files made on the fly for tests (no binary fixtures in the repo)."""
import io
import struct
import wave

from PIL import Image, ImageDraw, ImageFont


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


def recording_bytes(seconds=2.0, container="amr", codec="libopencore_amrnb", rate=8000, hz=440):
    """A real encoded recording (a sine tone), made with PyAV's bundled FFmpeg encoders: AMR-NB in
    a bare .amr file (container="amr") or in a 3GP file ("3gp"), or AAC in M4A ("ipod", "aac")."""
    import math

    import av

    out = io.BytesIO()
    with av.open(out, mode="w", format=container) as c:
        stream = c.add_stream(codec, rate=rate)
        stream.layout = "mono"
        if codec == "libopencore_amrnb":
            stream.bit_rate = 12200
        step = 160 if codec == "libopencore_amrnb" else 1024
        total = int(seconds * rate)
        for i in range(0, total, step):
            pcm = struct.pack(f"<{step}h", *(int(12000 * math.sin(2 * math.pi * hz * (i + k) / rate))
                                             for k in range(step)))
            frame = av.AudioFrame(format="s16", layout="mono", samples=step)
            frame.planes[0].update(pcm)
            frame.sample_rate, frame.pts = rate, i
            for packet in stream.encode(frame):
                c.mux(packet)
        for packet in stream.encode(None):
            c.mux(packet)
    return out.getvalue()


THIRD_PARTY_NUMBER = "13912345678"
THIRD_PARTY_NAME = "张伟"
SCREENSHOT_COLLECTOR = "13800138000"


FONT = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"


def sms_screenshot(sender, lines, width=1080, height=1400, orientation=1):
    """A phone's SMS thread (PNG): the sender at the top, a date and time, a grey bubble holding
    `lines`. With an EXIF `orientation` other than 1 it is a JPEG whose pixels are stored turned
    the other way, so that a viewer applying the orientation shows the same upright thread (as a
    phone's camera stores a photo held sideways)."""
    img = Image.new("RGB", (width, height), "white")
    d = ImageDraw.Draw(img)
    big, text = ImageFont.truetype(FONT, 52), ImageFont.truetype(FONT, 44)
    d.rectangle((0, 0, width, 160), fill="#f5f5f5")
    d.text((60, 50), sender, font=big, fill="black")
    d.text((330, 260), "2026年11月20日 23:30", font=text, fill="#888888")
    d.rounded_rectangle((40, 350, 1000, 400 + 80 * len(lines)), radius=30, fill="#eeeeee")
    for i, line in enumerate(lines):
        d.text((80, 380 + 80 * i), line, font=text, fill="black")
    out = io.BytesIO()
    if orientation == 1:
        img.save(out, "PNG")
        return out.getvalue()
    exif = Image.Exif()
    exif[0x0112] = orientation
    img.transpose(_STORED_AS[orientation]).save(out, "JPEG", quality=95, exif=exif.tobytes())
    return out.getvalue()


# How pixels are stored for an EXIF orientation: the inverse of the turn a viewer applies.
_STORED_AS = {2: Image.Transpose.FLIP_LEFT_RIGHT, 3: Image.Transpose.ROTATE_180, 4: Image.Transpose.FLIP_TOP_BOTTOM,
              5: Image.Transpose.TRANSPOSE, 6: Image.Transpose.ROTATE_90, 7: Image.Transpose.TRANSVERSE,
              8: Image.Transpose.ROTATE_270}


def sms_screenshot_third_party(orientation=1):
    """An SMS thread from the collector's number, whose message names a third party and gives
    that person's number: what a redacted copy must black out (issue 15)."""
    lines = [f"不还钱就找你弟弟{THIRD_PARTY_NAME}，", f"他电话{THIRD_PARTY_NUMBER}我们有", "今晚必须还款"]
    return sms_screenshot("138 0013 8000", lines, orientation=orientation)
