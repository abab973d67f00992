"""Captions that travel with a photo or video: inside the file, beside it, or in its name.

:func:`read_caption_fields` gathers every text a person may have written about a
file, each with the place it came from ("EXIF:ImageDescription",
"IPTC:Caption-Abstract", "XMP:dc:description", "sidecar:IMG_1.xmp", "filename",
"folder", ...), for :mod:`photoguard.roster.names` to check for full names.

It never raises on bad data. A block that cannot be read (damaged EXIF, a refused
XMP packet, a truncated box) becomes a :class:`FieldError` naming it, and the
other fields are still read: the scan must then call the file ``error``, never
``clear`` (fail closed).

The container is recognised by its first bytes, not its extension. Read: JPEG
(EXIF, XMP and extended XMP, IPTC, comments), TIFF and TIFF-based raw files,
PNG (text chunks, XMP, eXIf), GIF (comments, XMP), WebP, HEIC/HEIF/AVIF,
JPEG 2000, MP4/MOV/3GP, Matroska/WebM, AVI; sidecars and path names for any file.
Other containers (BMP, ...) get sidecars and path names only.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

from photoguard.files.safeopen import open_regular
from photoguard.formats import HEIF_BRANDS
from photoguard.metadata import avi, exif, gif, heif, jp2, jpeg, matroska, mp4, png, webp
from photoguard.metadata.fields import (
    PATH_FIELDS,
    CaptionField,
    CaptionFields,
    Collector,
    FieldError,
)
from photoguard.metadata.filename import read_path_names
from photoguard.metadata.sidecars import read_sidecars

__all__ = [
    "PATH_FIELDS",
    "READERS_VERSION",
    "CaptionField",
    "CaptionFields",
    "FieldError",
    "combine",
    "container_kind",
    "read_caption_fields",
    "read_embedded",
    "read_embedded_fields",
    "read_outside_fields",
]

#: Bump when a reader starts reading fields it did not read before: the scan cache
#: keeps the captions read inside a file, and must not serve ones read by older readers.
READERS_VERSION = 2

#: Top-level boxes an old QuickTime file may start with (no ftyp box).
QUICKTIME_FIRST_BOXES = frozenset({b"moov", b"mdat", b"wide", b"free", b"skip", b"pnot"})


def container_kind(head: bytes) -> str | None:
    """ "JPEG", "PNG", "GIF", "TIFF", "WebP", "HEIF", "MP4", "Matroska", "AVI" or
    "JPEG2000" from a file's first 16 bytes."""
    if head.startswith(b"\xff\xd8"):
        return "JPEG"
    if head[:6] in gif.SIGNATURES:
        return "GIF"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG"
    if head[:4] in (b"II*\x00", b"MM\x00*"):
        return "TIFF"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "WebP"
    if head[:4] == b"RIFF" and head[8:12] == b"AVI ":
        return "AVI"
    if head[:4] == b"\x1a\x45\xdf\xa3":
        return "Matroska"
    if head[4:8] == b"ftyp":
        return "HEIF" if head[8:12] in HEIF_BRANDS else "MP4"
    if head[4:8] in QUICKTIME_FIRST_BOXES:
        return "MP4"
    if head.startswith((b"\x00\x00\x00\x0cjP  \r\n\x87\n", b"\xff\x4f\xff\x51")):
        return "JPEG2000"
    return None


def read_caption_fields(path: Path, root: Path | None = None) -> CaptionFields:
    """Every caption of ``path``: embedded, in sidecars, and in its file and folder names.

    ``root`` is the folder being scanned: folders between it and the file are checked.
    """
    return combine(read_outside_fields(path, root), read_embedded_fields(path))


def read_embedded_fields(path: Path) -> CaptionFields:
    """The captions inside the file. The scan runs this in a worker process: some
    containers (HEIF) are read by a C library."""
    out = Collector()
    try:
        with open_regular(path) as f:
            read_embedded(f, os.fstat(f.fileno()).st_size, out, path)
    except OSError as exc:
        out.error("file", f"could not be opened: {exc.strerror or exc}")
    return out.result()


def read_outside_fields(path: Path, root: Path | None = None) -> CaptionFields:
    """The captions beside the file (sidecars) and in its file and folder names."""
    out = Collector()
    read_path_names(path, root, out)
    read_sidecars(path, out)
    return out.result()


def read_failing_closed(read: Callable[[], CaptionFields]) -> CaptionFields:
    """``read()``, or, if a reader raises after all (they promise not to), a field error
    that makes the file an ``error``, never ``clear``. The scan and the safe copy's
    rescan read captions through this."""
    try:
        return read()
    except Exception as exc:
        return CaptionFields((), (FieldError("metadata", f"could not be read ({exc})"),))


def combine(*parts: CaptionFields) -> CaptionFields:
    return CaptionFields(
        tuple(f for p in parts for f in p.fields), tuple(e for p in parts for e in p.errors)
    )


def read_embedded(f: BinaryIO, size: int, out: Collector, path: Path | None = None) -> None:
    """The captions inside one open file (``path`` is needed only for HEIF)."""
    head = f.read(16)
    kind = container_kind(head)
    try:
        if kind == "JPEG":
            jpeg.read_jpeg(f, out)
        elif kind == "PNG":
            png.read_png(f, size, out)
        elif kind == "GIF":
            gif.read_gif(f, size, out)
        elif kind == "TIFF":
            exif.read_tiff(f, 0, size, out)
        elif kind == "WebP":
            webp.read_webp(f, size, out)
        elif kind == "MP4":
            mp4.read_mp4(f, size, out)
        elif kind == "Matroska":
            matroska.read_matroska(f, size, out)
        elif kind == "AVI":
            avi.read_avi(f, size, out)
        elif kind == "HEIF" and path is not None:
            heif.read_heif(path, head[8:12], out)
        elif kind == "JPEG2000":
            jp2.read_jp2(f, size, out)
    except OSError as exc:
        out.error(kind or "file", f"could not be read: {exc.strerror or exc}")
    except Exception as exc:  # a reader bug must not stop the scan: fail closed instead
        out.error(kind or "file", f"metadata could not be read ({type(exc).__name__}: {exc})")
