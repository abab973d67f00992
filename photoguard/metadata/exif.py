"""EXIF (and TIFF) caption tags: ImageDescription, UserComment, the Windows XP* tags.

A small reader of the TIFF structure that reads only the tags it needs, each
checked against the size of the block before anything is read. (piexif.load
builds a struct format string as long as a tag's declared count: a damaged or
hostile tag declaring four billion bytes makes it allocate gigabytes, and it
reads a whole TIFF file into memory. We still write test files with piexif.)

A TIFF file is read in place, seeking to the tags, so a large scan costs a few reads.
"""

from __future__ import annotations

import struct
from typing import BinaryIO

from photoguard.metadata import iptc, xmp
from photoguard.metadata.fields import Collector
from photoguard.metadata.text import decode_text, decode_utf16

#: Bytes per value of each TIFF field type (types 13 and 16-18 are IFD and BigTIFF types).
TYPE_SIZES = {1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 6: 1, 7: 1, 8: 2, 9: 4, 10: 8, 11: 4, 12: 8, 13: 4}

#: IFD0 tags that carry text a person wrote.
IFD0_TEXT = {
    0x010E: "EXIF:ImageDescription",
    0x013B: "EXIF:Artist",
    0x9C9B: "EXIF:XPTitle",
    0x9C9C: "EXIF:XPComment",
    0x9C9D: "EXIF:XPAuthor",
    0x9C9E: "EXIF:XPKeywords",
    0x9C9F: "EXIF:XPSubject",
}
XP_TAGS = frozenset({0x9C9B, 0x9C9C, 0x9C9D, 0x9C9E, 0x9C9F})
EXIF_IFD_POINTER = 0x8769
USER_COMMENT = 0x9286
TIFF_XMP = 700
TIFF_IPTC = 33723
TIFF_PHOTOSHOP = 34377

#: Most entries an IFD may have before we call it damaged (real files: under 100).
MAX_ENTRIES = 4096
#: Largest single tag value read (bytes); XMP in a TIFF gets more room.
MAX_VALUE = 1 << 20
MAX_XMP_VALUE = 8 << 20


class _Tiff:
    def __init__(self, f: BinaryIO, start: int, length: int) -> None:
        self.f = f
        self.start = start
        self.length = length
        f.seek(start)
        head = f.read(8)
        if len(head) < 8 or head[:2] not in (b"II", b"MM"):
            raise ValueError("no TIFF header")
        self.big_endian = head[:2] == b"MM"
        self.bo = ">" if self.big_endian else "<"
        magic, self.ifd0 = struct.unpack(self.bo + "HI", head[2:8])
        if magic == 43:
            raise ValueError("BigTIFF is not supported")
        if magic != 42:
            raise ValueError("no TIFF header")

    def read(self, offset: int, size: int) -> bytes:
        if offset < 0 or size < 0 or offset + size > self.length:
            raise ValueError(f"points outside the block (offset {offset}, {size} bytes)")
        self.f.seek(self.start + offset)
        data = self.f.read(size)
        if len(data) != size:
            raise ValueError("the file ends inside the tag")
        return data

    def entries(self, offset: int) -> dict[int, tuple[int, int, bytes]]:
        """tag -> (type, count, the 4-byte value-or-offset field)."""
        (n,) = struct.unpack(self.bo + "H", self.read(offset, 2))
        if n > MAX_ENTRIES:
            raise ValueError(f"an IFD claims {n} entries")
        raw = self.read(offset + 2, 12 * n)
        out: dict[int, tuple[int, int, bytes]] = {}
        for i in range(n):
            tag, typ, count = struct.unpack(self.bo + "HHI", raw[12 * i : 12 * i + 8])
            out.setdefault(tag, (typ, count, raw[12 * i + 8 : 12 * i + 12]))
        return out

    def value(self, entry: tuple[int, int, bytes], limit: int = MAX_VALUE) -> bytes:
        typ, count, field = entry
        size = TYPE_SIZES.get(typ)
        if size is None:
            raise ValueError(f"unknown field type {typ}")
        total = size * count
        if total > limit:
            raise ValueError(f"declares {total} bytes, more than the {limit} read")
        if total <= 4:
            return field[:total]
        (offset,) = struct.unpack(self.bo + "I", field)
        return self.read(offset, total)

    def pointer(self, entry: tuple[int, int, bytes]) -> int:
        typ, count, field = entry
        if typ not in (4, 13) or count < 1:
            raise ValueError("the Exif IFD pointer is not an offset")
        (offset,) = struct.unpack(self.bo + "I", field)
        return int(offset)


def read_tiff(f: BinaryIO, start: int, length: int, out: Collector, block: str = "EXIF") -> None:
    """The TIFF structure in ``f[start:start + length]``: an EXIF block or a whole TIFF file."""
    try:
        tiff = _Tiff(f, start, length)
        ifd0 = tiff.entries(tiff.ifd0)
    except (ValueError, struct.error, OSError) as exc:
        out.error(block, f"could not be read: {exc}")
        return
    for tag, field in IFD0_TEXT.items():
        if tag in ifd0:
            try:
                data = tiff.value(ifd0[tag])
            except (ValueError, struct.error, OSError) as exc:
                out.error(field, f"could not be read: {exc}")
                continue
            out.text(field, decode_xp(data) if tag in XP_TAGS else decode_ascii(data))
    if EXIF_IFD_POINTER in ifd0:
        try:
            exif_ifd = tiff.entries(tiff.pointer(ifd0[EXIF_IFD_POINTER]))
            if USER_COMMENT in exif_ifd:
                comment = tiff.value(exif_ifd[USER_COMMENT])
                out.text("EXIF:UserComment", decode_user_comment(comment, tiff.big_endian))
        except (ValueError, struct.error, OSError) as exc:
            out.error("EXIF:UserComment", f"could not be read: {exc}")
    for tag, name, limit in (
        (TIFF_XMP, "XMP", MAX_XMP_VALUE),
        (TIFF_IPTC, "IPTC", MAX_VALUE),
        (TIFF_PHOTOSHOP, "IPTC", MAX_VALUE),
    ):
        if tag not in ifd0:
            continue
        try:
            data = tiff.value(ifd0[tag], limit)
        except (ValueError, struct.error, OSError) as exc:
            out.error(name, f"could not be read from TIFF tag {tag}: {exc}")
            continue
        if tag == TIFF_XMP:
            xmp.read_xmp(data, out)
        elif tag == TIFF_IPTC:
            iptc.read_iim(data, out)
        else:
            iptc.read_photoshop(data, out)


def decode_ascii(data: bytes) -> str:
    """An ASCII tag; several strings may be separated by NULs. Often UTF-8 in practice."""
    return decode_text(data.rstrip(b"\x00")).replace("\x00", " ")


def decode_xp(data: bytes) -> str:
    """Windows XPTitle & co.: UTF-16LE whatever the file's byte order."""
    return data[: len(data) & ~1].decode("utf-16-le", errors="replace").rstrip("\x00")


_USER_COMMENT_ASCII = b"ASCII\x00\x00\x00"
_USER_COMMENT_UNICODE = b"UNICODE\x00"
_USER_COMMENT_JIS = b"JIS\x00\x00\x00\x00\x00"
_USER_COMMENT_UNDEFINED = b"\x00" * 8


def decode_user_comment(data: bytes, big_endian: bool) -> str:
    """EXIF UserComment: an 8-byte character-code prefix, then the text.

    UNICODE is UTF-16 in the file's byte order, though some writers use
    little-endian in big-endian files: the order is checked against the text.
    """
    head, body = data[:8], data[8:]
    if head == _USER_COMMENT_UNICODE:
        return decode_utf16(body, big_endian).rstrip("\x00")
    if head == _USER_COMMENT_JIS:
        return decode_jis(body)
    if head in (_USER_COMMENT_ASCII, _USER_COMMENT_UNDEFINED):
        return decode_text(body.rstrip(b"\x00 "))
    return decode_text(data.rstrip(b"\x00 "))  # no known prefix: read it all


def decode_jis(data: bytes) -> str:
    """JIS X 0208 text: ISO-2022-JP if it has escapes, else raw two-byte JIS (EUC-JP
    without its high bits). A space or an odd length cannot be raw JIS: then it is
    plain text with the wrong prefix."""
    data = data.rstrip(b"\x00 ")
    if b"\x1b" in data:
        try:
            return data.decode("iso2022_jp")
        except UnicodeDecodeError:
            pass
    elif data and b" " not in data and len(data) % 2 == 0 and max(data) < 0x80:
        try:
            return bytes(b | 0x80 for b in data).decode("euc_jp")
        except UnicodeDecodeError:
            pass
    return decode_text(data)
