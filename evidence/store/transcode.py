"""Playable copies of recordings a browser cannot play, made in memory with PyAV.

Chinese phones record calls as AMR-NB/WB (.amr) or in 3GP files, which no browser plays. The
worker decodes such a recording with FFmpeg's decoders (shipped inside PyAV's wheel) and
re-encodes it as AAC in an M4A (MP4) container, which Chromium, Firefox and Safari all play.
Both ends are in-memory files (io.BytesIO): the decrypted recording and the copy never touch
the disk. The copy is for the page only; the original stays the evidence, byte for byte.
"""
from __future__ import annotations

import io
from dataclasses import dataclass

import av

from evidence.store import media

PLAYABLE_MEDIA_TYPE = "audio/mp4"
# Larger recordings are not converted (about 7 hours of AMR-NB, which is 12.2 kbit/s).
MAX_SOURCE_BYTES = 256 * 1024 * 1024
# Types a browser may not play: always AMR and 3GP (media.BROWSER_CANNOT_PLAY); M4A/MP4/AAC
# only when the codec inside is not one browsers decode (some phones put AMR in an .m4a).
# MP3, WAV, Ogg and FLAC play as they are.
ALWAYS = media.BROWSER_CANNOT_PLAY
PROBE = {"audio/mp4", "audio/aac", "video/mp4", "video/x-m4v", "video/quicktime"}
BROWSER_AUDIO_CODECS = {"aac", "mp3", "opus", "vorbis", "flac", "alac",
                        "pcm_s16le", "pcm_u8", "pcm_s24le", "pcm_s32le", "pcm_f32le"}
_AAC_RATES = (8000, 11025, 12000, 16000, 22050, 24000, 32000, 44100, 48000)


class NotConvertible(Exception):
    """The file has no audio stream FFmpeg can decode (damaged, or not a recording)."""


@dataclass(frozen=True)
class Playable:
    data: bytes
    media_type: str
    duration_seconds: float


def may_need_copy(media_type: str) -> bool:
    """Whether the worker should look at a file of this (sniffed) type at all."""
    return media_type in ALWAYS or media_type in PROBE


def _open(data: bytes):
    try:
        return av.open(io.BytesIO(data), mode="r")
    except av.FFmpegError as exc:
        raise NotConvertible(str(exc)) from exc


def needs_copy(data: bytes, media_type: str) -> bool:
    """True when the browser cannot play this recording as it is."""
    if media_type in ALWAYS:
        return True
    if media_type not in PROBE:
        return False
    with _open(data) as src:
        audio = [s for s in src.streams if s.type == "audio"]
        if not audio:
            return False  # nothing to hear (a silent video): the page shows the original
        video = [s for s in src.streams if s.type == "video"]
        if video:
            return False  # a video plays (or not) as a whole; only recordings are converted
        return audio[0].codec_context.name not in BROWSER_AUDIO_CODECS


def to_playable(data: bytes) -> Playable:
    """Decode the first audio stream and re-encode it as AAC in M4A, all in memory.

    The duration is counted from the decoded samples, so it is right for every format
    (AMR files carry none in a header)."""
    if len(data) > MAX_SOURCE_BYTES:
        raise NotConvertible("recording too large to convert")
    out = io.BytesIO()
    samples = 0
    with _open(data) as src:
        streams = [s for s in src.streams if s.type == "audio"]
        if not streams:
            raise NotConvertible("no audio stream")
        stream = streams[0]
        in_rate = stream.codec_context.sample_rate or 8000
        rate = min((r for r in _AAC_RATES if r >= in_rate), default=48000)
        channels = stream.codec_context.channels or 1
        layout = "mono" if channels == 1 else "stereo"
        try:
            with av.open(out, mode="w", format="ipod") as dst:
                enc = dst.add_stream("aac", rate=rate)
                enc.layout = layout
                enc.bit_rate = 48000 if layout == "mono" else 96000
                resampler = av.AudioResampler(format="fltp", layout=layout, rate=rate)

                def encode(frames):
                    for f in frames:
                        for packet in enc.encode(f):
                            dst.mux(packet)

                for frame in src.decode(stream):
                    samples += frame.samples * rate // (frame.sample_rate or rate)
                    frame.pts = None
                    encode(resampler.resample(frame))
                encode(resampler.resample(None))
                for packet in enc.encode(None):
                    dst.mux(packet)
        except av.FFmpegError as exc:
            raise NotConvertible(str(exc)) from exc
    if not samples:
        raise NotConvertible("no audio decoded")
    return Playable(out.getvalue(), PLAYABLE_MEDIA_TYPE, samples / rate)
