"""WebP: the EXIF and XMP chunks of its RIFF container."""

from __future__ import annotations

import io
import struct
from typing import BinaryIO

from photoguard.metadata import exif, xmp
from photoguard.metadata.fields import Collector

MAX_CHUNKS = 10_000
MAX_CHUNK = 8 << 20


def read_webp(f: BinaryIO, size: int, out: Collector) -> None:
    f.seek(0)
    head = f.read(12)
    if len(head) < 12 or head[:4] != b"RIFF" or head[8:12] != b"WEBP":
        out.error("WebP", "not a WebP file")
        return
    end = min(size, 8 + struct.unpack("<I", head[4:8])[0])
    pos = 12
    for _ in range(MAX_CHUNKS):
        if pos + 8 > end:
            return
        f.seek(pos)
        kind, length = struct.unpack("<4sI", f.read(8))
        if pos + 8 + length > end:
            out.error("WebP", f"chunk {kind.decode('latin-1')!r} runs past the end of the file")
            return
        if kind in (b"EXIF", b"XMP "):
            if length > MAX_CHUNK:
                out.error("WebP", "metadata chunk too large to check")
            else:
                data = f.read(length)
                if kind == b"XMP ":
                    xmp.read_xmp(data, out)
                else:
                    start = 6 if data.startswith(b"Exif\x00\x00") else 0
                    exif.read_tiff(io.BytesIO(data), start, len(data) - start, out)
        pos += 8 + length + (length & 1)
    out.error("WebP", f"more than {MAX_CHUNKS} chunks")
