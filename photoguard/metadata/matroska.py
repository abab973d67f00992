"""Matroska and WebM (.mkv, .webm, .mka): titles, tags, track and chapter names.

A small EBML reader. Elements are visited by seeking, so clusters of video are
skipped with one small read each, never read. Read: the segment title and file
names (``Info``), every ``SimpleTag`` string in ``Tags`` (TITLE, ARTIST, COMMENT,
DESCRIPTION, KEYWORDS, ... whatever its name, nested tags included), track names,
chapter and edition titles, and attachment names and descriptions. Every segment
of the file is read (a file may hold several one after the other).

Damage ends the reading with one error for the file ("Matroska: could not be
read: ..."): the tags are often at the end, after the video, so what comes after
a bad element cannot be known to be free of names.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import BinaryIO

from photoguard.metadata.fields import Collector

EBML_HEADER = 0x1A45DFA3
SEGMENT = 0x18538067
VOID = 0xEC
CRC32 = 0xBF

SEEK_HEAD = 0x114D9B74
INFO = 0x1549A966
TRACKS = 0x1654AE6B
CLUSTER = 0x1F43B675
CUES = 0x1C53BB6B
CHAPTERS = 0x1043A770
TAGS = 0x1254C367
ATTACHMENTS = 0x1941A469
#: What a Segment holds; a Cluster of unknown size ends where one of these begins.
SEGMENT_CHILDREN = frozenset({SEEK_HEAD, INFO, TRACKS, CLUSTER, CUES, CHAPTERS, TAGS, ATTACHMENTS})

#: Info: texts a person may have written (file names included: "Liam_OBrien.mkv").
INFO_TEXT = {
    0x7BA9: "Matroska:Title",
    0x7384: "Matroska:SegmentFilename",
    0x3C83AB: "Matroska:PrevFilename",
    0x3E83BB: "Matroska:NextFilename",
}
TRACK_ENTRY = 0xAE
TRACK_NAME = 0x536E
TAG = 0x7373
SIMPLE_TAG = 0x67C8
TAG_NAME = 0x45A3
TAG_STRING = 0x4487
EDITION_ENTRY = 0x45B9
EDITION_DISPLAY = 0x4520
EDITION_STRING = 0x4521
CHAPTER_ATOM = 0xB6
CHAPTER_DISPLAY = 0x80
CHAP_STRING = 0x85
ATTACHED_FILE = 0x61A7
FILE_NAME = 0x466E
FILE_DESCRIPTION = 0x467E

#: Most element headers read from one file. A two-hour film with 1-second clusters
#: has about 10,000 of them at the level read; a file of unknown-size clusters has
#: one per frame.
MAX_ELEMENTS = 2_000_000
#: Deepest nesting of tags and chapters (real files: 2 or 3).
MAX_DEPTH = 16
#: Largest text value read (bytes).
MAX_VALUE = 1 << 20
#: Most zero bytes accepted after the last segment (padding; anything else is an error).
MAX_PADDING = 1 << 20
#: Longest tag name kept in a field name ("Matroska:Tag:DESCRIPTION").
MAX_TAG_NAME = 40


class EbmlError(ValueError):
    pass


class _Reader:
    def __init__(self, f: BinaryIO, size: int, out: Collector) -> None:
        self.f = f
        self.size = size
        self.out = out
        self.elements = 0

    def element(self, pos: int, end: int) -> tuple[int, int, int | None]:
        """(ID, data start, data end or None for an unknown size) of the element at ``pos``."""
        self.elements += 1
        if self.elements > MAX_ELEMENTS:
            raise EbmlError(f"more than {MAX_ELEMENTS} elements")
        self.f.seek(pos)
        head = self.f.read(12)
        if not head:
            raise EbmlError(f"the file ends inside an element at byte {pos}")
        length = _vint_length(head[0], 4)
        if length is None or len(head) < length:
            raise EbmlError(f"bad element ID at byte {pos}")
        eid = int.from_bytes(head[:length], "big")
        size_length = _vint_length(head[length], 8) if len(head) > length else None
        if size_length is None or len(head) < length + size_length:
            raise EbmlError(f"bad element size at byte {pos}")
        raw = head[length : length + size_length]
        value = int.from_bytes(raw, "big") & ((1 << (7 * size_length)) - 1)
        start = pos + length + size_length
        if value == (1 << (7 * size_length)) - 1:
            return eid, start, None
        stop = start + value
        if stop > end:
            raise EbmlError(f"element {eid:X} at byte {pos} runs past its parent or the file")
        return eid, start, stop

    def children(self, start: int, end: int) -> Iterator[tuple[int, int, int]]:
        pos = start
        while pos < end:
            eid, s, e = self.element(pos, end)
            if e is None:
                raise EbmlError(f"element {eid:X} at byte {pos} has no size")
            yield eid, s, e
            pos = e

    def text(self, start: int, end: int, field: str) -> str | None:
        if end - start > MAX_VALUE:
            self.out.error(field, f"a {end - start}-byte value is too large to check")
            return None
        self.f.seek(start)
        data = self.f.read(end - start)
        if len(data) != end - start:
            raise EbmlError("the file ends inside a value")
        return data.rstrip(b"\x00").decode("utf-8", errors="replace")

    def emit(self, start: int, end: int, field: str) -> None:
        value = self.text(start, end, field)
        if value is not None:
            self.out.text(field, value)

    # --- the structure ------------------------------------------------------------

    def file(self) -> None:
        pos = 0
        segments = 0
        while pos < self.size:
            if segments and self.zeros_to_end(pos):
                return  # padding some writers leave after the last segment
            eid, start, end = self.element(pos, self.size)
            if eid == SEGMENT:
                end = self.segment(start, self.size if end is None else end)
                segments += 1
            elif end is None or eid not in (EBML_HEADER, VOID, CRC32):
                raise EbmlError(f"unexpected element {eid:X} at byte {pos}")
            pos = end
        if not segments:
            raise EbmlError("no Segment")

    def zeros_to_end(self, pos: int) -> bool:
        """Whether the file holds only zero bytes (at most MAX_PADDING) from ``pos`` on."""
        if self.size - pos > MAX_PADDING:
            return False
        self.f.seek(pos)
        return not any(self.f.read(self.size - pos))

    def segment(self, start: int, end: int) -> int:
        """Reads one segment; returns where it ends (an unknown-size one: the next
        EBML header, or the end of the file)."""
        pos = start
        while pos < end:
            eid, s, e = self.element(pos, end)
            if eid == EBML_HEADER:
                return pos  # a second segment follows one of unknown size
            if e is None:
                if eid != CLUSTER:
                    raise EbmlError(f"element {eid:X} at byte {pos} has no size")
                pos = self.unknown_size_cluster(s, end)
                continue
            if eid == INFO:
                self.info(s, e)
            elif eid == TRACKS:
                self.tracks(s, e)
            elif eid == TAGS:
                self.tags(s, e)
            elif eid == CHAPTERS:
                self.chapters(s, e)
            elif eid == ATTACHMENTS:
                self.attachments(s, e)
            pos = e
        return end

    def unknown_size_cluster(self, start: int, end: int) -> int:
        """A live recording's cluster has no size: it ends where a segment-level
        element (or the next segment) begins. Its blocks are skipped one by one."""
        pos = start
        while pos < end:
            eid, _s, e = self.element(pos, end)
            if eid in SEGMENT_CHILDREN or eid == EBML_HEADER:
                return pos
            if e is None:
                raise EbmlError(f"element {eid:X} at byte {pos} has no size")
            pos = e
        return end

    def info(self, start: int, end: int) -> None:
        for eid, s, e in self.children(start, end):
            field = INFO_TEXT.get(eid)
            if field:
                self.emit(s, e, field)

    def tracks(self, start: int, end: int) -> None:
        for eid, s, e in self.children(start, end):
            if eid == TRACK_ENTRY:
                for cid, cs, ce in self.children(s, e):
                    if cid == TRACK_NAME:
                        self.emit(cs, ce, "Matroska:TrackName")

    def tags(self, start: int, end: int) -> None:
        for eid, s, e in self.children(start, end):
            if eid == TAG:
                for cid, cs, ce in self.children(s, e):
                    if cid == SIMPLE_TAG:
                        self.simple_tag(cs, ce, 1)

    def simple_tag(self, start: int, end: int, depth: int) -> None:
        if depth > MAX_DEPTH:
            raise EbmlError("tags nested too deep")
        name = ""
        values: list[tuple[int, int]] = []
        nested: list[tuple[int, int]] = []
        for eid, s, e in self.children(start, end):
            if eid == TAG_NAME:
                name = self.text(s, e, "Matroska:Tag") or ""
            elif eid == TAG_STRING:
                values.append((s, e))
            elif eid == SIMPLE_TAG:
                nested.append((s, e))
        field = "Matroska:Tag"
        label = "".join(c for c in name.upper() if c.isascii() and (c.isalnum() or c in "_-"))
        if label:
            field += ":" + label[:MAX_TAG_NAME]
        for s, e in values:
            self.emit(s, e, field)
        for s, e in nested:
            self.simple_tag(s, e, depth + 1)

    def chapters(self, start: int, end: int) -> None:
        for eid, s, e in self.children(start, end):
            if eid == EDITION_ENTRY:
                self.chapter_level(s, e, 1)

    def chapter_level(self, start: int, end: int, depth: int) -> None:
        """An edition or a chapter: its display strings, then its chapters."""
        if depth > MAX_DEPTH:
            raise EbmlError("chapters nested too deep")
        for eid, s, e in self.children(start, end):
            if eid in (CHAPTER_DISPLAY, EDITION_DISPLAY):
                for cid, cs, ce in self.children(s, e):
                    if cid in (CHAP_STRING, EDITION_STRING):
                        self.emit(cs, ce, "Matroska:Chapter")
            elif eid == CHAPTER_ATOM:
                self.chapter_level(s, e, depth + 1)

    def attachments(self, start: int, end: int) -> None:
        for eid, s, e in self.children(start, end):
            if eid == ATTACHED_FILE:
                for cid, cs, ce in self.children(s, e):
                    if cid == FILE_NAME:
                        self.emit(cs, ce, "Matroska:AttachmentName")
                    elif cid == FILE_DESCRIPTION:
                        self.emit(cs, ce, "Matroska:AttachmentDescription")


def _vint_length(first: int, longest: int) -> int | None:
    """Bytes in an EBML variable-length integer from its first byte (None: invalid)."""
    for length in range(1, longest + 1):
        if first & (0x80 >> (length - 1)):
            return length
    return None


def read_matroska(f: BinaryIO, size: int, out: Collector) -> None:
    try:
        _Reader(f, size, out).file()
    except (EbmlError, OSError) as exc:
        out.error("Matroska", f"could not be read: {exc}")
