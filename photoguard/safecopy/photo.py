"""Rendering the safe copy of a photo. Runs in a worker process, like every decode.

The picture is decoded the way the scan decodes it (media.py: the EXIF
orientation applied), so face boxes and pixels agree; the copy is stored upright
with no orientation tag. JPEG, HEIC/HEIF and WebP photos become JPEG (quality
92); PNG, TIFF, BMP and GIF become PNG. Animated images are refused.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps

from photoguard.formats import register_heif
from photoguard.media import MediaError, to_rgb
from photoguard.metadata import container_kind
from photoguard.safecopy.cover import Region, cover
from photoguard.safecopy.metadata import MetadataPlan, OutFormat, save_jpeg, save_png

#: Containers whose copy is a JPEG (the rest become PNG, which loses nothing).
JPEG_CONTAINERS = frozenset({"JPEG", "HEIF", "WebP"})


@dataclass(frozen=True)
class PhotoJob:
    source: Path
    target: Path
    regions: tuple[Region, ...]
    style: str
    level: int
    metadata: MetadataPlan
    #: The upright size the analysis saw; the render refuses a different one.
    width: int
    height: int
    #: Regions under a solid box whatever ``style`` is (text with a full name: text.py).
    solid: tuple[Region, ...] = ()


@dataclass(frozen=True)
class RenderedPhoto:
    width: int
    height: int


def output_format(source: Path) -> tuple[OutFormat, str]:
    """The copy's format and extension, from the original's first bytes."""
    with source.open("rb") as f:
        head = f.read(16)
    if container_kind(head) in JPEG_CONTAINERS:
        return "JPEG", ".jpg"
    return "PNG", ".png"


def _has_alpha(im: Image.Image) -> bool:
    return im.mode in ("RGBA", "LA", "PA", "RGBa", "La") or (
        im.mode == "P" and "transparency" in im.info
    )


def render_photo(job: PhotoJob) -> RenderedPhoto:
    """Decode, cover, and write the copy to ``job.target`` (which must not exist)."""
    register_heif()
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(job.source) as im:
                if int(getattr(im, "n_frames", 1) or 1) > 1:
                    raise MediaError(
                        "animated images and multi-page files cannot be made into safe copies"
                    )
                im.load()
                icc = im.info.get("icc_profile")
                upright = ImageOps.exif_transpose(im)
                keep_alpha = job.metadata.out_format == "PNG" and _has_alpha(upright)
                pixels = (
                    np.array(upright.convert("RGBA"), dtype=np.uint8)
                    if keep_alpha
                    else np.array(to_rgb(upright), dtype=np.uint8)
                )
        except MediaError:
            raise
        except (Image.DecompressionBombWarning, Image.DecompressionBombError) as exc:
            raise MediaError(f"too large to copy safely ({exc})") from exc
        except Exception as exc:
            raise MediaError(f"the photo could not be decoded ({exc})") from exc
    height, width = pixels.shape[:2]
    if (width, height) != (job.width, job.height):
        raise MediaError(
            f"the photo decoded at {width}x{height}, not the {job.width}x{job.height} "
            "that was checked"
        )
    cover(pixels, list(job.regions), job.style, job.level)
    cover(pixels, list(job.solid), "box")
    out = Image.fromarray(pixels, "RGBA" if keep_alpha else "RGB")
    icc_bytes = icc if isinstance(icc, bytes) else None
    if job.metadata.out_format == "JPEG":
        save_jpeg(out, job.target, job.metadata, icc_bytes)
    else:
        save_png(out, job.target, job.metadata, icc_bytes)
    return RenderedPhoto(width, height)
