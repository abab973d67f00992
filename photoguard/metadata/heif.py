"""HEIC/HEIF and AVIF photos: EXIF and XMP as pillow-heif (or Pillow, for AVIF) reads them.

Opening does not decode the image.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from photoguard.formats import AVIF_BRANDS
from photoguard.metadata import exif, xmp
from photoguard.metadata.fields import Collector


def read_heif(path: Path, brand: bytes, out: Collector) -> None:
    try:
        info = _info(path, brand)
    except Exception as exc:  # the libraries raise many kinds on damaged files
        out.error("HEIF", f"could not be read: {type(exc).__name__}: {exc}")
        return
    raw_exif = info.get("exif")
    if isinstance(raw_exif, bytes) and raw_exif:
        start = 6 if raw_exif.startswith(b"Exif\x00\x00") else 0
        exif.read_tiff(io.BytesIO(raw_exif), start, len(raw_exif) - start, out)
    raw_xmp = info.get("xmp")
    if isinstance(raw_xmp, str):
        raw_xmp = raw_xmp.encode("utf-8")
    if isinstance(raw_xmp, bytes) and raw_xmp:
        xmp.read_xmp(raw_xmp, out)


def _info(path: Path, brand: bytes) -> dict[str, Any]:
    if brand in AVIF_BRANDS:
        from PIL import Image

        with Image.open(path) as im:
            return {str(k): v for k, v in im.info.items()}
    import pillow_heif

    heif = pillow_heif.open_heif(str(path), convert_hdr_to_8bit=False)
    return dict(heif.info)
