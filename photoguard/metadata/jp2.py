"""JPEG 2000 (JP2, JPX, and raw J2K codestreams) captions: a small box reader.

Read: XMP (a top-level ``uuid`` box with the XMP UUID, or an ``xml `` box holding an
XMP packet), EXIF and IPTC in their ``uuid`` boxes, other ``xml `` boxes and JPX
``lbl `` labels as text, and the codestream's comment (COM) markers. Boxes are
visited by seeking: a large file costs a few small reads.
"""

from __future__ import annotations

import struct
from typing import BinaryIO

from photoguard.metadata import exif, iptc, xmp
from photoguard.metadata.fields import Collector
from photoguard.metadata.text import decode_text

XMP_UUID = bytes.fromhex("BE7ACFCB97A942E89C71999491E3AFAC")
EXIF_UUID = b"JpgTiffExif->JP2"
IPTC_UUID = bytes.fromhex("33C7A4D2B81D4723A0BAF1A3E097AD38")

#: Superboxes whose boxes are read too (JPX associations, the JP2 header).
SUPERBOXES = frozenset({b"asoc", b"jp2h", b"uinf", b"res "})
MAX_DEPTH = 8
MAX_BOXES = 100_000
#: Largest box read as a whole (bytes).
MAX_VALUE = 8 << 20
#: How far into a codestream comment markers are looked for (the main header).
MAX_MAIN_HEADER = 1 << 20

_SOC = b"\xff\x4f"


class _BoxError(ValueError):
    pass


class _Reader:
    def __init__(self, f: BinaryIO, out: Collector) -> None:
        self.f = f
        self.out = out
        self.boxes = 0

    def read(self, start: int, end: int, limit: int = MAX_VALUE) -> bytes:
        if end - start > limit:
            raise _BoxError(f"a {end - start}-byte box is too large to check")
        self.f.seek(start)
        data = self.f.read(end - start)
        if len(data) != end - start:
            raise _BoxError("the file ends inside a box")
        return data

    def boxes_in(self, start: int, end: int) -> list[tuple[bytes, int, int]]:
        found = []
        pos = start
        while pos + 8 <= end:
            self.boxes += 1
            if self.boxes > MAX_BOXES:
                raise _BoxError(f"more than {MAX_BOXES} boxes")
            size, kind = struct.unpack(">I4s", self.read(pos, pos + 8))
            head = 8
            if size == 1:
                (size,) = struct.unpack(">Q", self.read(pos + 8, pos + 16))
                head = 16
            elif size == 0:
                size = end - pos
            if size < head or pos + size > end:
                raise _BoxError(f"box {kind.decode('latin-1')!r} at byte {pos} has a bad size")
            found.append((kind, pos + head, pos + size))
            pos += size
        return found

    def visit(self, start: int, end: int, depth: int) -> None:
        if depth > MAX_DEPTH:
            raise _BoxError("boxes nested too deep")
        for kind, s, e in self.boxes_in(start, end):
            if kind in SUPERBOXES:
                self.visit(s, e, depth + 1)
            elif kind == b"uuid" and e - s >= 16:
                self.uuid(self.read(s, s + 16), s + 16, e)
            elif kind == b"xml ":
                data = self.read(s, e)
                if b"xmpmeta" in data or b"xpacket" in data:
                    xmp.read_xmp(data, self.out)
                else:
                    self.out.text("JP2:xml", decode_text(data))
            elif kind == b"lbl ":
                self.out.text("JP2:label", decode_text(self.read(s, e)))
            elif kind == b"jp2c":
                self.codestream(s, e)

    def uuid(self, ident: bytes, start: int, end: int) -> None:
        if ident == XMP_UUID:
            xmp.read_xmp(self.read(start, end), self.out)
        elif ident == EXIF_UUID:
            self.f.seek(start)
            if self.f.read(6) == b"Exif\x00\x00":
                start += 6
            exif.read_tiff(self.f, start, end - start, self.out)
        elif ident == IPTC_UUID:
            iptc.read_iim(self.read(start, end), self.out)

    def codestream(self, start: int, end: int) -> None:
        """Comment (COM) markers in the codestream's main header, up to the first tile."""
        if self.read(start, min(start + 2, end)) != _SOC:
            raise _BoxError("the codestream does not start with SOC")
        pos = start + 2
        stop = min(end, start + MAX_MAIN_HEADER)
        while pos + 4 <= stop:
            marker, length = struct.unpack(">HH", self.read(pos, pos + 4))
            if marker in (0xFF90, 0xFF93, 0xFFD9):  # SOT, SOD, EOC: the main header is over
                return
            if marker >> 8 != 0xFF or length < 2:
                raise _BoxError(f"a damaged codestream marker at byte {pos}")
            if marker == 0xFF64 and length >= 4:  # COM: Lcom, Rcom (1 = Latin-1 text), text
                (rcom,) = struct.unpack(">H", self.read(pos + 4, pos + 6))
                if rcom == 1:
                    text = self.read(pos + 6, pos + 2 + length).decode("latin-1")
                    self.out.text("JPEG2000:comment", text)
            pos += 2 + length


def read_jp2(f: BinaryIO, size: int, out: Collector) -> None:
    """The captions of a JP2/JPX file, or of a raw codestream (``.j2k``)."""
    reader = _Reader(f, out)
    try:
        f.seek(0)
        if f.read(2) == _SOC:
            reader.codestream(0, size)
        else:
            reader.visit(0, size, 0)
    except (_BoxError, struct.error, OSError) as exc:
        out.error("JPEG2000", f"could not be read: {exc}")
