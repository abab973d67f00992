"""MP4 / MOV titles, comments, artists, albums and keywords: a small ISO base media
(box) reader.

Boxes are visited by seeking, so a multi-gigabyte video costs a few small reads.
Read: iTunes-style ``moov/udta/meta/ilst`` items (title, comment, description,
artist, album, keywords, composer, ... see ITEMS, and ``----`` free-form items),
Apple's ``moov/meta/keys`` + ``ilst`` (every key but the camera's make, model,
software and date: com.apple.quicktime.title, .artist, ..., and bare keys as ffmpeg
writes them), QuickTime ``moov/udta`` text atoms (©nam,
©cmt, ©ART, ©key, ...), 3GPP ``titl``/``dscp``/``auth``/``perf``/``albm``/``kywd``,
the same inside each track's ``udta``, and XMP (the XMP uuid box at the top or in
``moov``, or ``udta/XMP_``).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from typing import BinaryIO

from photoguard.metadata import xmp
from photoguard.metadata.fields import Collector
from photoguard.metadata.text import decode_text

#: Item and atom types that hold text a person wrote, and the name each is reported
#: under ("MP4:artist" in ilst, "QuickTime:artist" as a udta text atom).
ITEMS = {
    b"\xa9nam": "title",
    b"\xa9cmt": "comment",
    b"\xa9des": "description",
    b"desc": "description",
    b"ldes": "long-description",
    b"\xa9inf": "information",
    b"\xa9ART": "artist",
    b"aART": "album-artist",
    b"\xa9alb": "album",
    b"\xa9wrt": "composer",
    b"\xa9com": "composer",
    b"\xa9aut": "author",
    b"\xa9dir": "director",
    b"\xa9prd": "producer",
    b"\xa9prf": "performers",
    b"\xa9ope": "original-artist",
    b"\xa9con": "conductor",
    b"\xa9sol": "soloist",
    b"\xa9arg": "arranger",
    b"\xa9ard": "art-director",
    b"\xa9nrt": "narrator",
    b"\xa9pub": "publisher",
    b"\xa9src": "credits",
    b"\xa9grp": "grouping",
    b"\xa9lyr": "lyrics",
    b"\xa9gen": "genre",
    b"\xa9st3": "subtitle",
    b"\xa9key": "keywords",
    b"keyw": "keywords",
    b"catg": "category",
    b"cprt": "copyright",
    b"\xa9cpy": "copyright",
    b"\xa9url": "url",
    b"\xa9PRD": "product",
    b"tvsh": "show",
    b"tven": "episode-id",
    b"tvnn": "network",
    b"sonm": "sort-title",
    b"soar": "sort-artist",
    b"soaa": "sort-album-artist",
    b"soal": "sort-album",
    b"soco": "sort-composer",
    b"sosn": "sort-show",
}
ILST_ITEMS = {kind: f"MP4:{name}" for kind, name in ITEMS.items()}
QUICKTIME_TEXT = {
    kind: f"QuickTime:{name}" for kind, name in ITEMS.items() if kind.startswith(b"\xa9")
}
THREE_GPP_TEXT = {
    b"titl": "3GPP:title",
    b"dscp": "3GPP:description",
    b"auth": "3GPP:author",
    b"perf": "3GPP:performer",
    b"albm": "3GPP:album",
    b"gnre": "3GPP:genre",
    b"cprt": "3GPP:copyright",
}
THREE_GPP_KEYWORDS = b"kywd"
#: Apple metadata keys (moov/meta/keys, and ffmpeg's use_metadata_tags): every text
#: value is read ("com.apple.quicktime.title", ".artist", or "album_artist" alone),
#: except these, which a camera writes and a person does not (by their last part).
MACHINE_KEYS = frozenset({"make", "model", "software", "creationdate"})
XMP_UUID = bytes.fromhex("BE7ACFCB97A942E89C71999491E3AFAC")
#: Longest free-form item or key name kept in a field name.
MAX_LABEL = 40

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
        if kind in (b"udta", b"ilst") or (kind == b"trak" and parent == b"moov"):
            _container(walk, s, e, depth + 1, kind)
        elif kind == b"uuid" and walk.read(s, min(s + 16, e)) == XMP_UUID:
            xmp.read_xmp(walk.read(s + 16, e, MAX_XMP), walk.out)
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
        key = walk.keys.get(int.from_bytes(kind, "big"))
        if key is not None and key.rsplit(".", 1)[-1].lower() not in MACHINE_KEYS:
            field_name = f"QuickTime:{_label(key)}"
    free_form = field_name is None and kind == b"----"
    if field_name is None and not free_form:
        return
    field_name = field_name or "MP4:----"
    try:
        texts = []
        for sub, s, e in walk.boxes_in(start, end):
            if sub == b"data":
                text = _data_value(walk.read(s, e))
                if text is not None:
                    texts.append(text)
            elif sub == b"name" and free_form:  # version/flags, then the item's name
                field_name = f"MP4:----:{_label(decode_text(walk.read(s, e)[4:]))}"
        for text in texts:
            walk.out.text(field_name, text)
    except BoxError as exc:  # this item only: the other boxes are still read
        walk.out.error(field_name, f"could not be read: {exc}")


def _label(name: str) -> str:
    """A key or item name as part of a field name: printable, not too long."""
    return "".join(c for c in name if c.isprintable() and c not in ":\n\r")[:MAX_LABEL]


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
        name = QUICKTIME_TEXT.get(kind) or THREE_GPP_TEXT.get(kind) or f"MP4:{_label(_name(kind))}"
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
    elif kind == THREE_GPP_KEYWORDS:
        for text in _three_gpp_keywords(walk.read(start, end)):
            walk.out.text("3GPP:keywords", text)
    elif kind == b"name":  # a track's name (QuickTime): the text, nothing else
        walk.out.text("QuickTime:name", decode_text(walk.read(start, end).rstrip(b"\x00")))


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


def _three_gpp_keywords(data: bytes) -> list[str]:
    """3GPP kywd: version/flags, packed language, a count, then (length, text) entries."""
    if len(data) < 7:
        raise BoxError("keywords box is truncated")
    count, pos = data[6], 7
    texts = []
    for _ in range(count):
        if pos >= len(data) or pos + 1 + data[pos] > len(data):
            raise BoxError("keywords box is truncated")
        texts.append(decode_text(data[pos + 1 : pos + 1 + data[pos]].rstrip(b"\x00")))
        pos += 1 + data[pos]
    return texts
