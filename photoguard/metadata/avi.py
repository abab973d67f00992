"""AVI: the INFO list (INAM title, ICMT comment, IART artist, ISBJ subject, IKEY
keywords, ... every INFO text), stream names (``strn``) and XMP (``_PMX``).

AVI is a RIFF file: ``RIFF 'AVI '`` then, past 1 GB, ``RIFF 'AVIX'`` parts. Chunks
are visited by seeking; the frames (``LIST 'movi'``) are skipped, never read.
A chunk that runs past its list or the file, or bytes after the last RIFF part,
make the file an error: what they hide cannot be known to be free of names.
"""

from __future__ import annotations

import struct
from typing import BinaryIO

from photoguard.metadata import xmp
from photoguard.metadata.fields import Collector
from photoguard.metadata.text import decode_text

FORMS = (b"AVI ", b"AVIX")
#: Lists holding frames or index data, never text.
SKIPPED_LISTS = frozenset({b"movi", b"rec "})
MAX_CHUNKS = 100_000
MAX_DEPTH = 8
#: Largest text chunk read (bytes); XMP gets more room.
MAX_VALUE = 1 << 20
MAX_XMP = 8 << 20
#: Most zero bytes accepted after the last RIFF part (padding; anything else is an error).
MAX_PADDING = 1 << 20


class RiffError(ValueError):
    pass


class _Walk:
    def __init__(self, f: BinaryIO, out: Collector) -> None:
        self.f = f
        self.out = out
        self.chunks = 0

    def head(self, pos: int, end: int) -> tuple[bytes, int, int]:
        """(four-character code, data start, data end) of the chunk at ``pos``."""
        self.chunks += 1
        if self.chunks > MAX_CHUNKS:
            raise RiffError(f"more than {MAX_CHUNKS} chunks")
        self.f.seek(pos)
        raw = self.f.read(8)
        if len(raw) < 8:
            raise RiffError(f"the file ends inside a chunk header at byte {pos}")
        cid, size = struct.unpack("<4sI", raw)
        if pos + 8 + size > end:
            raise RiffError(f"chunk {_name(cid)} at byte {pos} runs past its list or the file")
        return cid, pos + 8, pos + 8 + size

    def value(self, start: int, end: int, limit: int) -> bytes:
        if end - start > limit:
            raise RiffError(f"a {end - start}-byte chunk is too large to check")
        self.f.seek(start)
        data = self.f.read(end - start)
        if len(data) != end - start:
            raise RiffError("the file ends inside a chunk")
        return data

    def chunks_in(self, start: int, end: int, depth: int, parent: bytes) -> None:
        if depth > MAX_DEPTH:
            raise RiffError("lists nested too deep")
        pos = start
        while pos + 8 <= end:
            cid, s, e = self.head(pos, end)
            if cid == b"LIST":
                kind = self.value(s, min(s + 4, e), 4)
                if len(kind) < 4:
                    raise RiffError(f"a LIST at byte {pos} has no type")
                if kind not in SKIPPED_LISTS:
                    self.chunks_in(s + 4, e, depth + 1, kind)
            elif parent == b"INFO":
                self.text(f"AVI:{_name(cid)}", s, e)
            elif cid == b"strn":
                self.text("AVI:strn", s, e)
            elif cid == b"_PMX":
                xmp.read_xmp(self.value(s, e, MAX_XMP), self.out)
            pos = e + ((e - s) & 1)
        if pos < end and any(self.value(pos, end, 8)):
            raise RiffError(f"bytes that are not a chunk at byte {pos}")

    def text(self, field: str, start: int, end: int) -> None:
        try:
            data = self.value(start, end, MAX_VALUE)
        except RiffError as exc:  # this chunk only: the others are still read
            self.out.error(field, f"could not be read: {exc}")
            return
        self.out.text(field, decode_text(data.rstrip(b"\x00")))


def _name(cid: bytes) -> str:
    return "".join(chr(b) if 32 < b < 127 else "_" for b in cid)


def read_avi(f: BinaryIO, size: int, out: Collector) -> None:
    walk = _Walk(f, out)
    try:
        pos = 0
        while pos < size:
            if pos and size - pos <= MAX_PADDING and not any(walk.value(pos, size, MAX_PADDING)):
                return  # zero padding after the last RIFF part
            if size - pos < 12:
                raise RiffError(f"bytes after the last RIFF part at byte {pos}")
            cid, s, e = walk.head(pos, size)
            form = walk.value(s, s + 4, 4)
            if cid != b"RIFF" or form not in FORMS or e - s < 4:
                raise RiffError(f"bytes after the last RIFF part at byte {pos}")
            walk.chunks_in(s + 4, e, 1, form)
            pos = e + ((e - s) & 1)
    except (RiffError, struct.error, OSError) as exc:
        out.error("AVI", f"could not be read: {exc}")
