"""Real videos for the video tests, written with PyAV (FFmpeg's own encoders and muxers)
from the real fixture faces: a still shot a face walks into, a variable-frame-rate
screen recording, a damaged H.264 stream, a Matroska file with two picture tracks,
camcorder and old formats, a phone video stored sideways.

Each builder takes a list of (time in seconds, RGB picture) and writes exactly those
frames at exactly those presentation times.
"""

from __future__ import annotations

import random
import struct
from collections.abc import Sequence
from fractions import Fraction
from pathlib import Path

import numpy as np
from conftest import FACES
from PIL import Image

# obama.jpg's face (left, top, right, bottom), as face_recognition measures it.
OBAMA_FACE = (349, 142, 617, 409)

Timed = Sequence[tuple[float, np.ndarray]]


def obama_head(face_px: int) -> np.ndarray:
    """Obama's head (the opted-out student 1001) from obama.jpg, the face ``face_px`` wide."""
    margin = 60
    left, top, right, bottom = OBAMA_FACE
    with Image.open(FACES / "obama" / "obama.jpg") as im:
        crop = im.convert("RGB").crop(
            (left - margin, top - margin, right + margin, bottom + margin)
        )
    scale = face_px / (right - left)
    size = (round(crop.width * scale), round(crop.height * scale))
    return np.asarray(crop.resize(size, Image.Resampling.LANCZOS))


def photo_frame(name: str, size: tuple[int, int]) -> np.ndarray:
    """A fixture photo (e.g. "kit_harington/kit2.jpg") letterboxed into a frame."""
    width, height = size
    with Image.open(FACES / name) as im:
        pic = im.convert("RGB")
    pic.thumbnail((width, height), Image.Resampling.LANCZOS)
    canvas = Image.new("RGB", size, (40, 40, 40))
    canvas.paste(pic, ((width - pic.width) // 2, (height - pic.height) // 2))
    return np.asarray(canvas)


def background(size: tuple[int, int], seed: int = 3) -> np.ndarray:
    """A still scene without faces: smooth blotches of colour, like a wall and furniture."""
    width, height = size
    rng = np.random.default_rng(seed)
    coarse = rng.integers(60, 200, (height // 40 + 2, width // 40 + 2, 3), dtype=np.uint8)
    return np.asarray(
        Image.fromarray(coarse).resize((width, height), Image.Resampling.BICUBIC), dtype=np.uint8
    )


def paste(scene: np.ndarray, picture: np.ndarray, at: tuple[int, int]) -> np.ndarray:
    out = scene.copy()
    x, y = at
    out[y : y + picture.shape[0], x : x + picture.shape[1]] = picture
    return out


def with_noise(picture: np.ndarray, seed: int, amount: int = 2) -> np.ndarray:
    """A camera's sensor noise: no two frames of a still shot are identical."""
    rng = np.random.default_rng(seed)
    noise = rng.integers(-amount, amount + 1, picture.shape, dtype=np.int16)
    return np.clip(picture.astype(np.int16) + noise, 0, 255).astype(np.uint8)


def write_video(
    path: Path,
    frames: Timed,
    *,
    codec: str = "libx264",
    rate: int = 30,
    container: str | None = None,
    tracks: Sequence[Timed] = (),
    pix_fmt: str = "yuv420p",
    options: dict[str, str] | None = None,
) -> Path:
    """``frames`` (and one more picture track per entry of ``tracks``) at their times;
    ``rate`` is the frame rate the header states (the usual one, for a variable rate)."""
    import av

    out = av.open(str(path), "w", format=container)
    try:
        encoders = []
        for timed in (frames, *tracks):
            height, width = timed[0][1].shape[:2]
            stream = out.add_stream(codec, rate=rate)
            stream.width, stream.height, stream.pix_fmt = width, height, pix_fmt
            stream.codec_context.time_base = Fraction(1, 1000)
            stream.options = dict(options or {})
            encoders.append((stream, timed))
        # Interleaved by time, as a camera or an editor writes them.
        queue = sorted(
            ((t, n, rgb) for n, (_s, timed) in enumerate(encoders) for t, rgb in timed),
            key=lambda item: (item[0], item[1]),
        )
        for t, n, rgb in queue:
            frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(rgb), format="rgb24")
            frame.pts = round(t * 1000)
            frame.time_base = Fraction(1, 1000)
            out.mux(encoders[n][0].encode(frame))
        for stream, _timed in encoders:
            out.mux(stream.encode(None))
    finally:
        out.close()
    return path


def every(fps: float, start: float, stop: float) -> list[float]:
    """Frame times from ``start`` up to (not including) ``stop`` at ``fps``."""
    n = round((stop - start) * fps)
    return [start + i / fps for i in range(n)]


def damage(source: Path, target: Path, flips: int = 20, seed: int = 0) -> Path:
    """``source`` with ``flips`` bits flipped in its frame data (after the first 4 KB of
    it, so the headers stay readable): what a bad card or a broken download leaves."""
    data = bytearray(source.read_bytes())
    start = data.find(b"mdat") + 4000
    end = data.find(b"moov") if data.find(b"moov") > start else len(data)
    assert 0 < start < end - 1000, "needs an MP4 with its frame data before the index"
    rnd = random.Random(seed)
    for _ in range(flips):
        data[rnd.randrange(start, end)] ^= 1 << rnd.randrange(8)
    target.write_bytes(bytes(data))
    return target


def rotated_mp4(source: Path, target: Path, degrees: int) -> Path:
    """``source`` with the track's display matrix saying "turn by ``degrees``" (clockwise),
    as phones store portrait video: the pixels stay sideways."""
    data = bytearray(source.read_bytes())
    at = data.find(b"tkhd")
    version = data[at + 4]
    matrix = at + 4 + (24 if version == 0 else 36) + 16
    one = 0x10000
    a, b, c, d = {90: (0, 1, -1, 0), 180: (-1, 0, 0, -1), 270: (0, -1, 1, 0)}[degrees]
    struct.pack_into(">9i", data, matrix, a * one, b * one, 0, c * one, d * one, 0, 0, 0, 1 << 30)
    target.write_bytes(bytes(data))
    return target


def write_with_cover_art(path: Path, frames: Timed, cover: np.ndarray, rate: int = 10) -> Path:
    """An MP4 with a picture track of ``frames`` and ``cover`` as its cover art (a JPEG
    picture stream marked "attached picture", shown by file managers and players)."""
    import av

    out = av.open(str(path), "w")
    try:
        height, width = frames[0][1].shape[:2]
        video = out.add_stream("libx264", rate=rate)
        video.width, video.height, video.pix_fmt = width, height, "yuv420p"
        art = out.add_stream("mjpeg")
        art.width, art.height, art.pix_fmt = cover.shape[1], cover.shape[0], "yuvj420p"
        art.disposition = av.stream.Disposition.attached_pic
        picture = av.VideoFrame.from_ndarray(np.ascontiguousarray(cover), format="rgb24")
        picture.pts = 0
        out.mux(art.encode(picture))
        out.mux(art.encode(None))
        for i, (_t, rgb) in enumerate(frames):
            frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(rgb), format="rgb24")
            frame.pts = i
            out.mux(video.encode(frame))
        out.mux(video.encode(None))
    finally:
        out.close()
    return path
