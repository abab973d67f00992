"""MP4 / MOV titles and comments: a small ISO base media (box) reader.

Boxes are visited by seeking, so a multi-gigabyte video costs a few small reads.
Read: iTunes-style ``moov/udta/meta/ilst`` items (©nam, ©cmt, ©des, desc, ldes),
Apple's ``moov/meta/keys`` + ``ilst`` (com.apple.quicktime.title, ...), QuickTime
``moov/udta`` text atoms (©nam, ©cmt, ©des, ©inf), 3GPP ``titl``/``dscp``, and XMP
(the top-level XMP uuid box, or ``udta/XMP_``).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from typing import BinaryIO

from photoguard.metadata import xmp
from photoguard.metadata.fields import Collector
from photoguard.metadata.text import decode_text

ILST_ITEMS = {
    b"\xa9nam": "MP4:title",
    b"\xa9cmt": "MP4:comment",
    b"\xa9des": "MP4:description",
    b"desc": "MP4:description",
    b"ldes": "MP4:long-description",
}
QUICKTIME_TEXT = {
    b"\xa9nam": "QuickTime:title",
    b"\xa9cmt": "QuickTime:comment",
    b"\xa9des": "QuickTime:description",
    b"\xa9inf": "QuickTime:information",
}
THREE_GPP_TEXT = {b"titl": "3GPP:title", b"dscp": "3GPP:description"}
#: Apple metadata keys (moov/meta/keys) whose values are captions.
KEY_SUFFIXES = (".title", ".description", ".comment", ".keywords", ".information")
XMP_UUID = bytes.fromhex("BE7ACFCB97A942E89C71999491E3AFAC")

MAX_DEPTH = 8
MAX_BOXES = 100_000
#: Largest value read from one box (bytes).
MAX_VALUE = 1 << 20
MAX_XMP = 8 << 20


class BoxError(ValueError):
    pass


@dataclass
class _Walk:
    f: BinaryIO
    out: Collector
    boxes: int = 0
    keys: dict[int, str] = field(default_factory=dict)

    def read(self, start: int, end: int, limit: int = MAX_VALUE) -> bytes:
        if end - start > limit:
            raise BoxError(f"a {end - start}-byte value is too large to check")
        self.f.seek(start)
        data = self.f.read(end - start)
        if len(data) != end - start:
            raise BoxError("the file ends inside a box")
        return data

    def boxes_in(self, start: int, end: int) -> list[tuple[bytes, int, int]]:
        """(type, body start, body end) of each box in [start, end)."""
        found = []
        pos = start
        while pos + 8 <= end:
            self.boxes += 1
            if self.boxes > MAX_BOXES:
                raise BoxError(f"more than {MAX_BOXES} boxes")
            size, kind = struct.unpack(">I4s", self.read(pos, pos + 8))
            head = 8
            if size == 1:
                (size,) = struct.unpack(">Q", self.read(pos + 8, pos + 16))
                head = 16
            elif size == 0:
                size = end - pos
            if size < head or pos + size > end:
                raise BoxError(f"box {_name(kind)} at byte {pos} has a bad size")
            found.append((kind, pos + head, pos + size))
            pos += size
        return found


def _name(kind: bytes) -> str:
    return kind.decode("latin-1")


def read_mp4(f: BinaryIO, size: int, out: Collector) -> None:
    walk = _Walk(f, out)
    try:
        for kind, start, end in walk.boxes_in(0, size):
            if kind == b"moov":
                _container(walk, start, end, 1, b"moov")
            elif kind == b"uuid" and walk.read(start, min(start + 16, end)) == XMP_UUID:
                xmp.read_xmp(walk.read(start + 16, end, MAX_XMP), out)
    except (BoxError, struct.error, OSError) as exc:
        out.error("MP4", f"could not be read: {exc}")


def _container(walk: _Walk, start: int, end: int, depth: int, parent: bytes) -> None:
    if depth > MAX_DEPTH:
        raise BoxError("boxes nested too deep")
    for kind, s, e in walk.boxes_in(start, end):
        if kind in (b"udta", b"ilst"):
            _container(walk, s, e, depth + 1, kind)
        elif kind == b"meta":
            _meta(walk, s, e, depth + 1)
        elif parent == b"ilst":
            _ilst_item(walk, kind, s, e)
        elif parent == b"udta":
            _udta_item(walk, kind, s, e)


def _meta(walk: _Walk, start: int, end: int, depth: int) -> None:
    """An ISO meta box has 4 bytes of version and flags; a QuickTime one does not."""
    peek = walk.read(start, min(start + 8, end))
    if len(peek) < 8 or peek[4:8] not in (b"hdlr", b"keys", b"ilst", b"free"):
        start += 4
    saved = walk.keys
    walk.keys = {}
    try:
        for kind, s, e in walk.boxes_in(start, end):
            if kind == b"keys":
                walk.keys = _keys(walk.read(s, e))
            elif kind == b"ilst":
                _container(walk, s, e, depth + 1, b"ilst")
    finally:
        walk.keys = saved


def _keys(data: bytes) -> dict[int, str]:
    """Apple keys box: version/flags, count, then (size, namespace, name) entries, from 1."""
    keys: dict[int, str] = {}
    (count,) = struct.unpack(">I", data[4:8])
    pos = 8
    for index in range(1, count + 1):
        if pos + 8 > len(data):
            raise BoxError("keys box is truncated")
        (size,) = struct.unpack(">I", data[pos : pos + 4])
        if size < 8 or pos + size > len(data):
            raise BoxError("keys box has a bad entry")
        keys[index] = data[pos + 8 : pos + size].decode("utf-8", errors="replace")
        pos += size
    return keys


def _ilst_item(walk: _Walk, kind: bytes, start: int, end: int) -> None:
    field_name = ILST_ITEMS.get(kind)
    if field_name is None and walk.keys:
        key = walk.keys.get(int.from_bytes(kind, "big"), "")
        if key.endswith(KEY_SUFFIXES):
            field_name = f"QuickTime:{key}"
    if field_name is None:
        return
    try:
        for sub, s, e in walk.boxes_in(start, end):
            if sub == b"data":
                text = _data_value(walk.read(s, e))
                if text is not None:
                    walk.out.text(field_name, text)
    except BoxError as exc:  # this item only: the other boxes are still read
        walk.out.error(field_name, f"could not be read: {exc}")


def _data_value(data: bytes) -> str | None:
    """A 'data' box: type indicator, locale, value. Only text types are read."""
    if len(data) < 8:
        raise BoxError("data box is truncated")
    well_known = int.from_bytes(data[1:4], "big")
    value = data[8:]
    if well_known in (1, 4):
        return value.decode("utf-8", errors="replace")
    if well_known in (2, 5):
        return value.decode("utf-16-be", errors="replace")
    return None


def _udta_item(walk: _Walk, kind: bytes, start: int, end: int) -> None:
    try:
        _udta_value(walk, kind, start, end)
    except BoxError as exc:  # this item only: the other boxes are still read
        name = QUICKTIME_TEXT.get(kind) or THREE_GPP_TEXT.get(kind) or f"MP4:{_name(kind)}"
        walk.out.error(name, f"could not be read: {exc}")


def _udta_value(walk: _Walk, kind: bytes, start: int, end: int) -> None:
    if kind == b"XMP_":
        xmp.read_xmp(walk.read(start, end, MAX_XMP), walk.out)
        return
    if kind in QUICKTIME_TEXT:
        data = walk.read(start, end)
        if data[4:8] == b"data":  # an iTunes-style item placed directly in udta
            _ilst_item(walk, kind, start, end)
            return
        for text in _quicktime_texts(data):
            walk.out.text(QUICKTIME_TEXT[kind], text)
    elif kind in THREE_GPP_TEXT:
        data = walk.read(start, end)
        walk.out.text(THREE_GPP_TEXT[kind], _three_gpp_text(data))


def _quicktime_texts(data: bytes) -> list[str]:
    """QuickTime user-data text: (16-bit length, 16-bit language, text) entries."""
    texts = []
    pos = 0
    while pos + 4 <= len(data):
        length, _language = struct.unpack(">HH", data[pos : pos + 4])
        if pos + 4 + length > len(data):
            raise BoxError("QuickTime text entry runs past its box")
        raw = data[pos + 4 : pos + 4 + length]
        texts.append(decode_text(raw))  # UTF-8, a BOM'd UTF-16, or Mac Roman (close to 1252)
        pos += 4 + length
    return texts


def _three_gpp_text(data: bytes) -> str:
    """3GPP titl/dscp: version/flags, packed language, then UTF-8 or BOM'd UTF-16 text."""
    return decode_text(data[6:].rstrip(b"\x00"))
