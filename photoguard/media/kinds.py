"""What kind of file this is: a photo, a video, or neither (by content first, then by name)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

Kind = Literal["photo", "video"]

PHOTO_SUFFIXES = frozenset(
    {
        ".jpg",
        ".jpeg",
        ".jpe",
        ".jfif",
        ".png",
        ".heic",
        ".heif",
        ".hif",
        ".webp",
        ".tif",
        ".tiff",
        ".bmp",
        ".dib",
        ".gif",
        # JPEG 2000 (Pillow decodes it with OpenJPEG): JP2/JPX files and raw codestreams.
        ".jp2",
        ".j2k",
        ".j2c",
        ".jpc",
        ".jpf",
        ".jpx",
    }
)
#: A JPEG 2000 file (JP2, JPX) starts with this signature box; a raw codestream with SOC+SIZ.
JP2_SIGNATURE = b"\x00\x00\x00\x0cjP  \r\n\x87\n"
J2K_CODESTREAM = b"\xff\x4f\xff\x51"
VIDEO_SUFFIXES = frozenset({".mp4", ".mov", ".m4v", ".avi", ".mkv", ".webm", ".3gp"})


def sniff_kind(head: bytes) -> Kind | None:
    """What the first bytes of a file say it is."""
    if head.startswith((b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n", b"GIF87a", b"GIF89a", b"BM")):
        return "photo"
    if head.startswith((b"II*\x00", b"MM\x00*")):
        return "photo"
    if head.startswith((JP2_SIGNATURE, J2K_CODESTREAM)):
        return "photo"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "photo"
    if head[:4] == b"RIFF" and head[8:12] == b"AVI ":
        return "video"
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return "video"
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand in (
            b"heic",
            b"heix",
            b"heim",
            b"heis",
            b"hevc",
            b"hevx",
            b"mif1",
            b"msf1",
            b"avif",
        ):
            return "photo"
        return "video"
    return None


def kind_of(path: Path, head: bytes) -> Kind | None:
    """Photo, video, or neither: by content first, then by name."""
    sniffed = sniff_kind(head)
    if sniffed is not None:
        return sniffed
    suffix = path.suffix.lower()
    if suffix in PHOTO_SUFFIXES:
        return "photo"
    if suffix in VIDEO_SUFFIXES:
        return "video"
    return None
