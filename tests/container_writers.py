"""Real video files with titles and tags, for the metadata and scan tests.

Two kinds of writer, so the readers are checked against files laid out by someone
else as well as against every case we can think of:

- OpenCV (its FFmpeg muxers) writes the MKV, AVI and MP4; the tags are then put in
  the way a tag editor does, without moving the video (in the MKV's Void element,
  in the AVI's JUNK padding, at the end of the MP4's moov box);
- a small EBML writer builds Matroska/WebM files from scratch (Motion-JPEG frames,
  which FFmpeg decodes), for the fields and layouts OpenCV never writes: a segment
  title, track names, chapters, attachments, nested tags, unknown sizes.

Every file made here is checked to decode with OpenCV (see check_decodes).
"""

from __future__ import annotations

import io
import struct
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from PIL import Image

FRAMES = 10
FPS = 10
WIDTH, HEIGHT = 64, 48


def frames() -> list[np.ndarray]:
    return [np.full((HEIGHT, WIDTH, 3), 20 * i, np.uint8) for i in range(FRAMES)]


def opencv_video(path: Path, fourcc: str = "MJPG") -> bytes:
    """A video written by OpenCV: 10 grey frames at 10 fps."""
    import cv2

    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*fourcc), FPS, (WIDTH, HEIGHT))
    assert writer.isOpened(), f"OpenCV cannot write {path.suffix} here"
    for frame in frames():
        writer.write(frame)
    writer.release()
    return path.read_bytes()


def check_decodes(path: Path, expected: int = FRAMES) -> None:
    """The file is still a video OpenCV reads to the end: every frame decodes."""
    import cv2

    cap = cv2.VideoCapture(str(path))
    try:
        assert cap.isOpened(), f"OpenCV cannot open {path.name}"
        n = 0
        while True:
            ok, _ = cap.read()
            if not ok:
                break
            n += 1
        assert n == expected, f"{path.name}: {n} frames decoded, {expected} expected"
    finally:
        cap.release()


# --- EBML (Matroska, WebM) ------------------------------------------------------------

UNKNOWN = -1


def vint_size(n: int, length: int | None = None) -> bytes:
    """An EBML size: ``n`` in the fewest bytes (or ``length``); UNKNOWN is all ones."""
    if n == UNKNOWN:
        return b"\x01\xff\xff\xff\xff\xff\xff\xff"
    if length is None:
        length = 1
        while n >= (1 << (7 * length)) - 1:
            length += 1
    return (n | (1 << (7 * length))).to_bytes(length, "big")


def el(eid: int, *payload: bytes, size: int | None = None) -> bytes:
    """An EBML element; ``size=UNKNOWN`` writes an unknown size (live recordings)."""
    body = b"".join(payload)
    head = eid.to_bytes((eid.bit_length() + 7) // 8, "big")
    return head + vint_size(len(body) if size is None else size) + body


def uint(eid: int, value: int) -> bytes:
    return el(eid, value.to_bytes(max(1, (value.bit_length() + 7) // 8), "big"))


def utf8(eid: int, text: str) -> bytes:
    return el(eid, text.encode("utf-8"))


def ebml_header(doctype: str = "matroska") -> bytes:
    return el(
        0x1A45DFA3,
        uint(0x4286, 1),
        uint(0x42F7, 1),
        uint(0x42F2, 4),
        uint(0x42F3, 8),
        utf8(0x4282, doctype),
        uint(0x4287, 4),
        uint(0x4285, 2),
    )


def info(title: str | None = None, *extra: bytes) -> bytes:
    children = [
        uint(0x2AD7B1, 1_000_000),  # timestamps in ms
        utf8(0x4D80, "photoguard tests"),
        utf8(0x5741, "photoguard tests"),
        el(0x4489, struct.pack(">d", 1000.0 * FRAMES / FPS)),  # duration, ms
    ]
    if title is not None:
        children.append(utf8(0x7BA9, title))
    return el(0x1549A966, *children, *extra)


def tracks(name: str | None = None) -> bytes:
    entry = [
        uint(0xD7, 1),
        uint(0x73C5, 1),
        uint(0x83, 1),
        utf8(0x86, "V_MJPEG"),
        uint(0x23E383, 1_000_000_000 // FPS),  # default duration, ns
        el(0xE0, uint(0xB0, WIDTH), uint(0xBA, HEIGHT)),
    ]
    if name is not None:
        entry.append(utf8(0x536E, name))
    return el(0x1654AE6B, el(0xAE, *entry))


def jpeg_frame(level: int) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (WIDTH, HEIGHT), (level, level, level)).save(buf, "JPEG")
    return buf.getvalue()


def clusters(unknown_size: bool = False) -> bytes:
    """The frames, two clusters of five."""
    out = b""
    per = FRAMES // 2
    for c in range(2):
        blocks = [uint(0xE7, c * per * 1000 // FPS)]
        for i in range(per):
            block = b"\x81" + struct.pack(">hB", i * 1000 // FPS, 0x80)
            blocks.append(el(0xA3, block + jpeg_frame(20 * (c * per + i))))
        out += el(0x1F43B675, *blocks, size=UNKNOWN if unknown_size else None)
    return out


def simple_tag(name: str, value: str, *nested: bytes) -> bytes:
    return el(0x67C8, utf8(0x45A3, name), utf8(0x447A, "und"), utf8(0x4487, value), *nested)


def tags(*simple: bytes) -> bytes:
    return el(0x1254C367, el(0x7373, el(0x63C0, uint(0x68CA, 50)), *simple))


def chapters(*titles: str) -> bytes:
    atoms = [
        el(0xB6, uint(0x73C4, i + 1), uint(0x91, i * 100_000_000), el(0x80, utf8(0x85, t)))
        for i, t in enumerate(titles)
    ]
    return el(0x1043A770, el(0x45B9, *atoms))


def attachments(name: str, description: str) -> bytes:
    return el(
        0x1941A469,
        el(
            0x61A7,
            utf8(0x466E, name),
            utf8(0x467E, description),
            utf8(0x4660, "text/plain"),
            el(0x465C, b"notes"),
            uint(0x46AE, 7),
        ),
    )


def matroska(
    *segment_children: bytes, doctype: str = "matroska", unknown_size: bool = False
) -> bytes:
    """A Matroska file: EBML header, then one Segment holding ``segment_children``."""
    return ebml_header(doctype) + el(
        0x18538067, *segment_children, size=UNKNOWN if unknown_size else None
    )


def read_element(data: bytes, pos: int) -> tuple[int, int, int]:
    """(ID, data start, data end) of the element at ``pos`` (sizes must be known)."""
    first = data[pos]
    id_len = 1 + [first & (0x80 >> k) != 0 for k in range(4)].index(True)
    eid = int.from_bytes(data[pos : pos + id_len], "big")
    s0 = data[pos + id_len]
    size_len = 1 + [s0 & (0x80 >> k) != 0 for k in range(8)].index(True)
    raw = data[pos + id_len : pos + id_len + size_len]
    size = int.from_bytes(raw, "big") & ((1 << (7 * size_len)) - 1)
    start = pos + id_len + size_len
    return eid, start, start + size


def fill_void(data: bytes, element: bytes) -> bytes:
    """``element`` put in the MKV's first Void element (after FFmpeg's SeekHead), with
    a smaller Void after it: nothing after it moves, so every position in the file
    (SeekHead, Cues) stays right, as mkvpropedit does it."""
    _, seg_start, _ = read_element(data, read_element(data, 0)[2])
    pos = seg_start
    while True:
        eid, _, end = read_element(data, pos)
        if eid == 0xEC:
            break
        pos = end
    room = end - pos
    rest = room - len(element)
    assert rest >= 9, f"the Void has {room} bytes, {len(element)} needed"
    void = b"\xec" + vint_size(rest - 9, 8) + b"\x00" * (rest - 9)
    return data[:pos] + element + void + data[end:]


# --- RIFF (AVI) ---------------------------------------------------------------------


def chunk(cid: bytes, payload: bytes) -> bytes:
    return struct.pack("<4sI", cid, len(payload)) + payload + (b"\x00" if len(payload) % 2 else b"")


def riff_list(kind: bytes, *chunks: bytes) -> bytes:
    return chunk(b"LIST", kind + b"".join(chunks))


def info_list(items: Sequence[tuple[bytes, str]]) -> bytes:
    return riff_list(b"INFO", *(chunk(c, t.encode("utf-8") + b"\x00") for c, t in items))


def _riff_chunks(data: bytes, start: int, end: int) -> list[tuple[bytes, int, int]]:
    out = []
    pos = start
    while pos + 8 <= end:
        cid, size = struct.unpack("<4sI", data[pos : pos + 8])
        out.append((cid, pos, pos + 8 + size + (size & 1)))
        pos += 8 + size + (size & 1)
    return out


def avi_replace_info(data: bytes, new_info: bytes) -> bytes:
    """OpenCV's AVI with its LIST INFO replaced by ``new_info``, the JUNK after it
    shrunk by as much: the frames do not move, so the index stays right."""
    top = _riff_chunks(data, 12, len(data))
    (i,) = [
        k
        for k, (cid, s, _e) in enumerate(top)
        if cid == b"LIST" and data[s + 8 : s + 12] == b"INFO"
    ]
    info_start = top[i][1]
    junk_id, _, junk_end = top[i + 1]
    assert junk_id == b"JUNK"
    room = junk_end - info_start
    rest = room - len(new_info)
    assert rest >= 8, f"{room} bytes of room, {len(new_info)} needed"
    junk = struct.pack("<4sI", b"JUNK", rest - 8) + b"\x00" * (rest - 8)
    return data[:info_start] + new_info + junk + data[junk_end:]


def avi_append(data: bytes, *chunks: bytes) -> bytes:
    """``chunks`` added at the end of the RIFF (after the frames and the index)."""
    body = data[12:] + b"".join(chunks)
    return b"RIFF" + struct.pack("<I", 4 + len(body)) + data[8:12] + body


# --- MP4 ----------------------------------------------------------------------------


def mp4_append_to_moov(data: bytes, *boxes: bytes) -> bytes:
    """``boxes`` added at the end of the moov box, which FFmpeg writes last: the media
    data before it does not move, so its chunk offsets stay right."""
    pos = 0
    while pos < len(data):
        size, kind = struct.unpack(">I4s", data[pos : pos + 8])
        if kind == b"moov":
            assert pos + size == len(data), "moov is not the last box"
            extra = b"".join(boxes)
            return (
                data[:pos]
                + struct.pack(">I4s", size + len(extra), b"moov")
                + data[pos + 8 :]
                + extra
            )
        pos += size
    raise AssertionError("no moov box")
