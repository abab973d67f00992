"""JPEG: walk the segments before the image data and hand each metadata block to its reader.

Only marker headers and metadata segments are read; the compressed image is never
touched (metadata comes before the first SOS marker).
"""

from __future__ import annotations

import io
import struct
from typing import BinaryIO

from photoguard.metadata import exif, iptc, xmp
from photoguard.metadata.fields import Collector
from photoguard.metadata.text import decode_text

SOI = b"\xff\xd8"
APP1, APP13, COM, SOS, EOI = 0xE1, 0xED, 0xFE, 0xDA, 0xD9
EXIF_SIGNATURE = b"Exif\x00\x00"
XMP_SIGNATURE = b"http://ns.adobe.com/xap/1.0/\x00"
XMP_EXTENSION_SIGNATURE = b"http://ns.adobe.com/xmp/extension/\x00"

#: Segments allowed before the image data; real files have a dozen or two.
MAX_SEGMENTS = 2000
#: Metadata bytes read from one file (segments are at most 64 KB each).
MAX_METADATA = 16 << 20
#: Junk tolerated between segments before we give up looking for the next marker.
MAX_JUNK = 1 << 16


def read_jpeg(f: BinaryIO, out: Collector) -> None:
    f.seek(0)
    if f.read(2) != SOI:
        out.error("JPEG", "not a JPEG file")
        return
    photoshop: list[bytes] = []
    extended: dict[bytes, dict[int, bytes]] = {}
    extended_size: dict[bytes, int] = {}
    total = 0
    for _ in range(MAX_SEGMENTS):
        marker = _next_marker(f)
        if marker is None:
            out.error("JPEG", "the file ends before the image data")
            break
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
            continue  # markers without a length
        if marker in (SOS, EOI):
            break
        head = f.read(2)
        if len(head) < 2:
            out.error("JPEG", "the file ends inside a segment header")
            break
        (length,) = struct.unpack(">H", head)
        if length < 2:
            out.error("JPEG", f"segment {marker:#04x} has a bad length")
            break
        if marker not in (APP1, APP13, COM):
            f.seek(length - 2, io.SEEK_CUR)
            continue
        payload = f.read(length - 2)
        if len(payload) < length - 2:
            out.error("JPEG", "the file ends inside a metadata segment")
            break
        total += len(payload)
        if total > MAX_METADATA:
            out.error("JPEG", f"more than {MAX_METADATA} bytes of metadata; the rest was not read")
            break
        if marker == COM:
            out.text("JPEG:Comment", decode_text(payload))
        elif marker == APP13:
            if payload.startswith(iptc.PHOTOSHOP_SIGNATURE):
                photoshop.append(payload[len(iptc.PHOTOSHOP_SIGNATURE) :])
        elif payload.startswith(EXIF_SIGNATURE):
            block = io.BytesIO(payload)
            exif.read_tiff(block, len(EXIF_SIGNATURE), len(payload) - len(EXIF_SIGNATURE), out)
        elif payload.startswith(XMP_SIGNATURE):
            xmp.read_xmp(payload[len(XMP_SIGNATURE) :], out)
        elif payload.startswith(XMP_EXTENSION_SIGNATURE):
            _extended_chunk(payload[len(XMP_EXTENSION_SIGNATURE) :], extended, extended_size, out)
    else:
        out.error("JPEG", f"more than {MAX_SEGMENTS} segments before the image data")
    if photoshop:
        iptc.read_photoshop(b"".join(photoshop), out)
    for guid, chunks in extended.items():
        packet = _assemble(chunks, extended_size[guid])
        if packet is None:
            out.error("XMP", "extended XMP is incomplete")
        else:
            xmp.read_xmp(packet, out)


def _next_marker(f: BinaryIO) -> int | None:
    """The next marker code, skipping fill bytes (and, up to a limit, junk)."""
    for _ in range(MAX_JUNK):
        b = f.read(1)
        if not b:
            return None
        if b[0] != 0xFF:
            continue
        while b and b[0] == 0xFF:
            b = f.read(1)
        if not b:
            return None
        if b[0] != 0x00:
            return b[0]
    return None


def _extended_chunk(
    data: bytes,
    chunks: dict[bytes, dict[int, bytes]],
    sizes: dict[bytes, int],
    out: Collector,
) -> None:
    """Extended XMP: 32-byte GUID, full length, this chunk's offset, then the chunk."""
    if len(data) < 40:
        out.error("XMP", "extended XMP chunk is too short")
        return
    guid = data[:32]
    full, offset = struct.unpack(">II", data[32:40])
    if full > xmp.MAX_PACKET or offset + len(data) - 40 > full:
        out.error("XMP", "extended XMP chunk has a bad length")
        return
    sizes.setdefault(guid, full)
    chunks.setdefault(guid, {})[offset] = data[40:]


def _assemble(chunks: dict[int, bytes], size: int) -> bytes | None:
    packet = bytearray()
    for offset in sorted(chunks):
        if offset != len(packet):
            return None
        packet += chunks[offset]
    return bytes(packet) if len(packet) == size else None
