"""PNG text chunks (tEXt, zTXt, iTXt, every keyword), XMP in iTXt, EXIF in eXIf.

Chunks are visited by seeking: image data is skipped, never read.
"""

from __future__ import annotations

import io
import struct
import zlib
from typing import BinaryIO

from photoguard.metadata import exif, iptc, xmp
from photoguard.metadata.fields import Collector

SIGNATURE = b"\x89PNG\r\n\x1a\n"
XMP_KEYWORD = "XML:com.adobe.xmp"
#: ImageMagick stores profiles as hex in text chunks: "Raw profile type xmp" etc.
RAW_PROFILE = "Raw profile type "

MAX_CHUNKS = 100_000
#: Largest text chunk read, and largest text a compressed chunk may expand to.
MAX_TEXT_CHUNK = 8 << 20


def read_png(f: BinaryIO, size: int, out: Collector) -> None:
    f.seek(0)
    if f.read(8) != SIGNATURE:
        out.error("PNG", "not a PNG file")
        return
    pos = 8
    for _ in range(MAX_CHUNKS):
        f.seek(pos)
        head = f.read(8)
        if len(head) < 8:
            out.error("PNG", "the file ends before its IEND chunk")
            return
        length, ctype = struct.unpack(">I4s", head)
        end = pos + 12 + length
        if end > size:
            out.error("PNG", f"chunk {_name(ctype)} runs past the end of the file")
            return
        if ctype == b"IEND":
            return
        if ctype in (b"tEXt", b"zTXt", b"iTXt", b"eXIf"):
            if length > MAX_TEXT_CHUNK:
                out.error(f"PNG:{_name(ctype)}", "chunk too large to check")
            else:
                _chunk(ctype, f.read(length), out)
        pos = end
    out.error("PNG", f"more than {MAX_CHUNKS} chunks")


def _name(ctype: bytes) -> str:
    return ctype.decode("latin-1")


def _chunk(ctype: bytes, data: bytes, out: Collector) -> None:
    if ctype == b"eXIf":
        exif.read_tiff(io.BytesIO(data), 0, len(data), out)
        return
    keyword_bytes, sep, rest = data.partition(b"\x00")
    keyword = keyword_bytes[:79].decode("latin-1")
    field = f"PNG:{_name(ctype)}:{keyword}"
    if not sep:
        out.error(field, "text chunk without a keyword separator")
        return
    try:
        if ctype == b"tEXt":
            text = rest.decode("latin-1")
        elif ctype == b"zTXt":
            text = _inflate(rest[1:]).decode("latin-1")
        else:
            text = _itxt(rest, field, out)
    except (zlib.error, ValueError) as exc:
        out.error(field, f"could not be read: {exc}")
        return
    if ctype == b"iTXt" and keyword == XMP_KEYWORD:
        xmp.read_xmp(text.encode("utf-8"), out)
    elif keyword.startswith(RAW_PROFILE):
        _raw_profile(keyword[len(RAW_PROFILE) :], text, field, out)
    else:
        out.text(field, text)


def _itxt(rest: bytes, field: str, out: Collector) -> str:
    """iTXt after the keyword: flag, method, language, translated keyword, UTF-8 text."""
    if len(rest) < 2:
        raise ValueError("iTXt chunk is truncated")
    compressed = rest[0] == 1
    _language, _, rest = rest[2:].partition(b"\x00")
    translated, _, body = rest.partition(b"\x00")
    out.text(field, translated.decode("utf-8", errors="replace"))
    if compressed:
        body = _inflate(body)
    return body.decode("utf-8", errors="replace")


def _inflate(data: bytes) -> bytes:
    d = zlib.decompressobj()
    text = d.decompress(data, MAX_TEXT_CHUNK)
    if d.unconsumed_tail:
        raise ValueError(f"expands to more than {MAX_TEXT_CHUNK} bytes")
    return text


def _raw_profile(kind: str, text: str, field: str, out: Collector) -> None:
    """ "\\nxmp\\n    1234\\n<hex>": the hex after the first three lines is the profile."""
    try:
        data = bytes.fromhex("".join(text.split("\n")[3:]))
    except ValueError:
        out.text(field, text)
        return
    kind = kind.strip().lower()
    if kind == "xmp":
        xmp.read_xmp(data, out)
    elif kind in ("exif", "app1"):
        start = 6 if data.startswith(b"Exif\x00\x00") else 0
        exif.read_tiff(io.BytesIO(data), start, len(data) - start, out)
    elif kind in ("iptc", "8bim"):
        if data.startswith(iptc.RESOURCE_SIGNATURES):
            iptc.read_photoshop(data, out)
        else:
            iptc.read_iim(data, out)
    # other profiles (icc, ...) hold no text a person wrote
