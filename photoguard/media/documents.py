"""Files that hold pictures but are not photos or videos: documents, archives, drawings.

A yearbook adviser's ZIP of photos, a newsletter as PDF or Word file, a slide deck
from the concert: each can show an opted-out child, and photoguard does not decode
the pictures inside them. Such a file is never skipped as "not a photo or video"
(a run would then say "all clear"); the scan reports it as ``error``:
"contains pictures photoguard did not check", with what to do instead.

Why not look inside? A picture inside an archive has no path of its own, so it
cannot carry a decision (approvals are about a file's bytes at a path), its
captions and EXIF would need readers that work on members, and opening archives
safely (zip bombs, nested archives, encrypted members, path names such as
``../../x``) is a parser of its own. The one thing read here is a ZIP file's
central directory (the list of member names), bounded to :data:`MAX_DIRECTORY`
bytes, so the reason can say how many pictures are inside. Nothing is extracted
and no member is decompressed.

Files are recognised by their first bytes first, then by name.
"""

from __future__ import annotations

import os
import struct
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from photoguard.files.safeopen import open_regular
from photoguard.media import PHOTO_SUFFIXES, VIDEO_SUFFIXES

#: Largest ZIP central directory read to count the members (bytes): about 100 000
#: member names. A bigger one is not listed (the file is an error all the same).
MAX_DIRECTORY = 8 << 20
#: End-of-central-directory record: at most 22 bytes plus a 65 535-byte comment.
_EOCD_SEARCH = 22 + 0xFFFF

_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"

_AFTER_EXTRACT = "extract it and scan the folder"
_CHECK_SOURCES = "check the photos and videos it was made from"


@dataclass(frozen=True)
class _Type:
    label: str
    advice: str
    #: True for ZIP-based files, whose member names can be listed.
    zip_based: bool = False


_ZIP_TYPES: dict[str, _Type] = {}
for _suffixes, _label in (
    ((".docx", ".docm", ".dotx", ".dotm"), "a Word document"),
    ((".pptx", ".pptm", ".ppsx", ".ppsm", ".potx", ".potm"), "a PowerPoint presentation"),
    ((".xlsx", ".xlsm", ".xltx", ".xltm"), "an Excel workbook"),
    ((".odt", ".ott"), "an OpenDocument text"),
    ((".odp", ".otp"), "an OpenDocument presentation"),
    ((".ods", ".ots"), "an OpenDocument spreadsheet"),
    ((".odg", ".otg"), "an OpenDocument drawing"),
    ((".epub",), "an e-book"),
    ((".pages", ".key", ".numbers"), "an Apple iWork document"),
):
    for _s in _suffixes:
        _ZIP_TYPES[_s] = _Type(_label, _CHECK_SOURCES, zip_based=True)
_ZIP = _Type("a ZIP archive", _AFTER_EXTRACT, zip_based=True)
for _s in (".zip", ".cbz"):
    _ZIP_TYPES[_s] = _ZIP

_OLE_TYPES = {
    ".doc": "a Word document",
    ".dot": "a Word document",
    ".ppt": "a PowerPoint presentation",
    ".pps": "a PowerPoint presentation",
    ".xls": "an Excel workbook",
    ".pub": "a Publisher document",
    ".msg": "an Outlook message",
}

_PDF = _Type("a PDF document", _CHECK_SOURCES)
_SVG = _Type("an SVG drawing", _CHECK_SOURCES)
_RTF = _Type("a Rich Text document", _CHECK_SOURCES)
_ARCHIVES_BY_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"Rar!\x1a\x07", "a RAR archive"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"BZh", "a bzip2 archive"),
    (b"\xfd7zXZ\x00", "an xz archive"),
    (b"\x28\xb5\x2f\xfd", "a Zstandard archive"),
    (b"MSCF", "a cabinet archive"),
)
_ARCHIVE_SUFFIXES = {
    ".7z": "a 7-Zip archive",
    ".rar": "a RAR archive",
    ".tar": "a tar archive",
    ".tgz": "a tar archive",
    ".tbz": "a tar archive",
    ".tbz2": "a tar archive",
    ".txz": "a tar archive",
    ".gz": "a gzip archive",
    ".bz2": "a bzip2 archive",
    ".xz": "an xz archive",
    ".zst": "a Zstandard archive",
    ".cab": "a cabinet archive",
    ".cbr": "a comic-book archive",
    ".cb7": "a comic-book archive",
}
#: Picture files photoguard cannot decode: their pictures are not checked either.
_UNREADABLE_PICTURES: tuple[tuple[bytes, str], ...] = (
    (b"8BPS", "a Photoshop file"),
    (b"\xff\x0a", "a JPEG XL photo"),
    (b"\x00\x00\x00\x0cJXL \r\n\x87\n", "a JPEG XL photo"),
    (b"%!PS", "a PostScript file"),
    (b"\xc5\xd0\xd3\xc6", "a PostScript file"),
    (b"FUJIFILMCCD-RAW", "a camera raw photo"),
)
_UNREADABLE_PICTURE_SUFFIXES = {
    ".psd": "a Photoshop file",
    ".psb": "a Photoshop file",
    ".jxl": "a JPEG XL photo",
    ".eps": "a PostScript file",
    ".ps": "a PostScript file",
    ".raf": "a camera raw photo",
    ".orf": "a camera raw photo",
    ".rw2": "a camera raw photo",
    ".x3f": "a camera raw photo",
    ".srw": "a camera raw photo",
}

#: Member names that are pictures, or hold pictures of their own (nested files).
_PICTURE_MEMBERS = frozenset(
    PHOTO_SUFFIXES
    | VIDEO_SUFFIXES
    | {".jp2", ".j2k", ".jpx", ".emf", ".wmf", ".svg", ".svgz", ".pdf", ".mpg", ".mts"}
    | set(_ZIP_TYPES)
    | set(_OLE_TYPES)
    | set(_ARCHIVE_SUFFIXES)
    | set(_UNREADABLE_PICTURE_SUFFIXES)
)

#: Every suffix this module recognises (for files the walk cannot open or sniff).
DOCUMENT_SUFFIXES = frozenset(
    set(_ZIP_TYPES)
    | set(_OLE_TYPES)
    | set(_ARCHIVE_SUFFIXES)
    | set(_UNREADABLE_PICTURE_SUFFIXES)
    | {".pdf", ".ai", ".svg", ".svgz", ".rtf"}
)


def _type_of(path: Path, head: bytes) -> _Type | None:
    suffix = path.suffix.lower()
    if head.startswith(_ZIP_MAGIC):
        return _ZIP_TYPES.get(suffix, _ZIP)
    if b"%PDF-" in head[:64]:
        return _PDF
    if head.startswith(_OLE_MAGIC):
        return _Type(_OLE_TYPES.get(suffix, "an Office document"), _CHECK_SOURCES)
    if head.startswith(b"{\\rtf"):
        return _RTF
    for magic, label in _ARCHIVES_BY_MAGIC:
        if head.startswith(magic):
            return _Type(label, _AFTER_EXTRACT)
    for magic, label in _UNREADABLE_PICTURES:
        if head.startswith(magic):
            return _Type(label, "save it as JPEG or PNG and scan that")
    if b"<svg" in head or suffix in (".svg", ".svgz"):
        return _SVG
    # By name: the file may be unreadable, empty or damaged; it is still not "clear".
    if suffix in _ZIP_TYPES:
        return _ZIP_TYPES[suffix]
    if suffix in (".pdf", ".ai"):
        return _PDF
    if suffix in _OLE_TYPES:
        return _Type(_OLE_TYPES[suffix], _CHECK_SOURCES)
    if suffix == ".rtf":
        return _RTF
    if suffix in _ARCHIVE_SUFFIXES or path.name.lower().endswith((".tar.gz", ".tar.bz2")):
        return _Type(_ARCHIVE_SUFFIXES.get(suffix, "a tar archive"), _AFTER_EXTRACT)
    if suffix in _UNREADABLE_PICTURE_SUFFIXES:
        return _Type(_UNREADABLE_PICTURE_SUFFIXES[suffix], "save it as JPEG or PNG and scan that")
    return None


def is_document(path: Path, head: bytes) -> bool:
    """Whether ``path`` (its first bytes ``head``) is a file of pictures photoguard does
    not decode: a document, an archive, a drawing, a picture format it cannot read."""
    return _type_of(path, head) is not None


def unchecked_reason(path: Path, head: bytes) -> str | None:
    """Why a document's or archive's pictures were not checked (its ``error`` reason),
    or None if ``path`` is not one."""
    kind = _type_of(path, head)
    if kind is None:
        return None
    if not kind.zip_based:
        return f"may contain pictures photoguard did not check ({kind.label}): {kind.advice}"
    names = zip_member_names(path)
    if names is None:
        return (
            f"may contain pictures photoguard did not check ({kind.label} whose list of "
            f"files could not be read): {kind.advice}"
        )
    pictures = sum(1 for n in names if PurePosixPath(n).suffix.lower() in _PICTURE_MEMBERS)
    if pictures:
        return (
            f"contains pictures photoguard did not check ({kind.label} with {pictures} "
            f"picture(s) inside): {kind.advice}"
        )
    return (
        f"not checked ({kind.label} with no pictures inside; photoguard checks photos and "
        "videos, not the text of documents)"
    )


def zip_member_names(path: Path) -> list[str] | None:
    """The member names of a ZIP-based file, read from its central directory only, or
    None if that cannot be read or is larger than :data:`MAX_DIRECTORY`."""
    try:
        with open_regular(path) as f:
            size = os.fstat(f.fileno()).st_size
            f.seek(max(0, size - _EOCD_SEARCH))
            tail = f.read(_EOCD_SEARCH)
            at = tail.rfind(b"PK\x05\x06")
            if at < 0 or len(tail) - at < 22:
                return None
            entries, directory = struct.unpack("<10xHI", tail[at : at + 16])
            if entries == 0xFFFF or directory == 0xFFFFFFFF:
                directory = _zip64_directory_size(f, size - len(tail) + at)
                if directory is None:
                    return None
            if directory > MAX_DIRECTORY:
                return None
            f.seek(0)
            with zipfile.ZipFile(f) as z:
                return z.namelist()
    except Exception:  # a damaged directory: not listed; the file is an error all the same
        return None


def _zip64_directory_size(fh: BinaryIO, eocd_at: int) -> int | None:
    """The central directory's size from a ZIP64 end record (found through its locator)."""
    if eocd_at < 20:
        return None
    fh.seek(eocd_at - 20)
    locator = fh.read(20)
    if len(locator) != 20 or not locator.startswith(b"PK\x06\x07"):
        return None
    (record_at,) = struct.unpack("<8xQ4x", locator)
    fh.seek(record_at)
    record = fh.read(56)
    if len(record) != 56 or not record.startswith(b"PK\x06\x06"):
        return None
    (directory,) = struct.unpack("<40xQ8x", record)
    return int(directory)
