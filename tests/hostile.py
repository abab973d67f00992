"""Hostile files, written by the tests: each is small on disk and misleading inside.

Shared by the fail-closed tests. Every writer returns the path it wrote.
"""

from __future__ import annotations

import io
import os
import struct
import zlib
from pathlib import Path

from PIL import Image


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_claiming(path: Path, width: int, height: int, rows: int | None = None) -> Path:
    """An 8-bit grey PNG whose header says ``width`` x ``height``; ``rows`` rows of zero
    pixels are really compressed in (all of them by default: a decompression bomb)."""
    co = zlib.compressobj(9)
    row = b"\x00" * (width + 1)  # filter byte + pixels
    parts = [co.compress(row) for _ in range(height if rows is None else rows)]
    data = b"".join(parts) + co.flush()
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", ihdr) + _chunk(b"IDAT", data) + _chunk(b"IEND", b"")
    )
    return path


def jpeg_claiming(path: Path, width: int, height: int) -> Path:
    """A 16 x 16 JPEG whose frame header (SOF0) says ``width`` x ``height``."""
    buf = io.BytesIO()
    Image.new("RGB", (16, 16), (200, 120, 60)).save(buf, "JPEG")
    data = bytearray(buf.getvalue())
    sof = data.find(b"\xff\xc0")
    struct.pack_into(">HH", data, sof + 5, height, width)
    path.write_bytes(bytes(data))
    return path


def gif_with_screen(path: Path, width: int, height: int) -> Path:
    """A 4 x 4 GIF whose logical screen is ``width`` x ``height``."""
    buf = io.BytesIO()
    Image.new("P", (4, 4)).save(buf, "GIF")
    data = bytearray(buf.getvalue())
    struct.pack_into("<HH", data, 6, width, height)
    path.write_bytes(bytes(data))
    return path


def tiff_second_page_claiming(path: Path, width: int, height: int) -> Path:
    """A two-page TIFF: page one is 8 x 8, page two's header says ``width`` x ``height``."""
    buf = io.BytesIO()
    Image.new("L", (8, 8)).save(buf, "TIFF", save_all=True, append_images=[Image.new("L", (9, 7))])
    data = bytearray(buf.getvalue())
    assert data[:2] == b"II"
    offset = struct.unpack_from("<I", data, 4)[0]
    ifds = []
    while offset:
        ifds.append(offset)
        count = struct.unpack_from("<H", data, offset)[0]
        offset = struct.unpack_from("<I", data, offset + 2 + 12 * count)[0]
    second = ifds[1]
    for k in range(struct.unpack_from("<H", data, second)[0]):
        entry = second + 2 + 12 * k
        tag, kind = struct.unpack_from("<HH", data, entry)
        if tag in (256, 257):
            value = width if tag == 256 else height
            struct.pack_into("<H" if kind == 3 else "<I", data, entry + 8, value)
    path.write_bytes(bytes(data))
    return path


def with_corrupt_exif(path: Path, source: Path) -> Path:
    """``source`` (a JPEG) with an EXIF block whose directory points past its end."""
    data = source.read_bytes()
    assert data[:2] == b"\xff\xd8"
    tiff = b"II*\x00" + struct.pack("<I", 8) + struct.pack("<H", 40) + b"\xff" * 37
    body = b"Exif\x00\x00" + tiff
    app1 = b"\xff\xe1" + struct.pack(">H", len(body) + 2) + body
    path.write_bytes(data[:2] + app1 + data[2:])
    return path


def mp4_without_tracks(path: Path) -> Path:
    """An MP4 container (ftyp, mdat, moov with a movie header) holding no track at all."""

    def box(kind: bytes, payload: bytes) -> bytes:
        return struct.pack(">I", 8 + len(payload)) + kind + payload

    mvhd = box(b"mvhd", bytes(4) + bytes(8) + struct.pack(">II", 1000, 0) + bytes(80))
    path.write_bytes(
        box(b"ftyp", b"isom" + struct.pack(">I", 512) + b"isomiso2mp41")
        + box(b"mdat", b"")
        + box(b"moov", mvhd)
    )
    return path


def mp4_with_empty_track(path: Path) -> Path:
    """An MP4 with a video track whose sample tables list no sample."""
    import cv2
    import numpy as np

    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), 25, (64, 48))
    writer.write(np.zeros((48, 64, 3), np.uint8))
    writer.release()
    data = bytearray(path.read_bytes())
    for kind, at in ((b"stsz", 12), (b"stts", 8), (b"stco", 8), (b"stsc", 8)):
        i = data.find(kind)
        assert i > 0, kind
        struct.pack_into(">I", data, i + at, 0)
    path.write_bytes(bytes(data))
    return path


def video_cut_short(path: Path, source: Path, keep: float) -> Path:
    """``source`` (an MP4 with its index at the end) with only the first ``keep`` share of
    its frame data: the index still promises every frame, the later ones are gone."""
    data = source.read_bytes()
    mdat = data.find(b"mdat") - 4
    moov = data.find(b"moov") - 4
    assert 0 < mdat < moov, "needs frame data before the index"
    cut = int((moov - mdat - 8) * keep)
    body = data[mdat + 8 : mdat + 8 + cut]
    path.write_bytes(data[:mdat] + struct.pack(">I", 8 + cut) + b"mdat" + body + data[moov:])
    return path


def non_utf8_name(folder: Path, raw_name: bytes, content: bytes) -> Path:
    """Write ``content`` under a file name that is not valid UTF-8 (Linux allows it)."""
    target = os.path.join(os.fsencode(folder), raw_name)
    with open(target, "wb") as f:
        f.write(content)
    return Path(os.fsdecode(target))
