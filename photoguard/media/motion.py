"""Motion photos: the short video a phone stores inside a photo, found so it is checked too.

A motion photo is one file: the still picture, then a few seconds of MP4 appended
after it. Photo viewers show the still; Google Photos, Samsung Gallery and others
play the clip. Checking only the still would let a child who is in the clip but
not in the still through. Three layouts are in use:

* Google Motion Photo (``PXL_...MP.jpg``, 2021 on): XMP ``Camera:MotionPhoto="1"``
  and a ``Container:Directory`` whose items list, in file order, the still (the
  *primary* item) and each appended file with its ``Item:Length``; the video is
  the item with a video MIME type. Files are laid out back to back from the end.
* Google's older micro video (``MVIMG_...jpg``): XMP ``GCamera:MicroVideo="1"``
  and ``GCamera:MicroVideoOffset``, the video's distance from the end of the file.
* Samsung: after the picture, a ``MotionPhoto_Data`` marker followed at once by the
  MP4, then Samsung's own trailer (``SEFH`` ... ``SEFT``); newer models write the
  Google XMP as well. Samsung's HEIC motion photos keep the MP4 in a top-level
  ``mpvd`` box.

The metadata is not trusted alone: every byte after the JPEG's end-of-image
marker (after the last box of a HEIF/AVIF file) is searched for the start of an
ISO media file (an ``ftyp`` box), so an MP4 appended by anything is found whether
the XMP mentions it or not. The length of each video found is read from its own
top-level boxes. What the XMP or Samsung's marker says is there, but cannot be
found, is a :attr:`MotionVideos.problem`: the scan makes the file ``error``.

The MP4 is then copied out, bounded in size, to a private file (:func:`extracted`:
in memory on Linux, a private temporary file elsewhere) and decoded like any video
(media/video.py).
"""

from __future__ import annotations

import mmap
import os
import re
import shutil
import struct
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO
from xml.etree.ElementTree import ParseError

from photoguard.files.safeopen import open_regular
from photoguard.media.frames import MediaError

#: The largest embedded video copied out to be checked. A phone's motion photo clip
#: is 1.5-3 s, 2-10 MB (4K clips up to about 30 MB); anything beyond this is an error,
#: not a temporary file of any size.
MAX_EMBEDDED_VIDEO_BYTES = 256 << 20
#: More videos than this in one photo is not a motion photo: it is an error.
MAX_EMBEDDED_VIDEOS = 4
#: Segments (and scans of a progressive JPEG) walked before giving up on finding
#: the end of the picture; real files have a few dozen.
MAX_SEGMENTS = 10_000

#: What the XMP of a motion photo says, by property name (any namespace prefix).
_DECLARES = frozenset({"MotionPhoto", "MicroVideo"})
#: An ISO media file's first box: a 32-bit size of 16-1023 bytes, then ``ftyp``.
_FTYP = re.compile(rb"\x00\x00[\x00-\x03][\x00-\xff]ftyp")
#: The end of a JPEG scan's entropy-coded data: 0xFF followed by anything but a stuffed
#: zero or a restart marker (fill bytes 0xFF are skipped by the marker reader).
_SCAN_END = re.compile(rb"\xff[^\x00\xd0-\xd7]")
_XMP_SIGNATURE = b"http://ns.adobe.com/xap/1.0/\x00"
_SAMSUNG_MARKER = b"MotionPhoto_Data"
_HEIF_VIDEO_BOX = b"mpvd"

#: How each embedded video was found (for messages and tests).
XMP_MICRO_VIDEO = "XMP GCamera:MicroVideoOffset"
XMP_CONTAINER = "XMP Container:Directory"
SAMSUNG = "Samsung MotionPhoto_Data"
APPENDED = "an MP4 after the picture"
HEIF_BOX = "a HEIF mpvd box"


@dataclass(frozen=True)
class EmbeddedVideo:
    """Where one embedded video's bytes are in the photo file."""

    offset: int
    length: int
    found_by: str


@dataclass(frozen=True)
class MotionVideos:
    """The videos a photo file carries, and why any it carries cannot be checked."""

    videos: tuple[EmbeddedVideo, ...] = ()
    #: A plain sentence when the file holds, or says it holds, a video that cannot be
    #: found or read; None when every video there is in ``videos``.
    problem: str | None = None


def find_embedded_videos(path: Path) -> MotionVideos:
    """The videos inside a photo file (JPEG, HEIF/AVIF; other formats carry none).

    Raises OSError if the file cannot be read.
    """
    with open_regular(path) as f:
        size = os.fstat(f.fileno()).st_size
        if size < 16:
            return MotionVideos()
        with mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as data:
            head = data[:12]
            if head.startswith(b"\xff\xd8\xff"):
                return _in_jpeg(data, size)
            if head[4:8] == b"ftyp":
                return _in_heif(data, size)
    return MotionVideos()


# ------------------------------------------------------------------------------ JPEG


def _in_jpeg(data: mmap.mmap, size: int) -> MotionVideos:
    end, packets = _jpeg_layout(data, size)
    declared = _Declared()
    for packet in packets:
        declared.read(packet)
    # Where the picture's end cannot be found, the whole file after its start is searched.
    after = end if end is not None else 2
    videos: list[EmbeddedVideo] = []
    covered = after
    starts = {s: how for s, how in declared.starts(size) if after <= s < size}
    samsung = data.find(_SAMSUNG_MARKER, after)
    if samsung >= 0:
        starts.setdefault(samsung + len(_SAMSUNG_MARKER), SAMSUNG)
    for m in _FTYP.finditer(data, after):
        starts.setdefault(m.start(), APPENDED)
    for start in sorted(starts):
        if start < covered or not _is_ftyp(data, start, size):
            continue  # inside a video already found, or not the start of one
        stop = _boxes_end(data, start, size)
        videos.append(EmbeddedVideo(start, stop - start, starts[start]))
        covered = stop
    if len(videos) > MAX_EMBEDDED_VIDEOS:
        return MotionVideos(
            problem=f"{len(videos)} videos are stored inside the photo, more than the "
            f"{MAX_EMBEDDED_VIDEOS} checked"
        )
    trailer = size - after
    problem = None
    if not videos and trailer > 0 and samsung >= 0:
        problem = "Samsung's MotionPhoto_Data marker is there, but no readable video follows it"
    elif not videos and trailer > 0 and declared.video:
        problem = "its XMP says it has one, but no readable video follows the picture"
    return MotionVideos(tuple(videos), problem)


def _jpeg_layout(data: mmap.mmap, size: int) -> tuple[int | None, list[bytes]]:
    """Where the JPEG's first picture ends (just after its EOI marker), or None when
    its segments cannot be followed; and its XMP packets."""
    packets: list[bytes] = []
    pos = 2
    for _ in range(MAX_SEGMENTS):
        if pos >= size or data[pos] != 0xFF:
            return None, packets
        while pos < size and data[pos] == 0xFF:
            pos += 1  # fill bytes
        if pos >= size:
            return None, packets
        marker = data[pos]
        pos += 1
        if marker == 0xD9:  # EOI
            return pos, packets
        if marker in (0x01, 0xD8) or 0xD0 <= marker <= 0xD7:
            continue  # no length
        if pos + 2 > size:
            return None, packets
        (length,) = struct.unpack(">H", data[pos : pos + 2])
        if length < 2:
            return None, packets
        segment_end = pos + length
        if marker == 0xE1 and data[pos + 2 : pos + 2 + len(_XMP_SIGNATURE)] == _XMP_SIGNATURE:
            packets.append(bytes(data[pos + 2 + len(_XMP_SIGNATURE) : segment_end]))
        if marker == 0xDA:  # SOS: entropy-coded data follows until the next marker
            found = _SCAN_END.search(data, segment_end)
            if found is None:
                return None, packets
            pos = found.start()
        else:
            pos = segment_end
    return None, packets


class _Declared:
    """What a motion photo's XMP says about its video."""

    def __init__(self) -> None:
        self.video = False
        self.micro_offset: int | None = None
        #: Container:Directory items in file order: (MIME type, length in bytes).
        self.items: list[tuple[str, int]] = []

    def read(self, packet: bytes) -> None:
        import defusedxml.ElementTree as DefusedET
        from defusedxml import DefusedXmlException

        try:
            root = DefusedET.fromstring(packet.strip(b"\x00 \t\r\n"), forbid_dtd=True)
        except (DefusedXmlException, ParseError, ValueError, LookupError, RecursionError):
            # Unreadable XMP (the caption reader reports it): only whether it speaks of a
            # motion photo at all is taken from the raw text.
            if re.search(rb"(MotionPhoto|MicroVideo)\W{1,3}1\b", packet):
                self.video = True
            return
        for element in root.iter():
            values = {_local(k): v for k, v in element.attrib.items()}
            for child in element:
                if child.text and child.text.strip():
                    values.setdefault(_local(child.tag), child.text.strip())
            for name in _DECLARES:
                if values.get(name, "").strip() == "1":
                    self.video = True
            offset = _integer(values.get("MicroVideoOffset"))
            if offset is not None:
                self.micro_offset = offset
            if _local(element.tag) == "Item" and "Mime" in values:
                mime = values["Mime"].strip().lower()
                self.items.append((mime, _integer(values.get("Length")) or 0))
                if mime.startswith("video/"):
                    self.video = True

    def starts(self, size: int) -> Iterator[tuple[int, str]]:
        """Where the XMP says videos start in a file of ``size`` bytes."""
        if self.micro_offset:
            yield size - self.micro_offset, XMP_MICRO_VIDEO
        # Secondary items are stored back to back after the primary one, so the file's
        # end is where the last one ends.
        end = size
        for mime, length in reversed(self.items[1:]):
            start = end - length
            if mime.startswith("video/") and length > 0:
                yield start, XMP_CONTAINER
            end = start


def _local(name: str) -> str:
    return name.rpartition("}")[2].rpartition(":")[2]


def _integer(text: str | None) -> int | None:
    try:
        return int(text.strip()) if text is not None else None
    except ValueError:
        return None


# ------------------------------------------------------------------------------ HEIF


def _in_heif(data: mmap.mmap, size: int) -> MotionVideos:
    """A HEIF/AVIF photo: a later top-level ``ftyp`` (an appended MP4) or Samsung's
    ``mpvd`` box; bytes after the last box are searched as a JPEG's trailer is."""
    videos: list[EmbeddedVideo] = []
    pos, first = 0, True
    while pos + 8 <= size:
        box = _box(data, pos, size)
        if box is None:
            break
        kind, header, box_size = box
        if kind == b"ftyp" and not first:
            stop = _boxes_end(data, pos, size)
            videos.append(EmbeddedVideo(pos, stop - pos, APPENDED))
            pos = stop
            continue
        if kind == _HEIF_VIDEO_BOX:
            start = pos + header
            videos.append(EmbeddedVideo(start, min(box_size, size - pos) - header, HEIF_BOX))
        first = False
        pos += box_size
    if pos < size:
        for m in _FTYP.finditer(data, pos):
            if m.start() >= pos and _is_ftyp(data, m.start(), size):
                stop = _boxes_end(data, m.start(), size)
                videos.append(EmbeddedVideo(m.start(), stop - m.start(), APPENDED))
                pos = stop
    if len(videos) > MAX_EMBEDDED_VIDEOS:
        return MotionVideos(
            problem=f"{len(videos)} videos are stored inside the photo, more than the "
            f"{MAX_EMBEDDED_VIDEOS} checked"
        )
    return MotionVideos(tuple(videos))


# ------------------------------------------------------------------------ ISO boxes


def _box(data: mmap.mmap, pos: int, size: int) -> tuple[bytes, int, int] | None:
    """(type, header length, box length) of the ISO box at ``pos``, or None if there is none."""
    if pos + 8 > size:
        return None
    (length,) = struct.unpack(">I", data[pos : pos + 4])
    kind = bytes(data[pos + 4 : pos + 8])
    if not all(0x20 <= c <= 0x7E or c == 0xA9 for c in kind):
        return None
    header = 8
    if length == 1:
        if pos + 16 > size:
            return None
        (length,) = struct.unpack(">Q", data[pos + 8 : pos + 16])
        header = 16
    elif length == 0:
        length = size - pos  # to the end of the file
    if length < header:
        return None
    return kind, header, length


def _is_ftyp(data: mmap.mmap, pos: int, size: int) -> bool:
    box = _box(data, pos, size)
    return box is not None and box[0] == b"ftyp" and 16 <= box[2] <= 1023


def _boxes_end(data: mmap.mmap, start: int, size: int) -> int:
    """Where the run of top-level boxes that starts at ``start`` ends: the embedded
    file's length. A box that runs past the end of the file takes the rest of it
    (the decoder then says what is missing)."""
    pos = start
    while pos + 8 <= size:
        box = _box(data, pos, size)
        if box is None:
            break
        if pos + box[2] >= size:
            return size
        pos += box[2]
    return pos


# ------------------------------------------------------------------------ extracting


@contextmanager
def extracted(path: Path, video: EmbeddedVideo) -> Iterator[Path]:
    """The embedded video copied out to a private file the decoders can open by name.

    On Linux the copy is an anonymous in-memory file (memfd), never on disk, gone with
    the process even if the worker is killed; elsewhere a file in a private temporary
    folder, removed afterwards. Raises MediaError when the video is too large to copy
    or the file ends inside it.
    """
    if video.length > MAX_EMBEDDED_VIDEO_BYTES:
        raise MediaError(
            f"it is {video.length / 1e6:,.0f} MB, more than the "
            f"{MAX_EMBEDDED_VIDEO_BYTES / 1e6:,.0f} MB photoguard copies out to check"
        )
    if hasattr(os, "memfd_create"):
        fd = os.memfd_create("photoguard-motion-video", 0)
        try:
            with open_regular(path) as src:
                _copy(src, video, lambda block: _write_all(fd, block))
            yield Path(f"/proc/self/fd/{fd}")
        finally:
            os.close(fd)
        return
    folder = Path(tempfile.mkdtemp(prefix="photoguard-motion-"))  # readable by this user only
    try:
        target = folder / "video.mp4"
        with open_regular(path) as src, target.open("xb") as dst:
            _copy(src, video, dst.write)
        yield target
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _copy(src: BinaryIO, video: EmbeddedVideo, write: Callable[[bytes], object]) -> None:
    src.seek(video.offset)
    left = video.length
    while left:
        block = src.read(min(left, 1 << 20))
        if not block:
            raise MediaError("the file ends inside its motion-photo video")
        write(block)
        left -= len(block)


def _write_all(fd: int, block: bytes) -> None:
    view = memoryview(block)
    while view:
        view = view[os.write(fd, view) :]
