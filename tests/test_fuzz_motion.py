"""Damaged motion photos: finding the embedded video never raises, and what it returns
stays inside the file (media/motion.py reads every byte of hostile files)."""

from __future__ import annotations

import io
import struct
import tempfile
from pathlib import Path

from fuzzing import FUZZ, assert_one_line
from hypothesis import given
from hypothesis import strategies as st
from motionphotos import google_motion_xmp
from PIL import Image
from test_fuzz_metadata import mutated

from photoguard.media.motion import MotionVideos, find_embedded_videos


def _box(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", 8 + len(payload)) + kind + payload


MP4 = (
    _box(b"ftyp", b"isom\x00\x00\x02\x00isomiso2mp41")
    + _box(b"moov", _box(b"mvhd", b"\x00" * 100))
    + _box(b"mdat", b"\x00" * 64)
)


def _jpeg(xmp: str | None) -> bytes:
    out = io.BytesIO()
    options = {"xmp": xmp.encode()} if xmp else {}
    Image.new("RGB", (16, 16), (90, 120, 150)).save(out, "JPEG", **options)
    return out.getvalue()


GOOGLE = _jpeg(google_motion_xmp(len(MP4))) + MP4
SAMSUNG = _jpeg(None) + b"\x00\x00\x30\x0a" + struct.pack("<I", 16) + b"MotionPhoto_Data" + MP4


def _heic() -> bytes:
    import pillow_heif

    pillow_heif.register_heif_opener()
    out = io.BytesIO()
    Image.new("RGB", (16, 16), (90, 120, 150)).save(out, "HEIF")
    return out.getvalue() + _box(b"mpvd", MP4)


HEIC = _heic()


def _find(data: bytes) -> MotionVideos:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "photo.jpg"
        path.write_bytes(data)
        found = find_embedded_videos(path)
    for video in found.videos:
        assert video.offset >= 0 and video.length >= 0
        assert video.offset + video.length <= len(data)
    if found.problem is not None:
        assert_one_line(found.problem)
    return found


def test_the_samples_hold_one_video_each() -> None:
    for sample in (GOOGLE, SAMSUNG, HEIC):
        (video,) = _find(sample).videos
        assert sample[video.offset : video.offset + video.length] == MP4


@FUZZ
@given(mutated(GOOGLE))
def test_damaged_google_motion_photos(data: bytes) -> None:
    _find(data)


@FUZZ
@given(mutated(SAMSUNG))
def test_damaged_samsung_motion_photos(data: bytes) -> None:
    _find(data)


@FUZZ
@given(mutated(HEIC))
def test_damaged_heic_motion_photos(data: bytes) -> None:
    _find(data)


@FUZZ
@given(st.binary(max_size=4096))
def test_random_bytes_after_a_jpeg_start(data: bytes) -> None:
    _find(b"\xff\xd8\xff" + data)
