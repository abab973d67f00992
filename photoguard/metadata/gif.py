"""GIF comments (the Comment Extension) and XMP (the "XMP DataXMP" application extension).

Blocks are walked by their sizes: image data is skipped, never decoded.
"""

from __future__ import annotations

from typing import BinaryIO

from photoguard.metadata import xmp
from photoguard.metadata.fields import Collector

SIGNATURES = (b"GIF87a", b"GIF89a")
XMP_APPLICATION = b"XMP DataXMP"
#: XMP in a GIF is stored raw and ends where a 258-byte "magic trailer" begins
#: (0x01, then 0xFF down to 0x00), which UTF-8 text never contains.
XMP_TRAILER = b"\x01\xff\xfe\xfd"

MAX_BLOCKS = 1_000_000
#: Largest comment or XMP packet read.
MAX_TEXT = 8 << 20


def read_gif(f: BinaryIO, size: int, out: Collector) -> None:
    f.seek(0)
    head = f.read(13)
    if len(head) < 13 or head[:6] not in SIGNATURES:
        out.error("GIF", "not a GIF file")
        return
    pos = 13 + _color_table(head[10])
    for _ in range(MAX_BLOCKS):
        f.seek(pos)
        kind = f.read(1)
        if kind == b";":  # the trailer
            return
        if kind == b",":  # an image: its descriptor, colour table and LZW data
            desc = f.read(9)
            if len(desc) < 9:
                break
            pos = _skip(f, pos + 10 + _color_table(desc[8]) + 1, size)
        elif kind == b"!":
            label = f.read(1)
            start = pos + 2
            if label == b"\xfe":
                pos = _comment(f, start, size, out)
            elif label == b"\xff":
                pos = _application(f, start, size, out)
            else:
                pos = _skip(f, start, size)
        else:
            out.error("GIF", f"unknown block at byte {pos}: the file is damaged")
            return
        if pos < 0:
            break
    else:
        out.error("GIF", f"more than {MAX_BLOCKS} blocks")
        return
    out.error("GIF", "the file ends before its trailer")


def _color_table(flags: int) -> int:
    return 3 * (2 << (flags & 7)) if flags & 0x80 else 0


def _skip(f: BinaryIO, pos: int, size: int) -> int:
    """The position after the sub-blocks starting at ``pos``, or -1 if the file ends first."""
    while pos < size:
        f.seek(pos)
        length = f.read(1)
        if not length:
            return -1
        if length == b"\x00":
            return pos + 1
        pos += 1 + length[0]
    return -1


def _comment(f: BinaryIO, pos: int, size: int, out: Collector) -> int:
    end = _skip(f, pos, size)
    if end < 0:
        return end
    if end - pos > MAX_TEXT:
        out.error("GIF:Comment", "comment too large to check")
        return end
    f.seek(pos)
    raw = f.read(end - pos)
    data = bytearray()
    at = 0
    while at < len(raw) and raw[at]:
        data += raw[at + 1 : at + 1 + raw[at]]
        at += 1 + raw[at]
    try:
        text = bytes(data).decode("utf-8")
    except UnicodeDecodeError:  # GIF says ASCII; old tools wrote Latin-1
        text = bytes(data).decode("latin-1")
    out.text("GIF:Comment", text)
    return end


def _application(f: BinaryIO, pos: int, size: int, out: Collector) -> int:
    f.seek(pos)
    ident = f.read(12)
    end = _skip(f, pos, size)
    if ident[:1] == b"\x0b" and ident[1:] == XMP_APPLICATION and end >= 0:
        f.seek(pos + 12)
        raw = f.read(min(end - pos - 12, MAX_TEXT + len(XMP_TRAILER)))
        packet, found, _ = raw.partition(XMP_TRAILER)
        if not found:
            out.error("GIF:XMP", "the XMP packet has no end, or is too large to check")
        else:
            xmp.read_xmp(packet, out)
    return end
