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
    }
)
VIDEO_SUFFIXES = frozenset({".mp4", ".mov", ".m4v", ".avi", ".mkv", ".webm", ".3gp"})


def sniff_kind(head: bytes) -> Kind | None:
    """What the first bytes of a file say it is."""
    if head.startswith((b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n", b"GIF87a", b"GIF89a", b"BM")):
        return "photo"
    if head.startswith((b"II*\x00", b"MM\x00*")):
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
